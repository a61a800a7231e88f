// Worked traces of lws-reference §4.4 ("Worked traces from the integration tests"), end to end:
// API + worker + simulated cluster. The new template carries a simulator annotation that keeps its
// pods unready, so each step's readiness is driven by the test through the simulated kubelet, and
// each step asserts which groups exist, on which revision, and the status conditions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventStore, rebuildReadModels } from '../../libs/events/src';
import { readModelProjections } from '../../apps/api/src/app.module';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import {
  apply,
  condition,
  conditions,
  createdAvailable,
  groupsOf,
  held,
  manifest,
  on,
  setGroupReady,
  stays,
  waitForGroups,
  waitForRolloutDone,
  waitForStatus,
  withPodAnnotations,
  withSpec,
  type Strategy,
} from './rollout-support';

describe('rolling update traces of lws-reference §4.4, end to end', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('rollout_traces');
  });
  after(async () => fleet?.close());

  const created = (name: string, replicas: number, strategy: Strategy) =>
    createdAvailable(fleet, name, replicas, strategy);

  test('R4, maxUnavailable 0, maxSurge 1: surge group first, then 3, 2, 1, 0 as each predecessor is ready; 5 groups until g0 is ready', async () => {
    const name = 'surge-one';
    const { text, h1 } = await created(name, 4, { maxUnavailable: 0, maxSurge: 1 });
    const h2 = (await apply(fleet, held(text))).templateHash;

    // Partition 4: only the surge group 4 on the new revision; no old group touched.
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1, 2, 3], h1],
        [[4], h2],
      ]),
      'surge group',
    );
    await conditions(
      fleet,
      name,
      { UpdateInProgress: 'True', Progressing: 'True', Available: 'False' },
      'rolling',
    );
    await stays(
      fleet,
      name,
      on([
        [[0, 1, 2, 3], h1],
        [[4], h2],
      ]),
    );

    const sequence: Array<[number, Record<number, string>]> = [
      [
        4,
        on([
          [[0, 1, 2], h1],
          [[3, 4], h2],
        ]),
      ],
      [
        3,
        on([
          [[0, 1], h1],
          [[2, 3, 4], h2],
        ]),
      ],
      [
        2,
        on([
          [[0], h1],
          [[1, 2, 3, 4], h2],
        ]),
      ],
      [1, on([[[0, 1, 2, 3, 4], h2]])],
    ];
    for (const [ready, expected] of sequence) {
      setGroupReady(fleet, name, ready, true);
      await waitForGroups(fleet, name, 1, expected, `after group ${ready} ready`);
      // Status counts the surge group's leader too (status.replicas = leader pods, upstream's sts.status.replicas).
      await waitForStatus(
        fleet,
        name,
        (l) => condition(l, 'UpdateInProgress') === 'True' && l.status.replicas === 5,
        `after group ${ready}: UpdateInProgress with 5 groups`,
      );
    }
    setGroupReady(fleet, name, 0, true);
    await waitForGroups(fleet, name, 1, on([[[0, 1, 2, 3], h2]]), 'surge removed once g0 is ready');
    // updatedReplicas counts surge groups (§4.6): 4 once the surge group is gone.
    const done = await waitForStatus(
      fleet,
      name,
      (l) =>
        condition(l, 'Available') === 'True' &&
        condition(l, 'UpdateInProgress') === 'False' &&
        condition(l, 'Progressing') === 'False' &&
        l.status.replicas === 4,
      'complete',
    );
    assert.equal(done.status.updatedReplicas, 4);
    const rollout = (
      await waitForStatus(
        fleet,
        name,
        (l) => l.rollouts[0]?.state === 'Complete',
        'rollout Complete',
      )
    ).rollouts[0];
    assert.deepEqual(
      rollout.steps.map((s: any) => `${s.kind}:${s.group}`),
      [
        'SurgeGroupAdded:4',
        'GroupReplaced:3',
        'GroupReplaced:2',
        'GroupReplaced:1',
        'GroupReplaced:0',
        'SurgeGroupRemoved:4',
      ],
    );
  });

  test('R4, maxUnavailable 1: 3 first, then 2 once 3 is ready; nothing more while 3 is unready again; then to the end', async () => {
    const name = 'unavailable-one';
    const { text, h1 } = await created(name, 4, { maxUnavailable: 1 });
    const h2 = (await apply(fleet, held(text))).templateHash;

    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1, 2], h1],
        [[3], h2],
      ]),
      'group 3 replaced',
    );
    await conditions(fleet, name, { UpdateInProgress: 'True', Available: 'False' }, 'rolling');
    await stays(
      fleet,
      name,
      on([
        [[0, 1, 2], h1],
        [[3], h2],
      ]),
    );

    setGroupReady(fleet, name, 3, true);
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1], h1],
        [[2, 3], h2],
      ]),
      'group 2 replaced',
    );
    // Group 3 unready again: two groups unavailable, so group 1 waits.
    setGroupReady(fleet, name, 3, false);
    await stays(
      fleet,
      name,
      on([
        [[0, 1], h1],
        [[2, 3], h2],
      ]),
    );
    setGroupReady(fleet, name, 2, true);
    await stays(
      fleet,
      name,
      on([
        [[0, 1], h1],
        [[2, 3], h2],
      ]),
    );
    setGroupReady(fleet, name, 3, true);
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0], h1],
        [[1, 2, 3], h2],
      ]),
      'group 1 replaced',
    );
    setGroupReady(fleet, name, 1, true);
    await waitForGroups(fleet, name, 1, on([[[0, 1, 2, 3], h2]]), 'group 0 replaced');
    await conditions(
      fleet,
      name,
      { UpdateInProgress: 'True' },
      'still rolling while g0 is unready',
    );
    setGroupReady(fleet, name, 0, true);
    const done = await conditions(
      fleet,
      name,
      { Available: 'True', UpdateInProgress: 'False', Progressing: 'False' },
      'complete',
    );
    assert.equal(done.status.replicas, 4);
    assert.equal(done.status.readyReplicas, 4);
  });

  test('R6, partition 4: groups 5 then 4 updated, Available and Paused at 4; partition 2 ⇒ 3 then 2; partition 0 ⇒ complete', async () => {
    const name = 'partitioned';
    const { text, h1 } = await created(name, 6, { maxUnavailable: 1, partition: 4 });
    const v2 = held(text);
    const h2 = (await apply(fleet, v2)).templateHash;

    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1, 2, 3, 4], h1],
        [[5], h2],
      ]),
      'group 5 replaced',
    );
    setGroupReady(fleet, name, 5, true);
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1, 2, 3], h1],
        [[4, 5], h2],
      ]),
      'group 4 replaced',
    );
    setGroupReady(fleet, name, 4, true);
    await conditions(fleet, name, { Available: 'True', UpdateInProgress: 'False' }, 'paused at 4');
    await stays(
      fleet,
      name,
      on([
        [[0, 1, 2, 3], h1],
        [[4, 5], h2],
      ]),
    );
    let l = await waitForStatus(fleet, name, (x) => x.rollouts[0]?.state === 'Paused', 'Paused');
    assert.equal(l.rollouts[0].pausedAtPartition, 4);

    // Changing the partition is not a new revision; the rollout goes on down to it.
    const at2 = await apply(
      fleet,
      withSpec(v2, (s) => (s.rolloutStrategy.rollingUpdateConfiguration.partition = 2)),
    );
    assert.equal(at2.currentRevision, 2);
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1, 2], h1],
        [[3, 4, 5], h2],
      ]),
      'group 3 replaced',
    );
    await conditions(fleet, name, { UpdateInProgress: 'True' }, 'rolling again');
    setGroupReady(fleet, name, 3, true);
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1], h1],
        [[2, 3, 4, 5], h2],
      ]),
      'group 2 replaced',
    );
    setGroupReady(fleet, name, 2, true);
    await conditions(fleet, name, { Available: 'True', UpdateInProgress: 'False' }, 'paused at 2');
    await stays(
      fleet,
      name,
      on([
        [[0, 1], h1],
        [[2, 3, 4, 5], h2],
      ]),
    );
    await waitForStatus(
      fleet,
      name,
      (x) => x.rollouts[0]?.state === 'Paused' && x.rollouts[0]?.pausedAtPartition === 2,
      'Paused at 2',
    );

    await apply(
      fleet,
      withSpec(v2, (s) => (s.rolloutStrategy.rollingUpdateConfiguration.partition = 0)),
    );
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0], h1],
        [[1, 2, 3, 4, 5], h2],
      ]),
      'group 1 replaced',
    );
    setGroupReady(fleet, name, 1, true);
    await waitForGroups(fleet, name, 1, on([[[0, 1, 2, 3, 4, 5], h2]]), 'group 0 replaced');
    setGroupReady(fleet, name, 0, true);
    l = await waitForRolloutDone(fleet, name, 2, 'Complete');
    assert.equal(condition(l, 'Available'), 'True');
    assert.deepEqual(
      l.rollouts[0].steps.map((s: any) => `${s.kind}:${s.group ?? s.partition}`),
      [
        'GroupReplaced:5',
        'GroupReplaced:4',
        'RolloutPaused:4',
        'RolloutResumed:2',
        'GroupReplaced:3',
        'GroupReplaced:2',
        'RolloutPaused:2',
        'RolloutResumed:0',
        'GroupReplaced:1',
        'GroupReplaced:0',
      ],
    );
  });

  test('R2, all groups unready, update: group 1 replaced at once, then group 0 once group 1 is ready', async () => {
    const name = 'all-unready';
    const text = held(manifest(name, 2, { maxUnavailable: 1 }));
    const h1 = (await apply(fleet, text)).templateHash;
    await waitForGroups(fleet, name, 1, on([[[0, 1], h1]]), 'created, unready');
    await conditions(fleet, name, { Progressing: 'True' }, 'progressing');
    const h2 = (await apply(fleet, withPodAnnotations(text, { 'example.com/v': '2' })))
      .templateHash;
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0], h1],
        [[1], h2],
      ]),
      'group 1 replaced',
    );
    await stays(
      fleet,
      name,
      on([
        [[0], h1],
        [[1], h2],
      ]),
    );
    setGroupReady(fleet, name, 1, true);
    await waitForGroups(fleet, name, 1, on([[[0, 1], h2]]), 'group 0 replaced');
    setGroupReady(fleet, name, 0, true);
    await conditions(fleet, name, { Available: 'True', UpdateInProgress: 'False' }, 'complete');
  });
  test('R4, maxSurge 2: a second template change mid-rollout supersedes it; never more than 6 groups; ends with 4 groups on revision 3', async () => {
    const name = 'superseded';
    const { text, h1 } = await created(name, 4, { maxUnavailable: 1, maxSurge: 2 });
    let most = 0;
    const unsubscribe = fleet.sim.cluster('east').store.subscribe((event: any) => {
      if (event.resource === 'pods') most = Math.max(most, groupsOf(fleet, name, 1).length);
    });
    try {
      const h2 = (await apply(fleet, held(text))).templateHash;
      // Partition 3 and 6 groups: group 3 replaced, surge groups 4 and 5 on the new revision.
      await waitForGroups(
        fleet,
        name,
        1,
        on([
          [[0, 1, 2], h1],
          [[3, 4, 5], h2],
        ]),
        'partition 3, 6 groups',
      );
      await conditions(fleet, name, { UpdateInProgress: 'True' }, 'rolling to 2');
      setGroupReady(fleet, name, 5, true);
      setGroupReady(fleet, name, 4, true);
      // Two surge groups ready: partition 1, groups 2 and 1 replaced too (three unavailable at most).
      await waitForGroups(
        fleet,
        name,
        1,
        on([
          [[0], h1],
          [[1, 2, 3, 4, 5], h2],
        ]),
        'partition 1',
      );

      // Groups 1 and 2 Ready, group 3 still not: the partition stays at 1 (the ready groups from the
      // top are not contiguous), so group 0 stays on revision 1 however fast the worker is, and
      // one unavailable group leaves room (maxUnavailable + maxSurge) for the next rollout. (With
      // one desired group unready, the surge shrinks to one group: group 5 goes.)
      for (const i of [1, 2]) setGroupReady(fleet, name, i, true);
      await eventually(
        () => [1, 2].every((i) => groupsOf(fleet, name, 1).find((g) => g.index === i)?.ready),
        'groups 1 and 2 Ready on revision 2',
      );
      assert.equal(groupsOf(fleet, name, 1)[0].revision, h1);
      assert.equal(groupsOf(fleet, name, 1)[3].ready, false);
      // A third template while revision 2 is rolling out (its pods become Ready on their own).
      const v3 = withPodAnnotations(text, { 'example.com/v': '3' });
      const third = await apply(fleet, v3);
      assert.equal(third.currentRevision, 3);
      const h3 = third.templateHash;
      await waitForGroups(
        fleet,
        name,
        1,
        on([[[0, 1, 2, 3], h3]]),
        'all on revision 3, surge gone',
        30000,
      );
      const done = await waitForRolloutDone(fleet, name, 3, 'rollout 2 → 3 Complete');
      assert.equal(condition(done, 'Available'), 'True');
      assert.deepEqual(
        done.rollouts.map((r: any) => [r.fromRevision, r.toRevision, r.state, r.supersededBy]),
        [
          [1, 2, 'Superseded', 3],
          [2, 3, 'Complete', null],
        ],
      );
      assert.ok(done.rollouts[0].finishedAt);
    } finally {
      unsubscribe();
    }
    assert.ok(most <= 6, `at most replicas + maxSurge groups at any moment (saw ${most})`);
  });
  test('the rollout history of every trace above is rebuilt identically from the events', async () => {
    await fleet.worker.stop();
    const db = fleet.api.server.dataSource;
    const dump = async () => ({
      rollouts: await db.query(`SELECT * FROM lws_rollouts ORDER BY lws_uid, to_revision`),
      steps: await db.query(`SELECT * FROM lws_rollout_steps ORDER BY lws_uid, position`),
    });
    const before = await dump();
    assert.ok(before.rollouts.length >= 6, `${before.rollouts.length} rollouts`);
    assert.ok(before.steps.some((s: any) => s.kind === 'RolloutPaused'));
    await rebuildReadModels(new EventStore(db), readModelProjections);
    assert.deepEqual(await dump(), before);
  });
});
