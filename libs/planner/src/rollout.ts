// Upstream's rolling update at group granularity (lws-reference §4.4): `rollingUpdateParameters`
// decides the partition and the number of groups (surge included) from the state the previous
// reconcile left (upstream keeps it in the leader StatefulSet; lws-fleet in the anchor), and
// `groupsToReplace` plays the StatefulSet controller's part (Parallel, partitioned RollingUpdate with
// maxUnavailable): which outdated groups at or above the partition to recreate now, highest first.
import type { IntOrString } from '../../lws/src';
import { scaledValueFromIntOrPercent } from '../../lws/src';

export interface GroupState {
  /** The group is Running and Ready (leader and every worker). */
  ready: boolean;
  /** Every pod of the group is on the current revision. */
  updated: boolean;
}

/** What upstream reads back from the leader StatefulSet. */
export interface PreviousRollout {
  /** `sts.spec.updateStrategy.rollingUpdate.partition`. */
  partition: number;
  /** `sts.spec.replicas`: groups, surge included. */
  groups: number;
  /** The `leaderworkerset.sigs.k8s.io/replicas` annotation: spec.replicas last time. */
  replicas: number;
}

export interface RolloutInput {
  /** spec.replicas. */
  replicas: number;
  maxUnavailable: IntOrString;
  maxSurge: IntOrString;
  /** spec.rolloutStrategy.rollingUpdateConfiguration.partition. */
  partition: number;
  /** Undefined on first creation (no leader StatefulSet yet). */
  previous?: PreviousRollout;
  /** A new revision was created by this reconcile (the template hash changed). */
  lwsUpdated: boolean;
  /** State of groups 0 … previous.groups-1 (a missing group is neither ready nor updated). */
  states: GroupState[];
}

export interface RolloutParameters {
  partition: number;
  /** Groups wanted, surge included. */
  groups: number;
}

function resolve(value: IntOrString, total: number, roundUp: boolean): number {
  const scaled = scaledValueFromIntOrPercent(value, total, roundUp);
  return scaled.ok ? scaled.value : roundUp ? 0 : 1;
}

export function resolvedMaxSurge(input: Pick<RolloutInput, 'maxSurge' | 'replicas'>): number {
  return Math.min(resolve(input.maxSurge, input.replicas, true), input.replicas);
}

export function resolvedMaxUnavailable(
  input: Pick<RolloutInput, 'maxUnavailable' | 'replicas'>,
): number {
  return resolve(input.maxUnavailable, input.replicas, false);
}

/** The leader StatefulSet's `rollingUpdate.maxUnavailable` (§3.1). */
export function statefulSetMaxUnavailable(
  input: Pick<RolloutInput, 'maxUnavailable' | 'maxSurge' | 'replicas'>,
): number {
  return Math.max(1, resolvedMaxUnavailable(input) + resolvedMaxSurge(input));
}

export function rollingUpdateParameters(input: RolloutInput): RolloutParameters {
  const result = parameters(input);
  return { ...result, partition: Math.max(result.partition, input.partition) };
}

function parameters(input: RolloutInput): RolloutParameters {
  const R = input.replicas;
  const previous = input.previous;
  if (!previous) return { partition: 0, groups: R };
  const stsReplicas = previous.groups;
  const maxSurge = resolvedMaxSurge(input);
  const maxUnavailable = resolvedMaxUnavailable(input);
  const burst = R + maxSurge;
  const want = (unready: number) =>
    calculateRollingUpdateReplicas(R, maxSurge, maxUnavailable, unready);

  if (input.lwsUpdated) {
    const partition = Math.min(R, stsReplicas);
    if (stsReplicas < R) return { partition, groups: R };
    return { partition, groups: want(R) };
  }
  const partition = previous.partition;
  if (partition === 0 && stsReplicas === R) return { partition: 0, groups: R };
  if (stsReplicas < R) return { partition, groups: R };

  const states = input.states.slice(0, stsReplicas);
  let unready = 0;
  for (let idx = 0; idx < R; idx++) {
    const s = states[idx];
    if (!s || !s.ready || !s.updated) unready++;
  }
  if (previous.replicas !== R) {
    return { partition: Math.min(partition, burst), groups: want(unready) };
  }
  const rollingStep = maxUnavailable + maxSurge - (burst - stsReplicas);
  return {
    partition: rollingUpdatePartition(states, stsReplicas, rollingStep, partition),
    groups: want(unready),
  };
}

