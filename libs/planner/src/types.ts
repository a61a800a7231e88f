// Inputs and outputs of the planner. Kubernetes shapes are @kubernetes/client-node's (type-only).
import type {
  V1ConfigMap,
  V1Namespace,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import type {
  LeaderWorkerSetSpec,
  LeaderWorkerSetStatus,
  LeaderWorkerTemplate,
  NetworkConfig,
} from '../../lws/src';

/** The parts of a revision that shape pods: what the template hash covers. */
export interface RevisionTemplate {
  leaderWorkerTemplate: LeaderWorkerTemplate;
  networkConfig: NetworkConfig;
}

/** One LeaderWorkerSet as the event store knows it (admitted, defaulted). */
export interface DesiredLws {
  uid: string;
  namespace: string;
  name: string;
  generation: number;
  /** Revision number of `templateHash` (1, 2, …; kept forever by the event store). */
  revision: number;
  templateHash: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec: LeaderWorkerSetSpec;
  /**
   * Older revisions by template hash, so a lost pod of a group that stays on an old revision (below
   * the partition, or mid-rollout) is recreated from its own template, as upstream's worker
   * StatefulSet is built from the leader's ControllerRevision. The current one is implied.
   */
  revisions?: Record<string, RevisionTemplate>;
  /** The status last recorded, so conditions keep their transition times. */
  status?: LeaderWorkerSetStatus;
}

/** What the watcher's cache holds for this LWS in one cluster (objects carrying its uid label). */
export interface Observed {
  namespaceExists: boolean;
  anchor?: V1ConfigMap;
  pods: V1Pod[];
  services: V1Service[];
  pvcs: V1PersistentVolumeClaim[];
  /** Node name → labels; needed for exclusive topology (the leader's node's topology value). */
  nodes?: Record<string, Record<string, string>>;
  /** RFC 3339; condition transition times. */
  now: string;
  /**
   * Pods the executor tried to create and could not (the create failed, or was skipped after an
   * earlier failure), not seen since. Such a pod missing from a started group was never there:
   * it is created, not counted as lost (which would recreate the whole group).
   */
  notCreated?: string[];
}

export type ObjectKind = 'ConfigMap' | 'Service' | 'PersistentVolumeClaim' | 'Pod';

/** What triggered a group recreation, captured from the pod's status before it is deleted. */
export interface RecreateCause {
  pod: string;
  role: 'leader' | 'worker';
  event: 'containerRestarted' | 'deleted' | 'failed' | 'lost';
  container?: string;
  restartCount?: number;
  exitCode?: number;
  /** Termination reason (`OOMKilled`, `Error`) or pod status reason (`Evicted`). */
  reason?: string;
}

export interface CreateNamespaceAction {
  type: 'createNamespace';
  namespace: string;
  object: V1Namespace;
  reason: string;
}

export interface CreateAction {
  type: 'create';
  kind: ObjectKind;
  namespace: string;
  name: string;
  object: V1ConfigMap | V1Service | V1PersistentVolumeClaim | V1Pod;
  /**
   * Set when the controller owner is created earlier in the same plan, so its uid is not known
   * yet: the owner reference to it carries an empty uid that the executor fills in with
   * `bindOwnerUid` once the owner's create returned.
   */
  ownerPending?: { kind: ObjectKind; name: string };
  reason: string;
}

export interface PatchAction {
  type: 'patch';
  kind: ObjectKind;
  namespace: string;
  name: string;
  /** JSON merge patch (RFC 7386). */
  patch: Record<string, unknown>;
  reason: string;
}

export interface DeleteAction {
  type: 'delete';
  kind: ObjectKind;
  namespace: string;
  name: string;
  /** Precondition: delete only this incarnation. */
  uid: string;
  propagationPolicy: 'Foreground' | 'Background';
  reason: string;
  /** For group recreations: the pod status that caused it. */
  cause?: RecreateCause;
}

/** Applied in order by the executor. */
export type Action = CreateNamespaceAction | CreateAction | PatchAction | DeleteAction;

export interface SubGroupView {
  index: number;
  pods: string[];
}

export interface GroupView {
  index: number;
  /** Leader and all workers exist, are on the leader's revision, Running and Ready. */
  ready: boolean;
  /** The leader's template hash (the desired one when the leader does not exist yet). */
  revision: string;
  /** Every pod of the group is on the LWS's current template hash. */
  updated: boolean;
  /** A surge group (index ≥ spec.replicas) of a rollout. */
  surge: boolean;
  leader: string;
  workers: string[];
  subGroups: SubGroupView[];
  /** Why the group is not complete yet, when the planner waits (leader not Ready, not scheduled …). */
  waiting?: string;
}

export interface PlanResult {
  actions: Action[];
  status: LeaderWorkerSetStatus;
  groups: GroupView[];
}

export interface DeletionPlan {
  actions: Action[];
  /** True once nothing that deletion should remove is observed any more. */
  done: boolean;
  /** Objects still present (`Kind/name`), excluding PVCs kept by the retention policy. */
  remaining: string[];
}
