// Restart policy (lws-reference §4.8, `handleRestartPolicy`), decided for a whole group at once.
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_RECREATE_GROUP_AFTER_START, RestartPolicy } from '../../lws/src/constants';
import {
  isFailed,
  isPending,
  isPodReady,
  isTerminating,
  restartedContainer,
  revisionOf,
  type ObservedGroup,
} from './observed-pods';
import { workerPodName } from './names';
import type { RecreateCause } from './types';

export type RestartDecision =
  | { kind: 'none' }
  /** Delete the leader in the foreground: the whole group comes back fresh. */
  | { kind: 'recreateGroup'; cause: RecreateCause }
  /** Policy None, or the group has not fully started under RecreateGroupAfterStart. */
  | { kind: 'replacePods'; failed: V1Pod[] };

export interface RestartInput {
  lwsName: string;
  policy: string;
  annotations?: Record<string, string>;
  /** Size of the leader's revision. */
  size: number;
  group: ObservedGroup;
  /** Pods whose create failed (`Observed.notCreated`): missing, but not lost. */
  notCreated?: ReadonlySet<string>;
}

/** Why `pod` counts as restarted or lost, if it does. */
export function podTrigger(pod: V1Pod, role: 'leader' | 'worker'): RecreateCause | undefined {
  const name = pod.metadata?.name ?? '';
  const restarted = restartedContainer(pod);
  if (restarted) {
    const terminated = restarted.lastState?.terminated;
    return {
      pod: name,
      role,
      event: 'containerRestarted',
      container: restarted.name,
      restartCount: restarted.restartCount,
      ...(terminated ? { exitCode: terminated.exitCode } : {}),
      ...(terminated?.reason ? { reason: terminated.reason } : {}),
    };
  }
  if (isTerminating(pod)) return { pod: name, role, event: 'deleted' };
  if (isFailed(pod)) {
    const terminated = (pod.status?.containerStatuses ?? []).find((s) => s.state?.terminated)?.state
      ?.terminated;
    return {
      pod: name,
      role,
      event: 'failed',
      ...(terminated ? { exitCode: terminated.exitCode } : {}),
      ...(pod.status?.reason || terminated?.reason
        ? { reason: pod.status?.reason || terminated?.reason }
        : {}),
    };
  }
  return undefined;
}

/** `group 2 recreated: worker sample-2-1 container main restarted (exit 137 OOMKilled)`. */
export function describeCause(group: number, cause: RecreateCause): string {
  const what =
    cause.event === 'containerRestarted'
      ? `container ${cause.container} restarted`
      : cause.event === 'deleted'
        ? 'deleted'
        : cause.event === 'failed'
          ? 'failed'
          : 'lost';
  const detail = [
    cause.exitCode !== undefined ? `exit ${cause.exitCode}` : undefined,
    cause.reason,
  ].filter((x) => x !== undefined);
  const suffix = detail.length > 0 ? ` (${detail.join(' ')})` : '';
  return `group ${group} recreated: ${cause.role} ${cause.pod} ${what}${suffix}`;
}

export function decideRestart(input: RestartInput): RestartDecision {
  const { group, size } = input;
  const leader = group.leader;
  if (!leader || isTerminating(leader)) return { kind: 'none' };
  const workers = group.workers;
  const failed: V1Pod[] = [];
  if (isFailed(leader) && !isTerminating(leader)) failed.push(leader);
  for (const w of workers.values()) if (isFailed(w) && !isTerminating(w)) failed.push(w);
  const groupPolicy =
    input.policy === RestartPolicy.RecreateGroupOnPodRestart ||
    input.policy === RestartPolicy.RecreateGroupAfterStart;
  if (!groupPolicy) return failed.length > 0 ? { kind: 'replacePods', failed } : { kind: 'none' };

  const leaderRev = revisionOf(leader);
  let cause = podTrigger(leader, 'leader');
  for (const worker of workers.values()) {
    if (cause) break;
    // A worker of an old revision being replaced never restarts a new leader.
    if (revisionOf(worker) !== leaderRev) continue;
    cause = podTrigger(worker, 'worker');
  }
  // A worker that vanished after the group had started (leader Ready, siblings present) is lost.
  if (!cause && size > 1 && workers.size > 0 && isPodReady(leader)) {
    let orphanNames: Set<string | undefined> | undefined;
    for (let j = 1; j < size; j++) {
      if (workers.has(j)) continue;
      const name = workerPodName(input.lwsName, group.index, j);
      orphanNames ??= new Set(group.orphans.map((p) => p.metadata?.name));
      if (!orphanNames.has(name) && !input.notCreated?.has(name)) {
        cause = { pod: name, role: 'worker', event: 'lost' };
        break;
      }
    }
  }
  if (!cause) return failed.length > 0 ? { kind: 'replacePods', failed } : { kind: 'none' };

  const afterStart =
    input.policy === RestartPolicy.RecreateGroupAfterStart ||
    (input.annotations ?? {})[ANNOTATION_RECREATE_GROUP_AFTER_START] !== undefined;
  const all = [leader, ...workers.values(), ...group.orphans];
  const pending = all.length !== size || all.some(isPending);
  if (afterStart && pending) {
    return failed.length > 0 ? { kind: 'replacePods', failed } : { kind: 'none' };
  }
  return { kind: 'recreateGroup', cause };
}
