import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { codes } from '../support/api-harness';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import {
  HISTORY,
  apply,
  expectedPodNames,
  lwsEvents,
  managedObjects,
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
    size: 2
    persistentVolumeClaimRetentionPolicy:
      whenDeleted: Delete
      whenScaled: Delete
    volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ["ReadWriteOnce"]
        resources:
          requests:
            storage: 1Gi
    workerTemplate:
      spec:
        containers:
        - name: server
          image: nginxinc/nginx-unprivileged:1.27
          volumeMounts:
          - mountPath: /data
            name: data
`;

const uidsOf = (pods: Array<{ metadata?: { name?: string; uid?: string } }>) =>
  new Map(pods.map((p) => [p.metadata!.name!, p.metadata!.uid!]));

describe('scale and delete', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('fleet_scale');
  });
  after(async () => fleet?.close());

  test('scale up adds the next groups; scale down removes the highest indices first', async () => {
    const east = fleet.sim.cluster('east');
    const { uid } = await apply(fleet, manifest('elastic', 2), 'east');
    const two = uidsOf(await waitPods(east, 'elastic', expectedPodNames('elastic', 2, 2)));
    await waitAvailable(fleet, 'elastic', 2);

    await scale(fleet, 'elastic', 4);
    const four = uidsOf(await waitPods(east, 'elastic', expectedPodNames('elastic', 4, 2)));
    for (const [name, podUid] of two) assert.equal(four.get(name), podUid, `${name} kept`);
    await waitAvailable(fleet, 'elastic', 4);

    await scale(fleet, 'elastic', 3);
    const three = uidsOf(await waitPods(east, 'elastic', expectedPodNames('elastic', 3, 2)));
    for (const [name, podUid] of three) assert.equal(four.get(name), podUid, `${name} kept`);
    await waitAvailable(fleet, 'elastic', 3);

    await scale(fleet, 'elastic', 1);
    const one = uidsOf(await waitPods(east, 'elastic', expectedPodNames('elastic', 1, 2)));
    assert.deepEqual(one, new Map([...four].filter(([n]) => /^elastic-0(-1)?$/.test(n))));
    const lws = await waitAvailable(fleet, 'elastic', 1);
    assert.equal(lws.status.replicas, 1);

    // The leaders went highest index first, each once, recorded in the history.
    const deleted = (await lwsEvents(fleet, 'elastic'))
      .filter((e) => e.type === 'ReconcileApplied')
      .flatMap((e) => e.data.deleted as string[])
      .filter((d) => d.startsWith('Pod '));
    assert.deepEqual(deleted, [
      'Pod default/elastic-3',
      'Pod default/elastic-2',
      'Pod default/elastic-1',
    ]);
    // whenScaled: Delete — the claims of removed pods go too.
    await eventually(
      () =>
        managedObjects(east, uid)
          .filter((o) => o.startsWith('persistentvolumeclaims/'))
          .join() ===
        'persistentvolumeclaims/data-elastic-0,persistentvolumeclaims/data-elastic-0-1',
      'only the claims of group 0 left',
    );
  });

  test('delete removes everything from the cluster, and the LWS is marked deleted only once the cluster confirms', async () => {
    const east = fleet.sim.cluster('east');
    const { uid } = await apply(fleet, manifest('doomed', 2), 'east');
    await waitPods(east, 'doomed', expectedPodNames('doomed', 2, 2));
    await waitAvailable(fleet, 'doomed', 2);
    assert.deepEqual(managedObjects(east, uid), [
      'configmaps/doomed.lws-fleet',
      'persistentvolumeclaims/data-doomed-0',
      'persistentvolumeclaims/data-doomed-0-1',
      'persistentvolumeclaims/data-doomed-1',
      'persistentvolumeclaims/data-doomed-1-1',
      'pods/doomed-0',
      'pods/doomed-0-1',
      'pods/doomed-1',
      'pods/doomed-1-1',
      'services/doomed',
    ]);

    // The cluster's garbage collector is slow: the objects stay for a while after the request.
    east.pauseController('gc');
    try {
      await remove(fleet, 'doomed');
      await sleep(1500);
      const pending = await readLws(fleet, 'doomed');
      assert.ok(pending, 'still visible while its objects are in the cluster');
      assert.ok(pending.deletionRequestedAt, 'deletion requested');
      assert.equal(pending.deletedAt, null);
      assert.ok(managedObjects(east, uid).length > 0, 'objects still in the cluster');
    } finally {
      east.resumeController('gc');
    }

    await eventually(
      () => managedObjects(east, uid).length === 0,
      'every object of the LWS removed from east',
    );
    await eventually(async () => (await readLws(fleet, 'doomed')) === null, 'the LWS gone');
    const res = await fleet.api.gql(HISTORY, { namespace: 'default', name: 'doomed' });
    assert.deepEqual(codes(res), []);
    const [incarnation] = res.data!.leaderWorkerSetHistory;
    assert.equal(incarnation.uid, uid);
    assert.ok(incarnation.deletedAt, 'deletedAt set');
    assert.ok(Date.parse(incarnation.deletedAt) >= Date.parse(incarnation.deletionRequestedAt));
    const last = incarnation.events.edges.at(-1).node;
    assert.equal(last.type, 'LeaderWorkerSetDeleted');
    assert.match(last.data.reason, /east/);
    assert.equal(
      east.store.list('pods', { labelSelector: 'leaderworkerset.sigs.k8s.io/name=doomed' }).items
        .length,
      0,
      'no pod of it left on east',
    );
  });
});
