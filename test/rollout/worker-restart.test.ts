import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import { examplesDir } from '../support/paths';
import {
  READY_DELAY,
  apply,
  condition,
  groupsOf,
  waitForGroups,
  waitForRolloutDone,
  waitForStatus,
  watchReadyGroups,
  withPodAnnotations,
} from './rollout-support';

const NAME = 'rolling';
const SIZE = 2;

describe('a worker stopped mid-rollout', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('rollout_restart');
  });
  after(async () => fleet?.close());

  test('another worker resumes the rollout and completes it: never fewer than 3 ready groups, each group replaced once', async () => {
    const manifest = readFileSync(join(examplesDir(), 'rolling-update.yaml'), 'utf8');
    const h1 = (await apply(fleet, manifest)).templateHash;
    await waitForGroups(fleet, NAME, SIZE, { 0: h1, 1: h1, 2: h1, 3: h1 }, 'revision 1');
    await waitForStatus(fleet, NAME, (l) => condition(l, 'Available') === 'True', 'Available');

    const watch = watchReadyGroups(fleet, NAME, SIZE);
    // New pods take 400 ms to become Ready: long enough to stop the worker part way.
    const h2 = (await apply(fleet, withPodAnnotations(manifest, { [READY_DELAY]: '400' })))
      .templateHash;
    await eventually(
      () => groupsOf(fleet, NAME, SIZE).some((g) => g.index < 4 && g.revision === h2),
      'a first group replaced',
    );
    await fleet.worker.stop();
    const atStop = groupsOf(fleet, NAME, SIZE);
    assert.ok(
      atStop.some((g) => g.revision === h1),
      `stopped mid-rollout: ${JSON.stringify(atStop)}`,
    );
    // Nothing moves without a worker (the new pods still become Ready in the cluster).
    await new Promise((r) => setTimeout(r, 1000));
    const idle = groupsOf(fleet, NAME, SIZE);
    assert.deepEqual(
      idle.map((g) => [g.index, g.revision]),
      atStop
        .filter((g) => !g.terminating || idle.some((i) => i.index === g.index))
        .map((g) => [g.index, g.revision]),
    );

    await fleet.startWorker();
    await waitForGroups(
      fleet,
      NAME,
      SIZE,
      { 0: h2, 1: h2, 2: h2, 3: h2 },
      'revision 2 everywhere',
      30000,
    );
    const done = await waitForRolloutDone(
      fleet,
      NAME,
      2,
      'rollout Complete after the restart',
      30000,
    );
    const { min, samples } = watch.stop();
    assert.ok(min >= 3, `fewest ready groups seen: ${min} (${samples} pod changes)`);
    assert.deepEqual(
      groupsOf(fleet, NAME, SIZE).map((g) => [g.index, g.revision, g.ready]),
      [0, 1, 2, 3].map((i) => [i, h2, true]),
    );
    assert.equal(condition(done, 'Available'), 'True');
    assert.equal(done.rollouts.length, 1);
    const replaced = done.rollouts[0].steps
      .filter((s: any) => s.kind === 'GroupReplaced')
      .map((s: any) => s.group);
    assert.deepEqual(replaced, [3, 2, 1, 0]);
  });
});
