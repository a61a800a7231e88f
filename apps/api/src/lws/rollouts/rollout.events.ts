/**
 * Rollout history: what a worker observed while an LWS moved from one template revision to the
 * next. Appended to the LWS stream (`LeaderWorkerSet-<uid>`, actor `worker:<cluster>`) beside the
 * reconcile events; a rollout is identified by the revision it rolls out to (`toRevision`).
 */
export const RolloutEventType = {
  Started: 'RolloutStarted',
  GroupReplaced: 'GroupReplaced',
  GroupUpdated: 'GroupUpdated',
  SurgeGroupAdded: 'SurgeGroupAdded',
  SurgeGroupRemoved: 'SurgeGroupRemoved',
  Paused: 'RolloutPaused',
  Resumed: 'RolloutResumed',
  Completed: 'RolloutCompleted',
  Superseded: 'RolloutSuperseded',
} as const;

export type RolloutEventTypeName = (typeof RolloutEventType)[keyof typeof RolloutEventType];

export const ROLLOUT_EVENT_TYPES: readonly string[] = Object.values(RolloutEventType);

/** The states a rollout can be in (the `state` column of `lws_rollouts`). */
export const RolloutState = {
  Progressing: 'Progressing',
  Paused: 'Paused',
  Complete: 'Complete',
  Superseded: 'Superseded',
} as const;

export type RolloutStateName = (typeof RolloutState)[keyof typeof RolloutState];

/** The rolling-update settings a rollout ran with, resolved against replicas. */
export interface RolloutStrategy {
  type: 'RollingUpdate';
  replicas: number;
  /** Resolved (rounded up, capped at replicas). */
  maxSurge: number;
  /** Resolved (rounded down). */
  maxUnavailable: number;
  partition: number;
}

interface RolloutRef {
  uid: string;
  cluster: string;
  /** The revision the rollout goes to: identifies the rollout within the LWS. */
  toRevision: number;
}

export interface RolloutStartedData extends RolloutRef {
  /** The revision the groups were on; null when it cannot be told (no revision with that hash). */
  fromRevision: number | null;
  fromTemplateHash: string;
  toTemplateHash: string;
  strategy: RolloutStrategy;
}

export interface GroupReplacedData extends RolloutRef {
  group: number;
  /** The template hash the group's pods were on before they were deleted. */
  fromTemplateHash: string;
  toTemplateHash: string;
}

export interface GroupUpdatedData extends RolloutRef {
  group: number;
  surge: boolean;
  /** Milliseconds from the group's replacement (or surge creation) to ready on the new revision. */
  readyAfterMs: number | null;
}

export interface SurgeGroupData extends RolloutRef {
  group: number;
}

export interface RolloutPausedData extends RolloutRef {
  /** spec.rolloutStrategy.rollingUpdateConfiguration.partition: groups below it stay on the old revision. */
  partition: number;
  /** Groups on the new revision and ready when it paused (surge groups included). */
  updatedGroups: number;
}

export interface RolloutResumedData extends RolloutRef {
  partition: number;
}

export interface RolloutCompletedData extends RolloutRef {
  /** From RolloutStarted to this event, by the worker's clock. */
  durationMs: number | null;
}

export interface RolloutSupersededData extends RolloutRef {
  /** The revision of the template that replaced this one mid-rollout. */
  byRevision: number;
}
