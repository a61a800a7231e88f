// plan() on a large LWS mid-rollout (100 groups × 4 pods, maxSurge 10, maxUnavailable 0): old and
// new revisions side by side, surge groups, replaced groups terminating or pending, and restarts,
// failures and deletions in old groups, all in one plan. Pins the actions in order, the waiting
// groups and the status, so that a change made for speed that changes behaviour fails here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lws } from '../../lws/src/testing';
import { plan } from './plan';
import { converge, desiredFrom, observed } from './testing';
import type { Action, DesiredLws, PlanResult } from './types';

const manifest = (image: string) =>
  lws('big').replicas(100).size(4).maxSurge(10).maxUnavailable(0).image(image);

function summary(actions: Action[]): string[] {
  return actions.map((a) =>
    a.type === 'createNamespace' ? `createNamespace ${a.namespace}` : `${a.type} ${a.name}`,
  );
}

function podNames(groups: number[]): string[] {
  return groups.flatMap((i) => [`big-${i}`, `big-${i}-1`, `big-${i}-2`, `big-${i}-3`]);
}

const creates = (groups: number[]) => podNames(groups).map((name) => `create ${name}`);

function waiting(result: PlanResult): string[] {
  return result.groups.filter((g) => g.waiting).map((g) => `${g.index}: ${g.waiting}`);
}

describe('plan() on 100 groups mid-rollout', () => {
  const v1 = desiredFrom(manifest('img:1'));
  const cluster = observed();
  const first = converge(v1, cluster);
  let desired: DesiredLws = {
    ...desiredFrom(manifest('img:2'), { history: [v1], generation: 2 }),
    status: first.last.status,
  };
  cluster.keepTerminating();
  const step = (): PlanResult => {
    const result = plan(desired, cluster.build());
    desired = { ...desired, status: result.status };
    cluster.from(result.actions);
    return result;
  };
  const old = v1.templateHash;
  const next = desired.templateHash;

  test('the rollout starts with the 10 surge groups, highest first', () => {
    const result = step();
    const surge = [109, 108, 107, 106, 105, 104, 103, 102, 101, 100];
    assert.deepEqual(summary(result.actions), ['patch big.lws-fleet', ...creates(surge)]);
    assert.equal(
      result.actions[0].reason,
      `rollout started: revision ${old} → ${next} (partition 100, 110 groups)`,
    );
    assert.equal(result.groups.length, 110);
  });

  test('surge groups Ready but 105: groups 99 to 96 replaced', () => {
    for (const name of podNames([100, 101, 102, 103, 104, 105, 106, 107, 108, 109])) {
      if (name === 'big-105-2') cluster.notReady(name);
      else cluster.ready(name);
    }
    const result = step();
    assert.deepEqual(summary(result.actions), [
      'patch big.lws-fleet',
      'delete big-99',
      'delete big-98',
      'delete big-97',
      'delete big-96',
    ]);
    assert.equal(result.actions[0].reason, 'anchor updated: partition 100 → 96, groups 110 → 110');
    assert.deepEqual(waiting(result), [
      '96: group being recreated',
      '97: group being recreated',
      '98: group being recreated',
      '99: group being recreated',
    ]);
  });

  test('replaced groups gone: recreated on the new revision, highest first', () => {
    cluster.finishDeletes();
    const result = step();
    assert.deepEqual(summary(result.actions), creates([99, 98, 97, 96]));
    for (const a of result.actions) {
      assert.ok(a.type === 'create' && a.reason.endsWith(`(revision ${next})`), a.reason);
    }
  });

  test('a mixed cluster: terminating, pending, not ready, restarted, failed, deleted, lost', () => {
    for (const name of podNames([98, 99])) cluster.ready(name);
    cluster.ready('big-105-2');
    let result = step();
    // 109 … 98 Ready and updated: the partition drops to 88; 96 and 97 are pending, so 8 go.
    assert.deepEqual(summary(result.actions), [
      'patch big.lws-fleet',
      ...[95, 94, 93, 92, 91, 90, 89, 88].map((i) => `delete big-${i}`),
    ]);

    cluster
      .notReady('big-3-2')
      .terminate('big-50-1')
      .fail('big-20-3', 'Error')
      .restart('big-10-1', 'server', 137, 'OOMKilled')
      .remove('Pod', 'big-30-2')
      .terminate('big-40');
    const input = cluster.build();
    assert.equal(input.pods.length, 439);
    assert.equal(input.pods.filter((p) => p.metadata?.deletionTimestamp).length, 34);
    const before = structuredClone(input);
    result = plan(desired, input);
    assert.deepEqual(input, before, 'plan() leaves its input alone');

    assert.deepEqual(
      summary(result.actions).map((line, k) => `${line}: ${result.actions[k].reason}`),
      [
        'delete big-10: group 10 recreated: worker big-10-1 container server restarted (exit 137 OOMKilled)',
        'delete big-20: group 20 recreated: worker big-20-3 failed (Error)',
        'delete big-30: group 30 recreated: worker big-30-2 lost',
        'delete big-50: group 50 recreated: worker big-50-1 deleted',
      ],
    );
    assert.deepEqual(waiting(result), [
      '10: group being recreated',
      '20: group being recreated',
      '30: group being recreated',
      '40: leader big-40 terminating',
      '50: group being recreated',
      ...[88, 89, 90, 91, 92, 93, 94, 95].map((i) => `${i}: leader big-${i} terminating`),
    ]);
    const { conditions, ...counts } = result.status;
    assert.deepEqual(counts, {
      // Not ready: 3, 20, 30, 40, 50, 88 … 95 (terminating), 96 and 97 (pending).
      readyReplicas: 95,
      // 96 … 109.
      updatedReplicas: 14,
      replicas: 110,
      hpaPodSelector:
        'leaderworkerset.sigs.k8s.io/name=big,leaderworkerset.sigs.k8s.io/worker-index=0',
      observedGeneration: 2,
    });
    assert.deepEqual(
      conditions?.map((c) => `${c.type}=${c.status}`),
      ['Progressing=True', 'Available=False', 'UpdateInProgress=True'],
    );
    assert.equal(result.groups.length, 110);
    const revisions = result.groups.map((g) => (g.revision === next ? 'new' : 'old'));
    assert.equal(revisions.filter((r) => r === 'new').length, 14);
    assert.deepEqual(result.groups.filter((g) => g.ready).length, result.status.readyReplicas);
    assert.deepEqual(
      result.groups.filter((g) => g.surge).map((g) => g.index),
      [100, 101, 102, 103, 104, 105, 106, 107, 108, 109],
    );
  });
});
