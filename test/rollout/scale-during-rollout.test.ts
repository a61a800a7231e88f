// lws-reference §4.4 traces where replicas change during a rollout, end to end (size-1 groups; the
// new template's pods stay unready until the test marks them Ready through the simulated kubelet).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { codes } from '../support/api-harness';
import { startFleet, type FleetHarness } from '../support/fleet-harness';
import {
  apply,
  conditions,
  createdAvailable,
  held,
  on,
  setGroupReady,
  stays,
  waitForGroups,
  waitForStatus,
} from './rollout-support';

const SCALE = `mutation($name: String!, $replicas: Int!) { scaleLeaderWorkerSet(name: $name, replicas: $replicas) { generation currentRevision } }`;

describe('replicas changed during a rollout (lws-reference §4.4), end to end', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('rollout_scale');
  });
  after(async () => fleet?.close());

  async function scale(name: string, replicas: number) {
    const res = await fleet.api.gql(SCALE, { name, replicas });
    assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
    return res.data!.scaleLeaderWorkerSet;
  }

  test('R4, update, group 3 ready (partition 2), then R → 6: new groups 4 and 5 on the new template, partition stays 2', async () => {
    const name = 'grow';
    const { text, h1 } = await createdAvailable(fleet, name, 4, { maxUnavailable: 1 });
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
    setGroupReady(fleet, name, 3, true);
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1], h1],
        [[2, 3], h2],
      ]),
      'partition 2',
    );

    // Scaling is not a new revision; the added groups are at or above the partition.
    assert.equal((await scale(name, 6)).currentRevision, 2);
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1], h1],
        [[2, 3, 4, 5], h2],
      ]),
      'R 6',
    );
    await conditions(fleet, name, { UpdateInProgress: 'True' }, 'still rolling');
    await stays(
      fleet,
      name,
      on([
        [[0, 1], h1],
        [[2, 3, 4, 5], h2],
      ]),
    );

    for (const i of [2, 4, 5]) setGroupReady(fleet, name, i, true);
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
    const done = await waitForStatus(
      fleet,
      name,
      (l) => l.rollouts[0]?.state === 'Complete' && l.status.readyReplicas === 6,
      'complete with 6 groups',
    );
    assert.deepEqual(
      done.rollouts[0].steps
        .filter((s: any) => s.kind === 'GroupReplaced')
        .map((s: any) => s.group),
      [3, 2, 1, 0],
    );
  });

  test('R6, update (partition 5), then R → 3: groups 3–5 removed, partition 2, then to the end with 3 groups', async () => {
    const name = 'shrink';
    const { text, h1 } = await createdAvailable(fleet, name, 6, { maxUnavailable: 1 });
    const h2 = (await apply(fleet, held(text))).templateHash;
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

    await scale(name, 3);
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0, 1], h1],
        [[2], h2],
      ]),
      'R 3, partition 2',
    );
    await conditions(fleet, name, { UpdateInProgress: 'True' }, 'rolling with 3 groups');
    await stays(
      fleet,
      name,
      on([
        [[0, 1], h1],
        [[2], h2],
      ]),
    );
    setGroupReady(fleet, name, 2, true);
    await waitForGroups(
      fleet,
      name,
      1,
      on([
        [[0], h1],
        [[1, 2], h2],
      ]),
      'group 1 replaced',
    );
    setGroupReady(fleet, name, 1, true);
    await waitForGroups(fleet, name, 1, on([[[0, 1, 2], h2]]), 'group 0 replaced');
    setGroupReady(fleet, name, 0, true);
    const done = await waitForStatus(
      fleet,
      name,
      (l) =>
        l.rollouts[0]?.state === 'Complete' &&
        l.status.replicas === 3 &&
        l.status.conditions.some((c: any) => c.type === 'Available' && c.status === 'True'),
      'complete with 3 groups',
    );
    assert.equal(done.status.updatedReplicas, 3);
  });
});
