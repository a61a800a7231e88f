import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { codes } from '../support/api-harness';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import {
  apply,
  expectedPodNames,
  podsOf,
  readLws,
  remove,
  scale,
  sleep,
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
    size: 3
    workerTemplate:
      spec:
        containers:
        - name: server
          image: nginxinc/nginx-unprivileged:1.27
`;

const CLUSTERS = `{ clusters { name healthy nodes } }`;

async function health(fleet: FleetHarness): Promise<Record<string, boolean>> {
  const res = await fleet.api.gql(CLUSTERS);
  assert.deepEqual(codes(res), []);
  return Object.fromEntries(
    res.data!.clusters.map((c: { name: string; healthy: boolean }) => [c.name, c.healthy]),
  );
}

describe('two clusters', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('fleet_two_clusters');
  });
  after(async () => fleet?.close());

  test('LWSs on east and west at once; losing west and removing it leave east undisturbed', async () => {
    const east = fleet.sim.cluster('east');
    const west = fleet.sim.cluster('west');
    await Promise.all([
      apply(fleet, manifest('alpha', 2), 'east'),
      apply(fleet, manifest('beta', 2), 'west'),
    ]);
    await Promise.all([
      waitPods(east, 'alpha', expectedPodNames('alpha', 2, 3)),
      waitPods(west, 'beta', expectedPodNames('beta', 2, 3)),
    ]);
    await waitAvailable(fleet, 'alpha', 2);
    await waitAvailable(fleet, 'beta', 2);
    assert.equal(podsOf(west, 'alpha').length + podsOf(east, 'beta').length, 0);
    assert.deepEqual(fleet.worker.ownedClusters(), ['east', 'west']);

    // West is lost: its API answers nothing. East goes on as before.
    await west.partition({ mode: 'blackhole' });
    try {
      await apply(fleet, manifest('gamma', 1), 'west'); // placed there, waits for it
      await scale(fleet, 'alpha', 3);
      await waitPods(east, 'alpha', expectedPodNames('alpha', 3, 3));
      await waitAvailable(fleet, 'alpha', 3);
      assert.equal(podsOf(west, 'gamma').length, 0);
    } finally {
      await west.heal();
    }

    // West is back: what was asked meanwhile happens there.
    await waitPods(west, 'gamma', expectedPodNames('gamma', 1, 3), 'default', 30_000);
    await waitAvailable(fleet, 'gamma', 1);

    // West's API now refuses connections: its watcher fails, the cluster shows unhealthy, east is fine.
    await west.refuseConnections();
    try {
      await eventually(async () => (await health(fleet)).west === false, 'west unhealthy');
      assert.equal((await health(fleet)).east, true);
      await scale(fleet, 'alpha', 1);
      await waitPods(east, 'alpha', expectedPodNames('alpha', 1, 3));
      await waitAvailable(fleet, 'alpha', 1);
    } finally {
      await west.heal();
    }
    await eventually(async () => (await health(fleet)).west === true, 'west healthy again');

    // Remove west from the fleet (after its LWSs): its runtime stops, east keeps reconciling.
    await remove(fleet, 'beta');
    await remove(fleet, 'gamma');
    await eventually(
      async () =>
        (await readLws(fleet, 'beta')) === null && (await readLws(fleet, 'gamma')) === null,
      'the LWSs on west deleted',
    );
    assert.equal(podsOf(west, 'beta').length + podsOf(west, 'gamma').length, 0);
    const removed = await fleet.api.gql(`mutation { removeCluster(name: "west") }`);
    assert.deepEqual(codes(removed), [], JSON.stringify(removed.errors));
    await eventually(
      () => fleet.worker.ownedClusters().join() === 'east',
      'the worker runs east only',
    );
    await eventually(() => west.activeWatches === 0, 'every watch on west closed');
    const westRequests = west.requestLog.length;
    await scale(fleet, 'alpha', 2);
    await waitPods(east, 'alpha', expectedPodNames('alpha', 2, 3));
    await waitAvailable(fleet, 'alpha', 2);
    await sleep(500);
    assert.equal(west.requestLog.length, westRequests, 'nobody talks to west any more');
  });
});
