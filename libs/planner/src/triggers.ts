// Which observed changes can change a plan at once, so a watcher knows which events need a
// reconcile now and which can wait to be batched with others.
import type { KubernetesObject, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_EXCLUSIVE_TOPOLOGY, ANNOTATION_SIZE, LABEL_WORKER_INDEX } from '../../lws/src';
import { isPodReady, isTerminating } from './observed-pods';

export type ObservedChange = 'add' | 'update' | 'delete';

/**
 * Whether a watch event can unblock or change the next plan, status or readiness events:
 *
 * - an object gone, or newly terminating (a group to recreate, a name free to create again);
 * - a pod going unready; a pod becoming Ready when that completes its group, or is a leader whose
 *   workers wait for it (`groupPods`, the pods of its group as observed, tells; without it every
 *   Ready counts): status, the rolling update's next step, startupPolicy LeaderReady;
 * - a pod's end (Failed or Succeeded), or a container's restart count or termination (restart
 *   policy);
 * - the node of a leader with exclusive topology (its workers wait for it);
 * - labels or annotations changed (ownership, revision, group index);
 * - a PVC's phase.
 *
 * An object appearing (usually the echo of our own create) or a pod going through scheduling
 * details that change none of the above is not urgent: the reconcile that created it waits for it
 * already, and a batched reconcile catches anything this list misses.
 */
export function isUrgentChange(
  kind: string,
  type: ObservedChange,
  object: KubernetesObject,
  previous?: KubernetesObject,
  groupPods?: () => V1Pod[],
): boolean {
  if (type === 'delete') return true;
  if (type === 'add') return false;
  if (!previous) return true; // nothing to compare with (a relist): assume it matters
  if (isTerminating(object) !== isTerminating(previous)) return true;
  if (!sameStrings(object.metadata?.labels, previous.metadata?.labels)) return true;
  if (!sameStrings(object.metadata?.annotations, previous.metadata?.annotations)) return true;
  if (kind === 'Pod') return podChanged(object as V1Pod, previous as V1Pod, groupPods);
  if (kind === 'PersistentVolumeClaim')
    return (
      (object as V1PersistentVolumeClaim).status?.phase !==
      (previous as V1PersistentVolumeClaim).status?.phase
    );
  return false;
}

function podChanged(pod: V1Pod, before: V1Pod, groupPods?: () => V1Pod[]): boolean {
  const ready = isPodReady(pod);
  if (ready !== isPodReady(before)) {
    // A pod going unready always matters (its group is no longer ready). A pod becoming Ready
    // matters when it completes its group (status, the rollout's next step) or is a leader
    // without workers yet (startupPolicy LeaderReady); with the group's pods at hand, the Ready
    // of any other pod of a group still starting changes nothing.
    if (!ready || !groupPods) return true;
    const live = groupPods().filter((p) => !isTerminating(p));
    const leader = live.find(isLeader);
    if (isLeader(pod) && live.every(isLeader)) return true;
    const size = Number(leader?.metadata?.annotations?.[ANNOTATION_SIZE] ?? NaN);
    if (!leader || !(size > 0)) return true; // cannot tell: assume it matters
    if (live.length >= size && live.every(isPodReady)) return true;
  }
  if (finished(pod) !== finished(before)) return true;
  // Only a leader with exclusive topology has workers waiting for its node.
  if (
    pod.spec?.nodeName !== before.spec?.nodeName &&
    pod.metadata?.annotations?.[ANNOTATION_EXCLUSIVE_TOPOLOGY]
  )
    return true;
  return containerSignature(pod) !== containerSignature(before);
}

const isLeader = (pod: V1Pod) => (pod.metadata?.labels?.[LABEL_WORKER_INDEX] ?? '0') === '0';

const finished = (pod: V1Pod) =>
  pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';

/** Restart counts and terminations of every (init) container, in order. */
function containerSignature(pod: V1Pod): string {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  return statuses
    .map((s) => `${s.name}:${s.restartCount ?? 0}:${s.state?.terminated ? 'T' : ''}`)
    .join(',');
}

function sameStrings(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}
