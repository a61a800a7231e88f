// Which observed changes can change a plan at once, so a watcher knows which events need a
// reconcile now and which can wait to be batched with others.
import type { KubernetesObject, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_EXCLUSIVE_TOPOLOGY } from '../../lws/src';
import { isPodReady, isTerminating } from './observed-pods';

export type ObservedChange = 'add' | 'update' | 'delete';

/**
 * Whether a watch event can unblock or change the next plan, status or readiness events:
 *
 * - an object gone, or newly terminating (a group to recreate, a name free to create again);
 * - a pod's readiness, its end (Failed or Succeeded), or a container's restart count or
 *   termination (status, the rolling update's next step, startupPolicy LeaderReady, restart policy);
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
): boolean {
  if (type === 'delete') return true;
  if (type === 'add') return false;
  if (!previous) return true; // nothing to compare with (a relist): assume it matters
  if (isTerminating(object) !== isTerminating(previous)) return true;
  if (!sameStrings(object.metadata?.labels, previous.metadata?.labels)) return true;
  if (!sameStrings(object.metadata?.annotations, previous.metadata?.annotations)) return true;
  if (kind === 'Pod') return podChanged(object as V1Pod, previous as V1Pod);
  if (kind === 'PersistentVolumeClaim')
    return (
      (object as V1PersistentVolumeClaim).status?.phase !==
      (previous as V1PersistentVolumeClaim).status?.phase
    );
  return false;
}

function podChanged(pod: V1Pod, before: V1Pod): boolean {
  if (isPodReady(pod) !== isPodReady(before)) return true;
  if (finished(pod) !== finished(before)) return true;
  // Only a leader with exclusive topology has workers waiting for its node.
  if (
    pod.spec?.nodeName !== before.spec?.nodeName &&
    pod.metadata?.annotations?.[ANNOTATION_EXCLUSIVE_TOPOLOGY]
  )
    return true;
  return containerSignature(pod) !== containerSignature(before);
}

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
