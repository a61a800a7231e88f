import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimCluster } from '../../libs/kube-sim/src';
import { startFleet, type FleetHarness } from '../support/fleet-harness';
import {
  apply,
  example,
  expectedPodNames,
  lwsEvents,
  managedObjects,
  sleep,
  waitAvailable,
  waitPods,
} from '../support/lws-e2e';

const placements = [
  { file: 'sample.yaml', name: 'leaderworkerset-sample', cluster: 'east', replicas: 3, size: 4 },
  { file: 'unique-per-replica.yaml', name: 'unique', cluster: 'east', replicas: 2, size: 3 },
  { file: 'volume-claims.yaml', name: 'lws', cluster: 'west', replicas: 2, size: 2 },
  { file: 'multi-template.yaml', name: 'vllm-multi', cluster: 'west', replicas: 2, size: 3 },
];

describe('faults: API errors on a fifth of the calls and dropped watches', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('fleet_faults');
  });
  after(async () => fleet?.close());

  test('every LWS still converges, with exactly its objects', async () => {
    const clusters: SimCluster[] = fleet.sim.clusters;
    for (const c of clusters) {
      c.injectError({
        status: 500,
        rate: 0.2,
        verbs: ['create', 'delete', 'patch', 'update', 'get', 'list'],
      });
      c.injectError({ status: 429, rate: 0.05, verbs: ['create'], retryAfterSeconds: 1 });
    }
    // Watches drop all the time; now and then the watch history is lost too (410 Gone).
    let chaos = true;
    const dropper = (async () => {
      for (let round = 1; chaos; round++) {
        await sleep(700);
        for (const c of clusters) {
          if (round % 4 === 0) c.expireWatches();
          else c.closeWatches();
        }
      }
    })();
    try {
      const applied = [];
      for (const p of placements) applied.push(await apply(fleet, example(p.file), p.cluster));
      for (const p of placements) {
        await waitPods(
          fleet.sim.cluster(p.cluster),
          p.name,
          expectedPodNames(p.name, p.replicas, p.size),
          'default',
          60_000,
        );
        await waitAvailable(fleet, p.name, p.replicas, 'default', 60_000);
      }
      const hits = clusters.flatMap((c) => c.listFaults()).reduce((n, f) => n + f.hits, 0);
      assert.ok(hits >= 10, `the faults were hit (${hits} errors answered)`);
      const failed = (await Promise.all(placements.map((p) => lwsEvents(fleet, p.name))))
        .flat()
        .filter((e) => e.type === 'ReconcileApplied' && e.data.failure);
      assert.ok(failed.length > 0, 'some reconciles were cut short by an error, and say so');
      // No pod was ever lost, only creates failed: no group may have been recreated for it.
      const recreated = (await Promise.all(placements.map((p) => lwsEvents(fleet, p.name))))
        .flat()
        .filter((e) => e.type === 'GroupRecreated');
      assert.deepEqual(recreated, [], 'no group recreated');
      for (const [i, p] of placements.entries()) {
        const objects = managedObjects(fleet.sim.cluster(p.cluster), applied[i].uid);
        const pods = objects.filter((o) => o.startsWith('pods/')).map((o) => o.slice(5));
        assert.deepEqual(pods.sort(), expectedPodNames(p.name, p.replicas, p.size));
      }
    } finally {
      chaos = false;
      await dropper;
      for (const c of clusters) c.clearFaults();
    }
    // Nothing on the wrong cluster.
    for (const p of placements) {
      const other = fleet.sim.cluster(p.cluster === 'east' ? 'west' : 'east');
      assert.equal(
        other.store.list('pods', { labelSelector: `leaderworkerset.sigs.k8s.io/name=${p.name}` })
          .items.length,
        0,
      );
    }
  });
});
