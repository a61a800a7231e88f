// The LeaderWorkerSet v1 model (api/leaderworkerset/v1/leaderworkerset_types.go). Two shapes:
// `LeaderWorkerSetManifest` is what a user writes (every defaulted field optional), and
// `LeaderWorkerSet` is the admitted object after defaulting, where every defaulted field is set,
// so the planner never has to re-apply defaults.
import type {
  V1ObjectMeta,
  V1PersistentVolumeClaim,
  V1PodTemplateSpec,
} from '@kubernetes/client-node';
import type {
  ConditionType,
  PvcRetentionPolicyType,
  RestartPolicy,
  RolloutStrategyType,
  StartupPolicy,
  SubdomainPolicy,
  SubGroupPolicyType,
} from './constants';

/** Kubernetes IntOrString: `3` or `"25%"`. */
export type IntOrString = number | string;

export interface LeaderWorkerSetMetadata extends V1ObjectMeta {
  name: string;
  namespace: string;
}

export interface RollingUpdateConfiguration {
  /** Groups with index < partition are never updated by a rollout. */
  partition: number;
  /** Resolved against spec.replicas rounding down. */
  maxUnavailable: IntOrString;
  /** Resolved against spec.replicas rounding up. */
  maxSurge: IntOrString;
}

export interface RolloutStrategy {
  type: RolloutStrategyType;
  rollingUpdateConfiguration: RollingUpdateConfiguration;
}

export interface NetworkConfig {
  subdomainPolicy: SubdomainPolicy;
}

export interface SubGroupPolicy {
  subGroupPolicyType: SubGroupPolicyType;
  subGroupSize: number;
}

/** apps/v1 StatefulSetPersistentVolumeClaimRetentionPolicy. */
export interface PersistentVolumeClaimRetentionPolicy {
  whenDeleted?: PvcRetentionPolicyType;
  whenScaled?: PvcRetentionPolicyType;
}

export interface LeaderWorkerTemplate {
  /** When absent the worker template is used for the leader too. */
  leaderTemplate?: V1PodTemplateSpec;
  workerTemplate: V1PodTemplateSpec;
  /** Pods per group, leader included. */
  size: number;
  restartPolicy: RestartPolicy;
  subGroupPolicy?: SubGroupPolicy;
  volumeClaimTemplates?: V1PersistentVolumeClaim[];
  persistentVolumeClaimRetentionPolicy?: PersistentVolumeClaimRetentionPolicy;
}

export interface LeaderWorkerSetSpec {
  /** Number of groups. */
  replicas: number;
  leaderWorkerTemplate: LeaderWorkerTemplate;
  rolloutStrategy: RolloutStrategy;
  startupPolicy: StartupPolicy;
  networkConfig: NetworkConfig;
}

export interface LeaderWorkerSetCondition {
  type: ConditionType | string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface LeaderWorkerSetStatus {
  conditions?: LeaderWorkerSetCondition[];
  readyReplicas?: number;
  updatedReplicas?: number;
  replicas?: number;
  hpaPodSelector?: string;
  observedGeneration?: number;
}

/** An admitted LeaderWorkerSet: defaulted, normalised and valid. */
export interface LeaderWorkerSet {
  apiVersion: string;
  kind: string;
  metadata: LeaderWorkerSetMetadata;
  spec: LeaderWorkerSetSpec;
  status?: LeaderWorkerSetStatus;
}

// The user-facing manifest: what a YAML file may leave out.

export interface RollingUpdateConfigurationManifest {
  partition?: number;
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
}

export interface RolloutStrategyManifest {
  type?: RolloutStrategyType;
  rollingUpdateConfiguration?: RollingUpdateConfigurationManifest;
}

export interface NetworkConfigManifest {
  subdomainPolicy?: SubdomainPolicy;
}

export interface SubGroupPolicyManifest {
  /** `LeaderOnly` is accepted as an alias of `LeaderExcluded`. */
  subGroupPolicyType?: SubGroupPolicyType | 'LeaderOnly';
  subGroupSize?: number;
}

export interface LeaderWorkerTemplateManifest {
  leaderTemplate?: V1PodTemplateSpec;
  workerTemplate?: V1PodTemplateSpec;
  size?: number;
  restartPolicy?: RestartPolicy;
  subGroupPolicy?: SubGroupPolicyManifest;
  volumeClaimTemplates?: V1PersistentVolumeClaim[];
  persistentVolumeClaimRetentionPolicy?: PersistentVolumeClaimRetentionPolicy;
}

export interface LeaderWorkerSetSpecManifest {
  replicas?: number;
  leaderWorkerTemplate?: LeaderWorkerTemplateManifest;
  rolloutStrategy?: RolloutStrategyManifest;
  startupPolicy?: StartupPolicy;
  networkConfig?: NetworkConfigManifest;
}

export interface LeaderWorkerSetManifest {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec?: LeaderWorkerSetSpecManifest;
}
