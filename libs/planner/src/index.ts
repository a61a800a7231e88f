// Public API of libs/planner: plan(desired, observed) → actions, status and groups for one LWS in
// one cluster, planDeletion, the object builders and the rolling-update math. Pure: no I/O, no
// Nest, no await, no clock (time comes in as `observed.now`).
export * from './constants';
export type * from './types';
export { plan, groupState, templateFor, currentTemplate } from './plan';
export { planDeletion } from './deletion';
export { bindOwnerUid, ownerKey, describeActions } from './owners';
export { buildLeaderPod, buildWorkerPod, subdomainFor } from './pods';
export type { PodContext, WorkerContext } from './pods';
export {
  buildAnchor,
  buildNamespace,
  buildPvc,
  buildService,
  fleetLabels,
  readAnchorState,
  anchorData,
} from './objects';
export type { AnchorState } from './objects';
export {
  anchorName,
  leaderPodName,
  workerPodName,
  pvcName,
  groupKey,
  subGroupKey,
  workerSubGroupIndex,
  parentNameAndOrdinal,
} from './names';
export {
  isPodReady,
  isRunningAndReady,
  isTerminating,
  restartedContainer,
  groupPods,
} from './observed-pods';
export type { ObservedGroup } from './observed-pods';
export { decideRestart, describeCause, podTrigger } from './restart';
export {
  rollingUpdateParameters,
  settleRollingUpdate,
  calculateRollingUpdateReplicas,
  rollingUpdatePartition,
  groupsToReplace,
  statefulSetMaxUnavailable,
  resolvedMaxSurge,
  resolvedMaxUnavailable,
} from './rollout';
export type {
  GroupState,
  PreviousRollout,
  RolloutInput,
  RolloutParameters,
  ReplaceCandidate,
} from './rollout';
export { computeStatus, setCondition, hpaPodSelector } from './status';
export { isUrgentChange } from './triggers';
export type { ObservedChange } from './triggers';
