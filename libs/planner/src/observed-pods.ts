// Reading observed pods: upstream's readiness primitives (lws-reference §4.3) and the grouping of
// an LWS's pods into groups by their labels.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
// The constants module itself, not the package index: CommonJS re-exports are getters, and these
// are read for every pod on every plan.
import {
  LABEL_GROUP_INDEX,
  LABEL_TEMPLATE_REVISION_HASH,
  LABEL_WORKER_INDEX,
} from '../../lws/src/constants';
import { POD_FAILED, POD_PENDING, POD_RUNNING } from './constants';
import { leaderPodName, workerPodName } from './names';

/** `IsPodReady`: condition Ready is True. */
export function isPodReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** `PodRunningAndReady`. */
export function isRunningAndReady(pod: V1Pod): boolean {
  return pod.status?.phase === POD_RUNNING && isPodReady(pod);
}

/** `PodDeleted`. */
export function isTerminating(pod: { metadata?: { deletionTimestamp?: unknown } }): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

export function isPending(pod: V1Pod): boolean {
  return (pod.status?.phase ?? POD_PENDING) === POD_PENDING;
}

export function isFailed(pod: V1Pod): boolean {
  return pod.status?.phase === POD_FAILED;
}

/** `ContainerRestarted`: Running or Pending with any (init) container restarted. */
export function restartedContainer(pod: V1Pod): V1ContainerStatus | undefined {
  const phase = pod.status?.phase;
  if (phase !== POD_RUNNING && phase !== POD_PENDING) return undefined;
  return (
    pod.status?.initContainerStatuses?.find((s) => s.restartCount > 0) ??
    pod.status?.containerStatuses?.find((s) => s.restartCount > 0)
  );
}

export function revisionOf(pod: V1Pod): string {
  return pod.metadata?.labels?.[LABEL_TEMPLATE_REVISION_HASH] ?? '';
}

export function controllerUid(obj: {
  metadata?: { ownerReferences?: { uid: string; controller?: boolean }[] };
}): string | undefined {
  for (const ref of obj.metadata?.ownerReferences ?? []) if (ref.controller) return ref.uid;
  return undefined;
}

/** One group as observed. */
export interface ObservedGroup {
  index: number;
  leader?: V1Pod;
  /** Workers of the current leader (controller owner = the leader's uid), by worker index. */
  workers: Map<number, V1Pod>;
  /** Workers whose leader is gone or was replaced: the garbage collector's (or our) business. */
  orphans: V1Pod[];
}

/** Pods whose names or labels do not fit the LWS's naming (never created by lws-fleet). */
export interface Grouping {
  groups: Map<number, ObservedGroup>;
  strays: V1Pod[];
}

/** A label value of decimal digits only (`^[0-9]+$`) as a number. */
function intLabel(value: string | undefined): number | undefined {
  if (value === undefined || value.length === 0) return undefined;
  let n = 0;
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  // Exact up to 15 digits; longer values round as parseInt rounds them.
  return value.length <= 15 ? n : Number.parseInt(value, 10);
}

export function groupPods(lwsName: string, pods: V1Pod[]): Grouping {
  const groups = new Map<number, ObservedGroup>();
  const strays: V1Pod[] = [];
  const get = (index: number) => {
    let group = groups.get(index);
    if (!group) {
      group = { index, workers: new Map(), orphans: [] };
      groups.set(index, group);
    }
    return group;
  };
  const workers: { pod: V1Pod; group: number; worker: number }[] = [];
  for (const pod of pods) {
    const labels = pod.metadata?.labels;
    const group = intLabel(labels?.[LABEL_GROUP_INDEX]);
    const worker = intLabel(labels?.[LABEL_WORKER_INDEX]);
    const name = pod.metadata?.name;
    if (group === undefined || worker === undefined) {
      strays.push(pod);
    } else if (worker === 0 && name === leaderPodName(lwsName, group)) {
      get(group).leader = pod;
    } else if (worker > 0 && name === workerPodName(lwsName, group, worker)) {
      workers.push({ pod, group, worker });
    } else {
      strays.push(pod);
    }
  }
  for (const { pod, group, worker } of workers) {
    const g = get(group);
    const leaderUid = g.leader?.metadata?.uid;
    if (leaderUid !== undefined && controllerUid(pod) === leaderUid) g.workers.set(worker, pod);
    else g.orphans.push(pod);
  }
  return { groups, strays };
}
