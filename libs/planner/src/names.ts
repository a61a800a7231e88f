// Names and keys exactly as upstream derives them (lws-reference §2.1, §3.5, §4.3, §1.6).
import { createHash } from 'node:crypto';
import { ANCHOR_NAME_SUFFIX } from './constants';

export function leaderPodName(lwsName: string, group: number): string {
  return `${lwsName}-${group}`;
}

export function workerPodName(lwsName: string, group: number, worker: number): string {
  return `${lwsName}-${group}-${worker}`;
}

export function anchorName(lwsName: string): string {
  return `${lwsName}${ANCHOR_NAME_SUFFIX}`;
}

/** StatefulSet PVC naming: `<claim>-<pod>`. */
export function pvcName(claim: string, podName: string): string {
  return `${claim}-${podName}`;
}

/** `GetParentNameAndOrdinal`: `^(.*)-([0-9]+)$`, ordinal -1 when the name does not match. */
export function parentNameAndOrdinal(name: string): { parent: string; ordinal: number } {
  const match = /^(.*)-([0-9]+)$/.exec(name);
  if (!match) return { parent: '', ordinal: -1 };
  const ordinal = Number.parseInt(match[2], 10);
  if (!Number.isSafeInteger(ordinal) || ordinal > 2_147_483_647) return { parent: '', ordinal: -1 };
  return { parent: match[1], ordinal };
}

function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** `group-key` label: sha1 of `<namespace>/<leader pod name>`. */
export function groupKey(namespace: string, leaderName: string): string {
  return sha1Hex(`${namespace}/${leaderName}`);
}

/** `subgroup-key` label: sha1 of `<leader pod name>/<subgroup index>`. */
export function subGroupKey(leaderName: string, subGroupIndex: number): string {
  return sha1Hex(`${leaderName}/${subGroupIndex}`);
}

/** The pod webhook's `getSubGroupIndex` for a worker (§1.6). */
export function workerSubGroupIndex(size: number, subGroupSize: number, worker: number): number {
  if ((size - 1) % subGroupSize === 0 && size % subGroupSize !== 0) {
    return Math.floor((worker - 1) / subGroupSize);
  }
  return Math.floor(worker / subGroupSize);
}

/** `<lws>-<i>.<subdomain>.<namespace>` (no cluster suffix, as upstream). */
export function leaderAddress(
  lwsName: string,
  group: number,
  subdomain: string,
  namespace: string,
): string {
  return `${lwsName}-${group}.${subdomain}.${namespace}`;
}
