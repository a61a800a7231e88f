// Helpers for the rollout scenarios: read the groups from the simulator's store, change a template,
// and query the LWS with its revisions and rollouts through GraphQL.
import assert from 'node:assert/strict';
import { parse, stringify } from 'yaml';
import { APPLY, codes } from '../support/api-harness';
import { eventually, type FleetHarness } from '../support/fleet-harness';

export const REVISION_LABEL = 'leaderworkerset.sigs.k8s.io/template-revision-hash';
export const GROUP_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/group-index';
export const WORKER_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';
/** Simulator annotation: milliseconds from container start to Ready. */
export const READY_DELAY = 'kube-sim.lws-fleet.io/ready-delay-ms';
export const START_DELAY = 'kube-sim.lws-fleet.io/start-delay-ms';

export const LWS_QUERY = `query($name: String!) { leaderWorkerSet(name: $name) {
  uid generation currentRevision templateHash notices
  status { replicas readyReplicas updatedReplicas conditions { type status reason } }
  revisions { revision templateHash createdBy restoredFrom }
  rollouts { fromRevision toRevision fromTemplateHash toTemplateHash state startedAt finishedAt pausedAtPartition supersededBy
    strategy { replicas maxSurge maxUnavailable partition }
    steps { kind group at readyAt timeToReadyMs fromTemplateHash partition } }
} }`;

export const ROLLBACK = `mutation($name: String!, $revision: Int!) {
  rollbackLeaderWorkerSet(name: $name, revision: $revision) { currentRevision templateHash notices generation }
}`;

export interface GroupSnapshot {
  index: number;
  revision: string;
  /** Leader and every worker exist, are not terminating, Running and Ready. */
  ready: boolean;
  terminating: boolean;
  pods: number;
}

const podReady = (p: any) =>
  !p.metadata?.deletionTimestamp &&
  p.status?.phase === 'Running' &&
  (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

export function livePods(fleet: FleetHarness, name: string, cluster = 'east'): any[] {
  return fleet.sim.cluster(cluster).store.list('pods', {
    namespace: 'default',
    labelSelector: `leaderworkerset.sigs.k8s.io/name=${name}`,
  }).items;
}

/** The groups as the cluster holds them now, by index. */
export function groupsOf(
  fleet: FleetHarness,
  name: string,
  size: number,
  cluster = 'east',
): GroupSnapshot[] {
  const byIndex = new Map<number, any[]>();
  for (const p of livePods(fleet, name, cluster)) {
    const i = Number(p.metadata.labels[GROUP_INDEX_LABEL]);
    byIndex.set(i, [...(byIndex.get(i) ?? []), p]);
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, pods]) => {
      const leader = pods.find((p) => p.metadata.labels[WORKER_INDEX_LABEL] === '0');
      return {
        index,
        revision: leader?.metadata.labels[REVISION_LABEL] ?? '',
        ready: !!leader && pods.length === size && pods.every(podReady),
        terminating: pods.some((p) => !!p.metadata.deletionTimestamp),
        pods: pods.length,
      };
    });
}

/** `{index: revision}` of the groups, for step-by-step assertions. */
export function revisionsByGroup(groups: GroupSnapshot[]): Record<number, string> {
  return Object.fromEntries(groups.filter((g) => !g.terminating).map((g) => [g.index, g.revision]));
}

/** Sets the given pod template annotations on the leader and worker templates. */
export function withPodAnnotations(manifest: string, annotations: Record<string, string>): string {
  const doc = parse(manifest);
  const lwt = doc.spec.leaderWorkerTemplate;
  for (const key of ['leaderTemplate', 'workerTemplate']) {
    const template = lwt[key];
    if (!template) continue;
    template.metadata = template.metadata ?? {};
    template.metadata.annotations = { ...(template.metadata.annotations ?? {}), ...annotations };
  }
  return stringify(doc);
}

export function withSpec(manifest: string, change: (spec: any) => void): string {
  const doc = parse(manifest);
  change(doc.spec);
  return stringify(doc);
}

export async function apply(fleet: FleetHarness, manifest: string): Promise<any> {
  const res = await fleet.api.gql(APPLY, { input: { manifest, cluster: 'east' } });
  assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
  return res.data!.applyLeaderWorkerSet;
}

export async function lws(fleet: FleetHarness, name: string): Promise<any> {
  const res = await fleet.api.gql(LWS_QUERY, { name });
  assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
  return res.data!.leaderWorkerSet;
}

export function condition(l: any, type: string): string | undefined {
  return l?.status?.conditions?.find((c: any) => c.type === type)?.status;
}

