// Every upstream LeaderWorkerSet name that lws-fleet reproduces: API identity, labels, annotations,
// environment variables, enum values and conditions (lws-reference.md §1, §2). One place, so the
// planner and the API import them instead of retyping strings.

export const LWS_GROUP = 'leaderworkerset.x-k8s.io';
export const LWS_VERSION = 'v1';
export const LWS_API_VERSION = `${LWS_GROUP}/${LWS_VERSION}`;
export const LWS_KIND = 'LeaderWorkerSet';
export const LWS_LIST_KIND = 'LeaderWorkerSetList';
export const LWS_PLURAL = 'leaderworkersets';
export const LWS_SHORT_NAME = 'lws';

/** Largest manifest text accepted by `parseManifest` (1 MiB), in UTF-8 bytes. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** `metadata.namespace` when the manifest names none. */
export const DEFAULT_NAMESPACE = 'default';

const PREFIX = 'leaderworkerset.sigs.k8s.io';

// Labels (§2.1).
export const LABEL_NAME = `${PREFIX}/name`;
export const LABEL_GROUP_INDEX = `${PREFIX}/group-index`;
export const LABEL_WORKER_INDEX = `${PREFIX}/worker-index`;
export const LABEL_GROUP_KEY = `${PREFIX}/group-key`;
export const LABEL_TEMPLATE_REVISION_HASH = `${PREFIX}/template-revision-hash`;
export const LABEL_SUBGROUP_INDEX = `${PREFIX}/subgroup-index`;
export const LABEL_SUBGROUP_KEY = `${PREFIX}/subgroup-key`;

// Annotations (§1.8, §2.2).
export const ANNOTATION_EXCLUSIVE_TOPOLOGY = `${PREFIX}/exclusive-topology`;
export const ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY = `${PREFIX}/subgroup-exclusive-topology`;
export const ANNOTATION_SIZE = `${PREFIX}/size`;
export const ANNOTATION_REPLICAS = `${PREFIX}/replicas`;
export const ANNOTATION_LEADER_NAME = `${PREFIX}/leader-name`;
export const ANNOTATION_SUBGROUP_SIZE = `${PREFIX}/subgroup-size`;
export const ANNOTATION_SUBGROUP_POLICY_TYPE = `${PREFIX}/subgroup-policy-type`;
/** An annotation despite KEP-173 calling it a label (§8.4). */
export const ANNOTATION_SUBDOMAIN_POLICY = `${PREFIX}/subdomainPolicy`;
/** Presence only; any value (§1.8, §8.9). */
export const ANNOTATION_RECREATE_GROUP_AFTER_START = `${PREFIX}/experimental-recreate-group-after-start`;
export const ANNOTATION_LEADER_REQUESTS_TPUS = `${PREFIX}/leader-requests-tpus`;
/** Gang scheduling (Volcano provider only). */
export const ANNOTATION_GANG_GROUP_NAME = 'scheduling.k8s.io/group-name';
export const ANNOTATION_VOLCANO_QUEUE_NAME = 'scheduling.volcano.sh/queue-name';
export const VOLCANO_ANNOTATION_PREFIX = 'volcano.sh/';

// Environment variables injected into every container and init container (§2.3, §4.10).
export const ENV_LWS_LEADER_ADDRESS = 'LWS_LEADER_ADDRESS';
export const ENV_LWS_GROUP_SIZE = 'LWS_GROUP_SIZE';
export const ENV_LWS_WORKER_INDEX = 'LWS_WORKER_INDEX';
/** In the order upstream puts them, first in every container's env. */
export const LWS_ENV_VARS = [
  ENV_LWS_LEADER_ADDRESS,
  ENV_LWS_GROUP_SIZE,
  ENV_LWS_WORKER_INDEX,
] as const;
export const ENV_TPU_WORKER_HOSTNAMES = 'TPU_WORKER_HOSTNAMES';
export const ENV_TPU_WORKER_ID = 'TPU_WORKER_ID';
export const ENV_TPU_NAME = 'TPU_NAME';
export const ENV_TPU_PROCESS_ADDRESSES = 'TPU_PROCESS_ADDRESSES';
export const ENV_TPU_PROCESS_PORT = 'TPU_PROCESS_PORT';
export const TPU_RESOURCE_NAME = 'google.com/tpu';
export const TPU_DEFAULT_PROCESS_PORT = 8476;

