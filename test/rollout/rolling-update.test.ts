import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codes } from '../support/api-harness';
import { startFleet, type FleetHarness } from '../support/fleet-harness';
import { examplesDir } from '../support/paths';
import {
  ROLLBACK,
  apply,
  condition,
  groupsOf,
  lws,
  waitForGroups,
  waitForRolloutDone,
  waitForStatus,
  withSpec,
} from './rollout-support';

const NAME = 'rolling';
const SIZE = 2;
const withImage = (manifest: string, image: string) =>
  withSpec(manifest, (spec) => {
    spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].image = image;
  });

/** Watches every pod change in east and keeps the fewest ready groups seen at any moment. */
function watchReadyGroups(fleet: FleetHarness) {
  let min = Infinity;
  let samples = 0;
  const store = fleet.sim.cluster('east').store;
  const unsubscribe = store.subscribe((event: any) => {
    if (event.resource !== 'pods') return;
    samples++;
    min = Math.min(min, groupsOf(fleet, NAME, SIZE).filter((g) => g.ready).length);
  });
  return {
    stop: () => {
      unsubscribe();
      return { min, samples };
    },
  };
}

describe('rolling update of examples/rolling-update.yaml (4 groups, maxSurge 1) and rollback', () => {
  let fleet: FleetHarness;
  const manifest = readFileSync(join(examplesDir(), 'rolling-update.yaml'), 'utf8');
  const hashes: string[] = [];
  before(async () => {
    fleet = await startFleet('rollout_example');
  });
  after(async () => fleet?.close());

  test('rolls 4 groups to the new revision, never fewer than 3 ready, and records the rollout', async () => {
    const created = await apply(fleet, manifest);
    hashes.push(created.templateHash);
    await waitForGroups(
      fleet,
      NAME,
      SIZE,
      { 0: hashes[0], 1: hashes[0], 2: hashes[0], 3: hashes[0] },
      'revision 1',
    );
    await waitForStatus(fleet, NAME, (l) => condition(l, 'Available') === 'True', 'Available');

    const watch = watchReadyGroups(fleet);
    const updated = await apply(fleet, withImage(manifest, 'nginxinc/nginx-unprivileged:1.28'));
    assert.equal(updated.currentRevision, 2);
    hashes.push(updated.templateHash);
    const h = hashes[1];
    const end = await waitForGroups(
      fleet,
      NAME,
      SIZE,
      { 0: h, 1: h, 2: h, 3: h },
      'revision 2 everywhere',
    );
    const done = await waitForRolloutDone(fleet, NAME, 2, 'rollout 1 → 2 Complete');
    const { min, samples } = watch.stop();
    assert.ok(samples > 20, `observed ${samples} pod changes`);
    assert.ok(min >= 3, `fewest ready groups seen: ${min}`);
    assert.equal(end.length, 4);
    const settled = groupsOf(fleet, NAME, SIZE);
    assert.deepEqual(
      settled.map((g) => [g.index, g.revision, g.ready]),
      [0, 1, 2, 3].map((i) => [i, h, true]),
    );

    assert.equal(condition(done, 'Available'), 'True');
    assert.equal(condition(done, 'UpdateInProgress'), 'False');
    assert.equal(done.status.updatedReplicas, 4);
    const rollout = done.rollouts.find((r: any) => r.toRevision === 2);
    assert.equal(rollout.fromRevision, 1);
    assert.equal(rollout.fromTemplateHash, hashes[0]);
    assert.equal(rollout.toTemplateHash, h);
    assert.deepEqual(rollout.strategy, {
      replicas: 4,
      maxSurge: 1,
      maxUnavailable: 1,
      partition: 0,
    });
    assert.ok(rollout.finishedAt && rollout.startedAt <= rollout.finishedAt);
    const replaced = rollout.steps.filter((s: any) => s.kind === 'GroupReplaced');
    assert.deepEqual(
      replaced.map((s: any) => s.group),
      [3, 2, 1, 0],
      'groups replaced highest index first',
    );
    for (const s of replaced) {
      assert.equal(s.fromTemplateHash, hashes[0]);
      assert.ok(s.readyAt, `group ${s.group} became ready`);
      assert.ok(s.timeToReadyMs >= 0);
    }
    const surge = rollout.steps.filter((s: any) => s.kind.startsWith('Surge'));
    assert.deepEqual(
      surge.map((s: any) => [s.kind, s.group]),
      [
        ['SurgeGroupAdded', 4],
        ['SurgeGroupRemoved', 4],
      ],
    );
    // Each step is an event in the audit trail too.
    const events = await fleet.api.gql(
      `query($name: String!) { leaderWorkerSet(name: $name) { events(last: 200) { edges { node { type actor } } } } }`,
      { name: NAME },
    );
    const types = events.data!.leaderWorkerSet.events.edges.map((e: any) => e.node.type);
    const count = (t: string) => types.filter((x: string) => x === t).length;
    // One event per fact: reconciles that find nothing new record nothing.
    assert.deepEqual(
      [
        'RolloutStarted',
        'GroupReplaced',
        'SurgeGroupAdded',
        'SurgeGroupRemoved',
        'RolloutCompleted',
      ].map((t) => [t, count(t)]),
      [
        ['RolloutStarted', 1],
        ['GroupReplaced', 4],
        ['SurgeGroupAdded', 1],
        ['SurgeGroupRemoved', 1],
        ['RolloutCompleted', 1],
      ],
      types.join(),
    );
    assert.ok(count('GroupUpdated') >= 4 && count('GroupUpdated') <= 5, types.join());
  });

  test('rollback to revision 1 after two updates makes revision 4 with revision 1’s hash, and the pods end on it', async () => {
    const third = await apply(fleet, withImage(manifest, 'nginxinc/nginx-unprivileged:1.29'));
    assert.equal(third.currentRevision, 3);
    hashes.push(third.templateHash);
    const h3 = hashes[2];
    await waitForGroups(fleet, NAME, SIZE, { 0: h3, 1: h3, 2: h3, 3: h3 }, 'revision 3 everywhere');

    const res = await fleet.api.gql(ROLLBACK, { name: NAME, revision: 1 });
    assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
    const back = res.data!.rollbackLeaderWorkerSet;
    assert.equal(back.currentRevision, 4);
    assert.equal(back.templateHash, hashes[0]);
    assert.match(back.notices.join(' '), /rolled back to revision 1/);

    const h1 = hashes[0];
    await waitForGroups(
      fleet,
      NAME,
      SIZE,
      { 0: h1, 1: h1, 2: h1, 3: h1 },
      'revision 4 (= 1) everywhere',
    );
    const done = await waitForRolloutDone(fleet, NAME, 4, 'rollout 3 → 4 Complete');
    assert.deepEqual(
      done.revisions.map((r: any) => [r.revision, r.templateHash, r.restoredFrom]),
      [
        [1, h1, null],
        [2, hashes[1], null],
        [3, h3, null],
        [4, h1, 1],
      ],
    );
    assert.ok(done.revisions.every((r: any) => r.createdBy === 'tester'));
    assert.equal(done.rollouts.find((r: any) => r.toRevision === 4).fromRevision, 3);
    assert.equal(condition(done, 'Available'), 'True');
    // The spec shows the restored template.
    const spec = await fleet.api.gql(
      `query($name: String!) { leaderWorkerSet(name: $name) { spec } }`,
      { name: NAME },
    );
    assert.equal(
      spec.data!.leaderWorkerSet.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].image,
      'nginxinc/nginx-unprivileged:1.27',
    );
  });

  test('rollback to an unknown revision is NOT_FOUND; to the current one is a no-op that says so', async () => {
    const before = await lws(fleet, NAME);
    const unknown = await fleet.api.gql(ROLLBACK, { name: NAME, revision: 9 });
    assert.deepEqual(codes(unknown), ['NOT_FOUND']);
    const missing = await fleet.api.gql(
      `mutation { rollbackLeaderWorkerSet(name: "nope", revision: 1) { name } }`,
    );
    assert.deepEqual(codes(missing), ['NOT_FOUND']);
    const current = await fleet.api.gql(ROLLBACK, { name: NAME, revision: 4 });
    assert.deepEqual(codes(current), []);
    assert.match(current.data!.rollbackLeaderWorkerSet.notices.join(' '), /current revision/);
    assert.equal(current.data!.rollbackLeaderWorkerSet.currentRevision, 4);
    // Revision 1 has the current template too: nothing to do either.
    const same = await fleet.api.gql(ROLLBACK, { name: NAME, revision: 1 });
    assert.deepEqual(codes(same), []);
    assert.match(same.data!.rollbackLeaderWorkerSet.notices.join(' '), /nothing to roll back/);
    const afterwards = await lws(fleet, NAME);
    assert.equal(afterwards.revisions.length, before.revisions.length);
    assert.equal(afterwards.generation, before.generation);
  });
});
