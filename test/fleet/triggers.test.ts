import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import {
  apply,
  expectedPodNames,
  scale,
  sleep,
  streamVersion,
  waitAvailable,
  waitPods,
} from '../support/lws-e2e';

const manifest = (name: string, replicas: number) => `
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  leaderWorkerTemplate:
    size: 4
    workerTemplate:
      spec:
        containers:
        - name: server
          image: nginxinc/nginx-unprivileged:1.27
`;

type BullWorker = import('bullmq').Worker;
type BullJob = import('bullmq').Job;
/** The BullMQ consumer of a cluster's queue, once the worker has taken the cluster. */
const bullWorker = async (fleet: FleetHarness, cluster: string): Promise<BullWorker> => {
  const runtime = await eventually(
    () => fleet.worker.runtime(cluster),
    `the worker runs ${cluster}`,
  );
  return (runtime as unknown as { worker: BullWorker }).worker;
};

describe('no lost trigger', () => {
  let fleet: FleetHarness;
  before(async () => {
    // No periodic resync here: only the triggers themselves can bring the change in.
    fleet = await startFleet('fleet_triggers', {}, { resyncMs: 600_000 });
  });
  after(async () => fleet?.close());

  test('a scale applied while a reconcile of the same LWS is running is reconciled after it', async () => {
    const east = fleet.sim.cluster('east');
    // Two reconciles of one LWS never run at once.
    let active = 0;
    let most = 0;
    const bull = await bullWorker(fleet, 'east');
    const onActive = () => (most = Math.max(most, ++active));
    const onDone = () => active--;
    bull.on('active', onActive);
    bull.on('completed', onDone);
    bull.on('failed', onDone);
    // Every pod create takes 1.5 s: the first reconcile is still running when the scale arrives.
    const slow = east.injectLatency({ verbs: ['create'], resources: ['pods'], latencyMs: 1500 });
    try {
      await apply(fleet, manifest('busy', 2), 'east');
      await eventually(
        () => east.store.get('configmaps', 'default', 'busy.lws-fleet'),
        'the first reconcile started (anchor created, pods on their way)',
      );
      assert.equal(
        east.store.list('pods', { namespace: 'default' }).items.length,
        0,
        'the first reconcile is still in flight',
      );
      await scale(fleet, 'busy', 5);
      await scale(fleet, 'busy', 3);
    } finally {
      east.removeFault(slow);
    }
    await waitPods(east, 'busy', expectedPodNames('busy', 3, 4), 'default', 30_000);
    const lws = await waitAvailable(fleet, 'busy', 3);
    assert.equal(lws.status.replicas, 3);
    bull.off('active', onActive);
    bull.off('completed', onDone);
    bull.off('failed', onDone);
    assert.equal(most, 1, 'one reconcile at a time');
  });
});

describe('idempotent reconcile', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('fleet_idempotent', {}, { resyncMs: 1000 });
  });
  after(async () => fleet?.close());

  test('a converged LWS reconciled again makes zero API writes and appends zero events', async () => {
    const east = fleet.sim.cluster('east');
    const { uid } = await apply(fleet, manifest('steady', 2), 'east');
    await waitPods(east, 'steady', expectedPodNames('steady', 2, 4));
    await waitAvailable(fleet, 'steady', 2);
    await sleep(1500); // let the last watch-triggered reconciles finish

    // Count reconciles that finish, to prove the idle window below did reconcile.
    const results: string[] = [];
    const bull = await bullWorker(fleet, 'east');
    const onCompleted = (job: BullJob, result: string) => {
      if (job.data.uid === uid) results.push(result);
    };
    bull.on('completed', onCompleted);
    try {
      const version = await streamVersion(fleet, 'steady');
      east.resetWriteCounts();
      for (let i = 0; i < 3; i++) {
        await fleet.worker.enqueue('east', uid, 'test');
        await sleep(300);
      }
      await sleep(2500); // and at least two periodic resyncs (every second in this suite)
      assert.ok(results.length >= 3, `reconciled ${results.length} times`);
      assert.deepEqual(new Set(results), new Set(['converged']));
      assert.deepEqual(east.writeCounts, {}, 'no API write');
      assert.equal(east.writes(), 0);
      assert.equal(await streamVersion(fleet, 'steady'), version, 'no event appended');
    } finally {
      bull.off('completed', onCompleted);
    }
  });
});

describe('periodic resync', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('fleet_resync', {}, { resyncMs: 1000 });
  });
  after(async () => fleet?.close());

  test('a quiet LWS is reconciled by resync at least every two periods, and not at every one once just reconciled', async () => {
    const east = fleet.sim.cluster('east');
    const { uid } = await apply(fleet, manifest('quiet', 1), 'east');
    await waitPods(east, 'quiet', expectedPodNames('quiet', 1, 4));
    await waitAvailable(fleet, 'quiet', 1);
    await sleep(1500); // the last watch-triggered reconciles finish

    const resyncs: number[] = [];
    const results = new Set<string>();
    const bull = await bullWorker(fleet, 'east');
    const onCompleted = (job: BullJob, result: string) => {
      if (job.data.uid !== uid) return;
      results.add(result);
      if (job.data.trigger === 'resync') resyncs.push(Date.now());
    };
    bull.on('completed', onCompleted);
    try {
      await sleep(6500); // six or seven resync periods
    } finally {
      bull.off('completed', onCompleted);
    }
    assert.deepEqual([...results], ['converged']);
    // Each resync that reconciles it makes the next one skip it: about one every two periods.
    assert.ok(resyncs.length >= 3, `${resyncs.length} resync reconciles in 6.5 s`);
    assert.ok(resyncs.length <= 5, `${resyncs.length} resync reconciles in 6.5 s`);
    const gaps = resyncs.slice(1).map((t, i) => t - resyncs[i]);
    assert.ok(
      gaps.every((gap) => gap < 2600),
      `gaps between resync reconciles: ${gaps.join(', ')} ms`,
    );
  });
});