// Enum values (§1.2 – §1.6).
export const RestartPolicy = {
  /** Deprecated; the webhook rewrites it to `None`. */
  Default: 'Default',
  RecreateGroupOnPodRestart: 'RecreateGroupOnPodRestart',
  RecreateGroupAfterStart: 'RecreateGroupAfterStart',
  None: 'None',
} as const;
export type RestartPolicy = (typeof RestartPolicy)[keyof typeof RestartPolicy];
export const RESTART_POLICIES: readonly RestartPolicy[] = Object.values(RestartPolicy);

export const StartupPolicy = {
  LeaderCreated: 'LeaderCreated',
  LeaderReady: 'LeaderReady',
} as const;
export type StartupPolicy = (typeof StartupPolicy)[keyof typeof StartupPolicy];
export const STARTUP_POLICIES: readonly StartupPolicy[] = Object.values(StartupPolicy);

export const RolloutStrategyType = {
  RollingUpdate: 'RollingUpdate',
} as const;
export type RolloutStrategyType = (typeof RolloutStrategyType)[keyof typeof RolloutStrategyType];
export const ROLLOUT_STRATEGY_TYPES: readonly RolloutStrategyType[] =
  Object.values(RolloutStrategyType);

export const SubdomainPolicy = {
  Shared: 'Shared',
  UniquePerReplica: 'UniquePerReplica',
} as const;
export type SubdomainPolicy = (typeof SubdomainPolicy)[keyof typeof SubdomainPolicy];
export const SUBDOMAIN_POLICIES: readonly SubdomainPolicy[] = Object.values(SubdomainPolicy);

export const SubGroupPolicyType = {
  LeaderWorker: 'LeaderWorker',
  LeaderExcluded: 'LeaderExcluded',
} as const;
export type SubGroupPolicyType = (typeof SubGroupPolicyType)[keyof typeof SubGroupPolicyType];
export const SUBGROUP_POLICY_TYPES: readonly SubGroupPolicyType[] =
  Object.values(SubGroupPolicyType);
/**
 * The seed documents' old name for LeaderExcluded. Upstream's CRD rejects it; lws-fleet accepts it
 * as an alias, rewrites it and says so in a notice.
 */
export const SUBGROUP_POLICY_TYPE_LEADER_ONLY_ALIAS = 'LeaderOnly';

export const PvcRetentionPolicyType = {
  Retain: 'Retain',
  Delete: 'Delete',
} as const;
export type PvcRetentionPolicyType =
  (typeof PvcRetentionPolicyType)[keyof typeof PvcRetentionPolicyType];
export const PVC_RETENTION_POLICY_TYPES: readonly PvcRetentionPolicyType[] =
  Object.values(PvcRetentionPolicyType);

// Defaults (§1.2 – §1.6).
export const DEFAULT_REPLICAS = 1;
export const DEFAULT_SIZE = 1;
export const DEFAULT_RESTART_POLICY: RestartPolicy = RestartPolicy.RecreateGroupOnPodRestart;
export const DEFAULT_STARTUP_POLICY: StartupPolicy = StartupPolicy.LeaderCreated;
export const DEFAULT_ROLLOUT_STRATEGY_TYPE: RolloutStrategyType = RolloutStrategyType.RollingUpdate;
export const DEFAULT_MAX_UNAVAILABLE = 1;
export const DEFAULT_MAX_SURGE = 0;
export const DEFAULT_PARTITION = 0;
export const DEFAULT_SUBDOMAIN_POLICY: SubdomainPolicy = SubdomainPolicy.Shared;
export const DEFAULT_SUBGROUP_POLICY_TYPE: SubGroupPolicyType = SubGroupPolicyType.LeaderWorker;

// Bounds checked by the webhook and CRD (§1.2).
export const MAX_REPLICAS = 1_000_000;
export const MAX_INT32 = 2_147_483_647;
export const MIN_INT32 = -2_147_483_648;

// Status conditions (§1.9).
export const ConditionType = {
  Available: 'Available',
  Progressing: 'Progressing',
  UpdateInProgress: 'UpdateInProgress',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const CONDITION_REASON = {
  [ConditionType.Available]: 'AllGroupsReady',
  [ConditionType.Progressing]: 'GroupsProgressing',
  [ConditionType.UpdateInProgress]: 'GroupsUpdating',
} as const satisfies Record<ConditionType, string>;

export const CONDITION_MESSAGE = {
  [ConditionType.Available]: 'All replicas are ready',
  [ConditionType.Progressing]: 'Replicas are progressing',
  [ConditionType.UpdateInProgress]: 'Rolling Upgrade is in progress',
} as const satisfies Record<ConditionType, string>;