/** Waits until the cluster holds exactly these groups on these revisions, all settled. */
export async function waitForGroups(
  fleet: FleetHarness,
  name: string,
  size: number,
  expected: Record<number, string>,
  what: string,
  timeoutMs = 20000,
): Promise<GroupSnapshot[]> {
  let last: GroupSnapshot[] = [];
  return eventually(
    () => {
      last = groupsOf(fleet, name, size);
      return JSON.stringify(revisionsByGroup(last)) === JSON.stringify(expected) &&
        last.every((g) => !g.terminating && g.pods === size)
        ? last
        : undefined;
    },
    `${what}: want ${JSON.stringify(expected)}`,
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last ${JSON.stringify(revisionsByGroup(last))}`);
  });
}

/** Marks every pod of a group Ready (or not) through the simulated kubelet. */
export function setGroupReady(
  fleet: FleetHarness,
  name: string,
  index: number,
  ready: boolean,
  cluster = 'east',
): void {
  const faults = fleet.sim.cluster(cluster).controllers!.faults;
  for (const p of livePods(fleet, name, cluster)) {
    if (Number(p.metadata.labels[GROUP_INDEX_LABEL]) !== index) continue;
    if (p.metadata.deletionTimestamp) continue;
    faults.setReady('default', p.metadata.name, ready);
  }
}

export async function waitForStatus(
  fleet: FleetHarness,
  name: string,
  check: (l: any) => boolean,
  what: string,
  timeoutMs = 20000,
): Promise<any> {
  let last: any;
  return eventually(
    async () => {
      last = await lws(fleet, name);
      return check(last) ? last : undefined;
    },
    what,
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last ${JSON.stringify(last?.status)}`);
  });
}

/**
 * Waits until the rollout to `toRevision` is Complete and the status Available. Both, because a
 * response reads `status` and `rollouts` with separate statements: it can show the rollout Complete
 * beside the status from just before the reconcile that completed it committed.
 */
export function waitForRolloutDone(
  fleet: FleetHarness,
  name: string,
  toRevision: number,
  what: string,
  timeoutMs?: number,
): Promise<any> {
  return waitForStatus(
    fleet,
    name,
    (l) =>
      l.rollouts.some((r: any) => r.toRevision === toRevision && r.state === 'Complete') &&
      condition(l, 'Available') === 'True',
    what,
    timeoutMs,
  );
}

/** Watches every pod change in a cluster and keeps the fewest ready groups seen at any moment. */
export function watchReadyGroups(
  fleet: FleetHarness,
  name: string,
  size: number,
  cluster = 'east',
) {
  let min = Infinity;
  let samples = 0;
  const unsubscribe = fleet.sim.cluster(cluster).store.subscribe((event: any) => {
    if (event.resource !== 'pods') return;
    samples++;
    min = Math.min(min, groupsOf(fleet, name, size, cluster).filter((g) => g.ready).length);
  });
  return {
    stop: () => {
      unsubscribe();
      return { min, samples };
    },
  };
}

export interface Strategy {
  maxUnavailable?: number;
  maxSurge?: number;
  partition?: number;
}

export function manifest(name: string, replicas: number, strategy: Strategy): string {
  return stringify({
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name },
    spec: {
      replicas,
      rolloutStrategy: {
        type: 'RollingUpdate',
        rollingUpdateConfiguration: {
          maxUnavailable: strategy.maxUnavailable ?? 1,
          maxSurge: strategy.maxSurge ?? 0,
          partition: strategy.partition ?? 0,
        },
      },
      leaderWorkerTemplate: {
        size: 1,
        workerTemplate: { spec: { containers: [{ name: 'server', image: 'nginx:1.27' }] } },
      },
    },
  });
}

/** The same LWS with a new template whose pods stay unready until the test says otherwise. */
export const held = (text: string) => withPodAnnotations(text, { [READY_DELAY]: '600000' });

export const on = (groups: Array<[number[], string]>): Record<number, string> => {
  const out: Record<number, string> = {};
  for (const [indices, hash] of groups) for (const i of indices) out[i] = hash;
  return out;
};

export async function conditions(
  fleet: FleetHarness,
  name: string,
  want: Record<string, string>,
  what: string,
): Promise<any> {
  return waitForStatus(
    fleet,
    name,
    (l) => Object.entries(want).every(([type, status]) => condition(l, type) === status),
    `${what}: conditions ${JSON.stringify(want)}`,
  );
}

/** Asserts that the groups stay as they are for a while (nothing more is replaced). */
export async function stays(fleet: FleetHarness, name: string, expected: Record<number, string>) {
  const until = Date.now() + 800;
  while (Date.now() < until) {
    assert.deepEqual(revisionsByGroup(groupsOf(fleet, name, 1)), expected);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Creates a size-1 LWS and waits until every group runs revision 1 and it is Available. */
export async function createdAvailable(
  fleet: FleetHarness,
  name: string,
  replicas: number,
  strategy: Strategy,
): Promise<{ text: string; h1: string }> {
  const text = manifest(name, replicas, strategy);
  const lws = await apply(fleet, text);
  const all = Array.from({ length: replicas }, (_, i) => i);
  await waitForGroups(fleet, name, 1, on([[all, lws.templateHash]]), `${name} created`);
  await conditions(fleet, name, { Available: 'True' }, `${name} available`);
  return { text, h1: lws.templateHash as string };
}
