import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import {
  apply,
  expectedPodNames,
  lwsEvents,
  podsOf,
  waitAvailable,
  waitPods,
} from '../support/lws-e2e';

const manifest = (name: string, restartPolicy: string) => `
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata:
  name: ${name}
spec:
  replicas: 2
  leaderWorkerTemplate:
    size: 3
    restartPolicy: ${restartPolicy}
    workerTemplate:
      spec:
        containers:
        - name: server
          image: nginxinc/nginx-unprivileged:1.27
`;

const uids = (pods: V1Pod[]) => new Map(pods.map((p) => [p.metadata!.name!, p.metadata!.uid!]));
const restarts = (pod: V1Pod | undefined) =>
  (pod?.status?.containerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0);

describe('restart policy', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('fleet_restart');
  });
  after(async () => fleet?.close());

  test('RecreateGroupOnPodRestart: a crashed worker container recreates its whole group, and the event says why', async () => {
    const east = fleet.sim.cluster('east');
    const lws = await apply(fleet, manifest('recreate', 'RecreateGroupOnPodRestart'), 'east');
    const names = expectedPodNames('recreate', 2, 3);
    const before = uids(await waitPods(east, 'recreate', names));
    await waitAvailable(fleet, 'recreate', 2);

    east.controllers!.faults.crashContainer('default', 'recreate-0-1', 'server', {
      exitCode: 137,
      reason: 'OOMKilled',
    });

    // Every pod of group 0 comes back with a new uid; group 1 is untouched.
    const after = uids(
      await eventually(
        async () => {
          const pods = await waitPods(east, 'recreate', names, 'default', 1_000).catch(
            () => undefined,
          );
          if (!pods) return undefined;
          const now = uids(pods);
          return ['recreate-0', 'recreate-0-1', 'recreate-0-2'].every(
            (n) => now.get(n) !== before.get(n),
          )
            ? pods
            : undefined;
        },
        'group 0 recreated with new pods',
        30_000,
      ),
    );
    for (const n of ['recreate-1', 'recreate-1-1', 'recreate-1-2'])
      assert.equal(after.get(n), before.get(n), `${n} is not touched`);
    await waitAvailable(fleet, 'recreate', 2);

    const recreated = (await lwsEvents(fleet, 'recreate')).filter(
      (e) => e.type === 'GroupRecreated',
    );
    assert.equal(recreated.length, 1, JSON.stringify(recreated));
    assert.deepEqual(
      {
        group: recreated[0].data.group,
        pod: recreated[0].data.pod,
        role: recreated[0].data.role,
        container: recreated[0].data.container,
        reason: recreated[0].data.reason,
        exitCode: recreated[0].data.exitCode,
        uid: recreated[0].data.uid,
        cluster: recreated[0].data.cluster,
      },
      {
        group: 0,
        pod: 'recreate-0-1',
        role: 'worker',
        container: 'server',
        reason: 'OOMKilled',
        exitCode: 137,
        uid: lws.uid,
        cluster: 'east',
      },
    );
    assert.equal(recreated[0].actor, 'worker:east');
  });

  test('None: only the crashed container restarts, in place, and ContainerRestarted records it', async () => {
    const east = fleet.sim.cluster('east');
    await apply(fleet, manifest('inplace', 'None'), 'east');
    const names = expectedPodNames('inplace', 2, 3);
    const before = uids(await waitPods(east, 'inplace', names));
    await waitAvailable(fleet, 'inplace', 2);

    east.controllers!.faults.crashContainer('default', 'inplace-1-2', 'server', {
      exitCode: 1,
      reason: 'Error',
    });

    const event = await eventually(
      async () =>
        (await lwsEvents(fleet, 'inplace')).find(
          (e) => e.type === 'ContainerRestarted' && e.data.pod === 'inplace-1-2',
        ),
      'a ContainerRestarted event',
    );
    assert.equal(event.data.container, 'server');
    assert.equal(event.data.exitCode, 1);
    assert.equal(event.data.reason, 'Error');
    assert.equal(event.data.restartCount, 1);
    await waitAvailable(fleet, 'inplace', 2);
    const pods = await waitPods(east, 'inplace', names);
    assert.deepEqual(uids(pods), before, 'no pod was replaced');
    assert.equal(restarts(pods.find((p) => p.metadata!.name === 'inplace-1-2')), 1);
    for (const pod of pods.filter((p) => p.metadata!.name !== 'inplace-1-2'))
      assert.equal(restarts(pod), 0, `${pod.metadata!.name} did not restart`);
    const types = (await lwsEvents(fleet, 'inplace')).map((e) => e.type);
    assert.ok(!types.includes('GroupRecreated'), types.join());
    assert.equal(podsOf(east, 'inplace').length, 6);
  });
});
