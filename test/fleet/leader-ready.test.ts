import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import {
  apply,
  example,
  expectedPodNames,
  isReady,
  podsOf,
  sleep,
  waitAvailable,
  waitPods,
} from '../support/lws-e2e';

describe('startupPolicy LeaderReady', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('fleet_leader_ready');
  });
  after(async () => fleet?.close());

  test('a group gets its workers only once its own leader is Ready', async () => {
    const east = fleet.sim.cluster('east');
    // A slow kubelet: every pod of this example takes 1.5 s to become Ready.
    const manifest = example('startup-leader-ready.yaml').replace(
      '    workerTemplate:\n      spec:',
      `    workerTemplate:\n      metadata:\n        annotations:\n          kube-sim.lws-fleet.io/ready-delay-ms: "1500"\n      spec:`,
    );
    assert.notEqual(manifest, example('startup-leader-ready.yaml'), 'the manifest was changed');
    await apply(fleet, manifest, 'east');

    // The leaders exist and run, not yet Ready: no worker may exist.
    const leaders = await eventually(() => {
      const pods = podsOf(east, 'leader-ready');
      return pods.length === 3 && pods.every((p) => p.status?.phase === 'Running') && pods;
    }, 'three Running leaders');
    assert.deepEqual(
      leaders.map((p) => p.metadata!.name),
      ['leader-ready-0', 'leader-ready-1', 'leader-ready-2'],
    );
    assert.ok(
      leaders.every((p) => !isReady(p)),
      'the leaders are not Ready yet',
    );
    await sleep(500);
    const early = podsOf(east, 'leader-ready');
    assert.deepEqual(
      early.filter((p) => p.metadata!.name!.split('-').length > 3).map((p) => p.metadata!.name),
      [],
      'no worker before its leader is Ready',
    );

    // Every worker that appears was created after its leader became Ready.
    await waitPods(east, 'leader-ready', expectedPodNames('leader-ready', 3, 4), 'default', 20_000);
    for (const pod of podsOf(east, 'leader-ready').filter(
      (p) => p.metadata!.name!.split('-').length > 3,
    )) {
      const leader = east.store.get(
        'pods',
        'default',
        pod.metadata!.name!.replace(/-\d+$/, ''),
      ) as any;
      const readyAt = leader.status.conditions.find(
        (c: any) => c.type === 'Ready',
      ).lastTransitionTime;
      assert.ok(
        Date.parse(pod.metadata!.creationTimestamp as unknown as string) >= Date.parse(readyAt),
        `${pod.metadata!.name} created at ${pod.metadata!.creationTimestamp}, after its leader was Ready at ${readyAt}`,
      );
    }
    await waitAvailable(fleet, 'leader-ready', 3);
  });

  test('one leader held not Ready holds back only its own group', async () => {
    const east = fleet.sim.cluster('east');
    const manifest = example('startup-leader-ready.yaml')
      .replace('name: leader-ready', 'name: held')
      .replace('replicas: 3', 'replicas: 2');
    // Leader 0 is held not Ready by the kubelet from the start; leader 1 becomes Ready normally.
    east.controllers!.faults.setReady('default', 'held-0', false);
    await apply(fleet, manifest, 'east');
    await eventually(
      () => podsOf(east, 'held').filter((p) => p.metadata!.name!.startsWith('held-1')).length === 4,
      'group 1 complete',
    );
    await eventually(
      () => (east.store.get('pods', 'default', 'held-0') as any)?.status?.phase === 'Running',
      'held-0 Running',
    );
    await sleep(500);
    assert.ok(!isReady(east.store.get('pods', 'default', 'held-0') as any), 'held-0 not Ready');
    assert.deepEqual(
      podsOf(east, 'held')
        .map((p) => p.metadata!.name!)
        .filter((n) => n.startsWith('held-0')),
      ['held-0'],
      'group 0 has no workers while its leader is not Ready',
    );
    east.controllers!.faults.setReady('default', 'held-0', true);
    await waitPods(east, 'held', expectedPodNames('held', 2, 4));
    await waitAvailable(fleet, 'held', 2);
  });
});
