/**
 * The facts of a LeaderWorkerSet's life, as stored in its stream (`LeaderWorkerSet-<uid>`).
 * Names are past tense; data is small and versioned by `schemaVersion` on the event row.
 */
export const LwsEventType = {
  Created: 'LeaderWorkerSetCreated',
  Updated: 'LeaderWorkerSetUpdated',
  RevisionCreated: 'RevisionCreated',
  Scaled: 'LeaderWorkerSetScaled',
  DeletionRequested: 'LeaderWorkerSetDeletionRequested',
  Deleted: 'LeaderWorkerSetDeleted',
} as const;

/** What the workers record about an LWS in its cluster (same stream; actor `worker:<cluster>`). */
export const ReconcileEventType = {
  Applied: 'ReconcileApplied',
  Failed: 'ReconcileFailed',
  GroupRecreated: 'GroupRecreated',
  StatusChanged: 'StatusChanged',
  GroupBecameReady: 'GroupBecameReady',
  GroupBecameNotReady: 'GroupBecameNotReady',
  ContainerRestarted: 'ContainerRestarted',
  NodeLost: 'NodeLost',
} as const;

/** Events that change desired state, and so call for a reconcile (the dispatcher follows these). */
export const DESIRED_STATE_EVENTS: readonly string[] = Object.values(LwsEventType);

export type LwsEventTypeName = (typeof LwsEventType)[keyof typeof LwsEventType];

export const LWS_STREAM_PREFIX = 'LeaderWorkerSet-';
export const lwsStreamId = (uid: string): string => `${LWS_STREAM_PREFIX}${uid}`;

/** What identifies the object and what it looks like after the event (read models need no lookups). */
export interface LwsObjectState {
  uid: string;
  namespace: string;
  name: string;
  cluster: string;
  generation: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The defaulted spec. */
  spec: Record<string, unknown>;
}

export interface LeaderWorkerSetCreatedData extends LwsObjectState {
  /** Notices of the apply (e.g. a normalised alias). */
  notices: string[];
}

export interface LeaderWorkerSetUpdatedData extends LwsObjectState {
  /** Field paths that changed, e.g. `spec.replicas`, `spec.leaderWorkerTemplate`. */
  changes: string[];
  previousGeneration: number;
  notices: string[];
}

export interface RevisionCreatedData {
  uid: string;
  revision: number;
  templateHash: string;
  /** `leaderWorkerTemplate` + `networkConfig`: what the hash covers. */
  template: { leaderWorkerTemplate: unknown; networkConfig: unknown };
  /** The whole LWS as YAML when this revision was made. */
  manifest: string;
  /** Set when the revision restores an older one's template (rollback). */
  restoredFrom?: number;
}

export interface LeaderWorkerSetScaledData {
  uid: string;
  fromReplicas: number;
  toReplicas: number;
  generation: number;
}

export interface LeaderWorkerSetDeletionRequestedData {
  uid: string;
}

export interface LeaderWorkerSetDeletedData {
  uid: string;
  /** Why the deletion is complete, e.g. `never placed in a cluster` or `cluster confirmed`. */
  reason: string;
}

export interface ReconcileAppliedData {
  uid: string;
  cluster: string;
  /** The generation and revision the reconcile worked towards. */
  generation: number;
  revision: number;
  created: string[];
  patched: string[];
  deleted: string[];
  /** Objects a create found already there (finishing an interrupted reconcile). */
  alreadyPresent: string[];
  /** Set when an API error stopped the reconcile part way. */
  failure?: ReconcileFailure;
}

export interface ReconcileFailure {
  action: string;
  kind: string;
  status?: number;
  reason: string;
  message: string;
}

export interface ReconcileFailedData {
  uid: string;
  cluster: string;
  generation: number;
  /** True when retrying cannot help (an invalid object): the reconcile is not retried until something changes. */
  permanent: boolean;
  failure: ReconcileFailure;
}

export interface GroupRecreatedData {
  uid: string;
  cluster: string;
  group: number;
  /** The pod whose failure caused it, with its container, exit code and reason, captured before deletion. */
  pod: string;
  role: 'leader' | 'worker';
  trigger: string;
  container?: string;
  exitCode?: number;
  reason?: string;
  restartCount?: number;
}

export interface StatusChangedData {
  uid: string;
  cluster: string;
  status: Record<string, unknown>;
}

export interface GroupReadinessData {
  uid: string;
  cluster: string;
  group: number;
  revision: string;
}

export interface ContainerRestartedData {
  uid: string;
  cluster: string;
  pod: string;
  container: string;
  restartCount: number;
  exitCode?: number;
  reason?: string;
}

export interface NodeLostData {
  uid: string;
  cluster: string;
  node: string;
  condition: string;
  pods: string[];
}
