import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { SimCluster } from '../../libs/kube-sim/src';
import { APPLY, codes } from './api-harness';
import { eventually, type FleetHarness } from './fleet-harness';
import { examplesDir } from './paths';

/** What the end-to-end tests read of an LWS through GraphQL. */
export const LWS = `query($namespace: String!, $name: String!, $last: Int) {
  leaderWorkerSet(namespace: $namespace, name: $name) {
    uid name namespace cluster generation templateHash deletionRequestedAt deletedAt
    status { replicas readyReplicas updatedReplicas conditions { type status reason message } }
    events(last: $last) { edges { node { type actor position data } } }
  }
}`;

export const SCALE = `mutation($namespace: String!, $name: String!, $replicas: Int!) {
  scaleLeaderWorkerSet(namespace: $namespace, name: $name, replicas: $replicas) { uid generation }
}`;

export const DELETE = `mutation($namespace: String!, $name: String!) { deleteLeaderWorkerSet(namespace: $namespace, name: $name) }`;

export const HISTORY = `query($namespace: String!, $name: String!) {
  leaderWorkerSetHistory(namespace: $namespace, name: $name) {
    uid deletionRequestedAt deletedAt events(last: 5) { edges { node { type data } } }
  }
}`;

export interface Applied {
  uid: string;
  name: string;
  namespace: string;
  generation: number;
  templateHash: string;
}

export interface LwsEvent {
  type: string;
  actor: string;
  position: number;
  data: Record<string, any>;
}

export function example(file: string): string {
  return readFileSync(join(examplesDir(), file), 'utf8');
}

/** Applies a manifest through GraphQL and fails the test on any error. */
export async function apply(
  fleet: FleetHarness,
  manifest: string,
  cluster: string,
): Promise<Applied> {
  const res = await fleet.api.gql(APPLY, { input: { manifest, cluster } });
  assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
  return res.data!.applyLeaderWorkerSet as Applied;
}

export async function scale(
  fleet: FleetHarness,
  name: string,
  replicas: number,
  namespace = 'default',
): Promise<void> {
  const res = await fleet.api.gql(SCALE, { namespace, name, replicas });
  assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
}

export async function remove(fleet: FleetHarness, name: string, namespace = 'default') {
  const res = await fleet.api.gql(DELETE, { namespace, name });
  assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
}

/** The live LWS as GraphQL shows it (null once deleted). */
export async function readLws(
  fleet: FleetHarness,
  name: string,
  namespace = 'default',
  last = 100,
): Promise<any> {
  const res = await fleet.api.gql(LWS, { namespace, name, last });
  assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
  return res.data!.leaderWorkerSet;
}

/** The newest events of an LWS, oldest first. */
export async function lwsEvents(
  fleet: FleetHarness,
  name: string,
  namespace = 'default',
  last = 100,
): Promise<LwsEvent[]> {
  const lws = await readLws(fleet, name, namespace, last);
  return (lws?.events.edges ?? []).map((e: { node: LwsEvent }) => e.node);
}

/** The stream version of an LWS (position of its newest event). */
export async function streamVersion(
  fleet: FleetHarness,
  name: string,
  namespace = 'default',
): Promise<number> {
  const events = await lwsEvents(fleet, name, namespace, 1);
  return events[events.length - 1]?.position ?? 0;
}

const condition = (lws: any, type: string) =>
  lws?.status?.conditions?.find((c: any) => c.type === type);

/** Waits until the LWS reports Available=True with `replicas` ready groups. */
export async function waitAvailable(
  fleet: FleetHarness,
  name: string,
  replicas: number,
  namespace = 'default',
  timeoutMs = 30_000,
): Promise<any> {
  return eventually(
    async () => {
      const lws = await readLws(fleet, name, namespace, 1);
      return condition(lws, 'Available')?.status === 'True' &&
        lws.status.readyReplicas === replicas &&
        lws.status.replicas === replicas
        ? lws
        : undefined;
    },
    `${namespace}/${name} Available with ${replicas} ready groups`,
    timeoutMs,
  );
}

/** The pods of an LWS in a simulated cluster, sorted by name. */
export function podsOf(cluster: SimCluster, name: string, namespace = 'default'): V1Pod[] {
  const pods = cluster.store.list('pods', {
    namespace,
    labelSelector: `leaderworkerset.sigs.k8s.io/name=${name}`,
  }).items as unknown as V1Pod[];
  return [...pods].sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
}

export const podNames = (pods: V1Pod[]): string[] => pods.map((p) => p.metadata!.name!).sort();

/** Every pod name of an LWS of `replicas` groups of `size` pods, sorted. */
export function expectedPodNames(name: string, replicas: number, size: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < replicas; i++) {
    names.push(`${name}-${i}`);
    for (let j = 1; j < size; j++) names.push(`${name}-${i}-${j}`);
  }
  return names.sort();
}

export const isReady = (pod: V1Pod): boolean =>
  pod.status?.phase === 'Running' &&
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Waits until exactly the expected pods exist, none terminating, all Running and Ready. */
export async function waitPods(
  cluster: SimCluster,
  name: string,
  expected: string[],
  namespace = 'default',
  timeoutMs = 30_000,
): Promise<V1Pod[]> {
  let last: V1Pod[] = [];
  return eventually(
    () => {
      const pods = podsOf(cluster, name, namespace);
      last = pods;
      const names = podNames(pods);
      return pods.length === expected.length &&
        names.every((n, i) => n === expected[i]) &&
        pods.every((p) => !p.metadata?.deletionTimestamp && isReady(p))
        ? pods
        : undefined;
    },
    `pods ${expected.join(',')} Running and Ready on ${cluster.name}`,
    timeoutMs,
  ).catch((error: Error) => {
    // What was there at the end: each pod's phase, readiness and deletion, and the PVCs.
    const seen = last.map(
      (p) =>
        `${p.metadata?.name} ${p.status?.phase ?? '?'}${isReady(p) ? ' Ready' : ''}${p.metadata?.deletionTimestamp ? ' terminating' : ''}`,
    );
    const claims = cluster.store
      .list('persistentvolumeclaims', { namespace })
      .items.map((c: any) => `${c.metadata?.name} ${c.status?.phase ?? '?'}`);
    throw new Error(
      `${error.message}; last seen: ${seen.join(', ') || 'none'}; PVCs: ${claims.join(', ') || 'none'}`,
    );
  });
}

/** Everything lws-fleet manages for an LWS in a cluster (pods, Services, PVCs, ConfigMaps). */
export function managedObjects(cluster: SimCluster, uid: string, namespace = 'default'): string[] {
  const out: string[] = [];
  for (const resource of ['pods', 'services', 'persistentvolumeclaims', 'configmaps']) {
    for (const o of cluster.store.list(resource, {
      namespace,
      labelSelector: `fleet.lws.dev/lws-uid=${uid}`,
    }).items)
      out.push(`${resource}/${o.metadata?.name}`);
  }
  return out.sort();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
