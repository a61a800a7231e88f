// TPU environment variables, as upstream's pod webhook injects them into pods that request
// `google.com/tpu` (lws-reference §4.10, pkg/utils/accelerators/tpu.go and its tests). Appended
// to the TPU containers' env before the LWS variables are put first.
import type { V1Container, V1EnvVar, V1PodSpec } from '@kubernetes/client-node';
import {
  ANNOTATION_LEADER_REQUESTS_TPUS,
  ANNOTATION_SUBGROUP_SIZE,
  ENV_TPU_NAME,
  ENV_TPU_PROCESS_ADDRESSES,
  ENV_TPU_PROCESS_PORT,
  ENV_TPU_WORKER_HOSTNAMES,
  ENV_TPU_WORKER_ID,
  LABEL_SUBGROUP_INDEX,
  TPU_DEFAULT_PROCESS_PORT,
  TPU_RESOURCE_NAME,
} from '../../lws/src/constants';

function quantityNonZero(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  const n = Number.parseFloat(String(value));
  return Number.isFinite(n) && n !== 0;
}

/** `numTPUsRequested != 0`: limits first, else requests. */
function requestsTpus(container: V1Container): boolean {
  const limit = container.resources?.limits?.[TPU_RESOURCE_NAME];
  if (quantityNonZero(limit)) return true;
  return quantityNonZero(container.resources?.requests?.[TPU_RESOURCE_NAME]);
}

/** Containers, then init containers, that request TPUs. */
export function tpuContainers(spec: V1PodSpec | undefined): V1Container[] {
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].filter(requestsTpus);
}

export function podRequestsTpus(spec: V1PodSpec | undefined): boolean {
  return tpuContainers(spec).length > 0;
}

export interface TpuPodInfo {
  podName: string;
  /** The group's leader pod name. */
  leaderName: string;
  workerIndex: number;
  subdomain: string;
  size: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function envValue(container: V1Container, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

function append(container: V1Container, vars: V1EnvVar[]): void {
  container.env = [...(container.env ?? []), ...vars];
}

/** Adds the TPU variables to `spec` in place; no-op when nothing requests TPUs. */
export function addTpuVariables(spec: V1PodSpec, pod: TpuPodInfo): void {
  const containers = tpuContainers(spec);
  if (containers.length === 0) return;
  const first = containers[0];
  if (envValue(first, ENV_TPU_WORKER_HOSTNAMES) !== undefined) return;
  if (envValue(first, ENV_TPU_WORKER_ID) !== undefined) return;
  const leaderTpus = pod.annotations[ANNOTATION_LEADER_REQUESTS_TPUS] === 'true';
  const isLeader = pod.workerIndex === 0;
  const host = (name: string) => `${name}.${pod.subdomain}`;

  if (pod.annotations[ANNOTATION_SUBGROUP_SIZE] !== undefined) {
    // Subgroups: only the first TPU container.
    const sgs = Number.parseInt(pod.annotations[ANNOTATION_SUBGROUP_SIZE], 10);
    const labelIndex = pod.labels[LABEL_SUBGROUP_INDEX];
    // A LeaderExcluded leader has no subgroup: upstream's webhook refuses it; lws-fleet skips.
    if (!(sgs > 0) || labelIndex === undefined) return;
    let subGroupIndex = Number.parseInt(labelIndex, 10);
    const w = pod.workerIndex;
    let id = w % sgs;
    if (!isLeader && !leaderTpus) {
      id = (w - 1) % sgs;
      subGroupIndex = Math.floor((w - 1) / sgs);
    }
    const port = envValue(first, ENV_TPU_PROCESS_PORT) ?? String(TPU_DEFAULT_PROCESS_PORT);
    let start = sgs * subGroupIndex + 1;
    let end = sgs * (subGroupIndex + 1);
    const hostnames: string[] = [];
    if (isLeader) {
      hostnames.push(host(pod.leaderName));
      end -= 1;
    } else if (leaderTpus && subGroupIndex === 0) {
      hostnames.push(host(pod.leaderName));
      end -= 1;
    } else if (leaderTpus) {
      start -= 1;
      end -= 1;
    }
    for (let k = start; k <= end; k++) hostnames.push(host(`${pod.leaderName}-${k}`));
    const vars: V1EnvVar[] = [
      { name: ENV_TPU_WORKER_HOSTNAMES, value: hostnames.join(',') },
      { name: ENV_TPU_WORKER_ID, value: String(id) },
      { name: ENV_TPU_NAME, value: pod.leaderName },
      { name: ENV_TPU_PROCESS_ADDRESSES, value: hostnames.map((h) => `${h}:${port}`).join(',') },
    ];
    if (envValue(first, ENV_TPU_PROCESS_PORT) === undefined) {
      vars.push({ name: ENV_TPU_PROCESS_PORT, value: port });
    }
    append(first, vars);
    return;
  }

  let wIdx = isLeader ? 0 : pod.workerIndex;
  if (!isLeader && !leaderTpus) wIdx -= 1;
  const ports = containers.map(
    (c, i) => envValue(c, ENV_TPU_PROCESS_PORT) ?? String(TPU_DEFAULT_PROCESS_PORT + i),
  );
  const hostnames: string[] = [];
  const addresses: string[] = [];
  const addHost = (name: string) => {
    ports.forEach((port) => {
      hostnames.push(host(name));
      addresses.push(`${host(name)}:${port}`);
    });
  };
  if (leaderTpus || isLeader) addHost(pod.leaderName);
  for (let k = 1; k <= pod.size - 1; k++) addHost(`${pod.leaderName}-${k}`);
  containers.forEach((container, i) => {
    const vars: V1EnvVar[] = [
      { name: ENV_TPU_WORKER_HOSTNAMES, value: hostnames.join(',') },
      { name: ENV_TPU_WORKER_ID, value: String(wIdx * containers.length + i) },
      { name: ENV_TPU_NAME, value: pod.leaderName },
      { name: ENV_TPU_PROCESS_ADDRESSES, value: addresses.join(',') },
    ];
    if (envValue(container, ENV_TPU_PROCESS_PORT) === undefined) {
      vars.push({ name: ENV_TPU_PROCESS_PORT, value: ports[i] });
    }
    append(container, vars);
  });
}