export function calculateRollingUpdateReplicas(
  replicas: number,
  maxSurge: number,
  maxUnavailable: number,
  unready: number,
): number {
  if (unready <= maxSurge) return replicas + Math.max(0, unready - maxUnavailable);
  return replicas + maxSurge;
}

export function rollingUpdatePartition(
  states: GroupState[],
  stsReplicas: number,
  rollingStep: number,
  currentPartition: number,
): number {
  const at = (idx: number): GroupState => states[idx] ?? { ready: false, updated: false };
  let continuousReady = 0;
  for (let idx = stsReplicas - 1; idx >= 0; idx--) {
    if (at(idx).ready && at(idx).updated) continuousReady++;
    else break;
  }
  const p0 = Math.max(0, stsReplicas - continuousReady - rollingStep);
  let p = p0;
  for (let idx = 0; idx < p0; idx++) if (!at(idx).ready) p++;
  for (let idx = Math.min(p, stsReplicas - 1); idx >= p0; idx--) {
    if (!at(idx).ready || at(idx).updated) p = idx;
    else break;
  }
  return Math.min(p, currentPartition);
}

/** A group as the StatefulSet controller sees its pod. */
export interface ReplaceCandidate {
  index: number;
  /** Exists, not terminating, Running and Ready (the whole group). */
  healthy: boolean;
  /** Exists (maybe terminating). Missing groups are recreated, not replaced. */
  exists: boolean;
  terminating: boolean;
  /** On the update revision. */
  updated: boolean;
}

/**
 * The StatefulSet controller's RollingUpdate step at or above the partition, highest index first.
 * Outdated groups that are not healthy anyway are replaced at once (as the StatefulSet controller
 * does without the MaxUnavailableStatefulSet gate: it never waits on an outdated pod, so a rollout
 * started while groups are unready still progresses); healthy outdated groups are replaced only
 * while fewer than `maxUnavailable` groups are unavailable (missing, terminating or not ready).
 */
export function groupsToReplace(
  candidates: ReplaceCandidate[],
  partition: number,
  maxUnavailable: number,
): number[] {
  const sorted = [...candidates].sort((a, b) => b.index - a.index);
  let budget = maxUnavailable - sorted.filter((c) => !c.healthy).length;
  const replace: number[] = [];
  for (const c of sorted) {
    if (c.index < partition) break;
    if (!c.exists || c.updated || c.terminating) continue;
    if (!c.healthy) {
      replace.push(c.index);
    } else if (budget > 0) {
      replace.push(c.index);
      budget--;
    }
  }
  return replace;
}

/**
 * Upstream reaches a new partition over several reconciles even when no pod changed (the leader
 * StatefulSet's update triggers the next one). lws-fleet runs those reconciles back to back inside
 * one plan: this repeats `rollingUpdateParameters` on the same group states until nothing moves,
 * and returns every step (the last one is what the plan uses). `stateAt` is asked again on every
 * pass: the plan hands in a memoized one.
 */
export function settleRollingUpdate(
  input: Omit<RolloutInput, 'states'>,
  stateAt: (index: number) => GroupState,
): RolloutParameters[] {
  const steps: RolloutParameters[] = [];
  let previous = input.previous;
  let lwsUpdated = input.lwsUpdated;
  for (let k = 0; k < 16; k++) {
    const states = Array.from({ length: previous?.groups ?? 0 }, (_, i) => stateAt(i));
    const next = rollingUpdateParameters({ ...input, previous, lwsUpdated, states });
    const settled =
      previous !== undefined &&
      !lwsUpdated &&
      previous.replicas === input.replicas &&
      next.partition === previous.partition &&
      next.groups === previous.groups;
    if (settled) break;
    steps.push(next);
    previous = { partition: next.partition, groups: next.groups, replicas: input.replicas };
    lwsUpdated = false;
  }
  if (steps.length === 0 && previous)
    steps.push({ partition: previous.partition, groups: previous.groups });
  return steps;
}
