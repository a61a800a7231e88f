// The rolling update (lws-reference §4.4): upstream's unit pins for the parameter math, the worked
// traces of the integration tests reconcile by reconcile, and the same traces through plan() with
// a fake cluster (groups replaced highest first, surge groups, partition, status conditions).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LABEL_TEMPLATE_REVISION_HASH } from '../../lws/src';
import { lws, type LeaderWorkerSetBuilder } from '../../lws/src/testing';
import { readAnchorState } from './objects';
import { plan } from './plan';
import {
  calculateRollingUpdateReplicas,
  groupsToReplace,
  rollingUpdateParameters,
  settleRollingUpdate,
  statefulSetMaxUnavailable,
  type GroupState,
  type RolloutInput,
} from './rollout';
import { converge, desiredFrom, observed } from './testing';
import type { DesiredLws } from './types';

describe('calculateRollingUpdateReplicas (TestCalculateRollingUpdateReplicas)', () => {
  const rows: [number, number, number, number, number][] = [
    [1, 1, 0, 1, 2],
    [4, 2, 1, 2, 5],
    [2, 2, 1, 2, 3],
    [1, 1, 0, 0, 1],
    [1, 1, 1, 1, 1],
    [3, 0, 0, 1, 3],
  ];
  for (const [R, surge, unavailable, unready, expected] of rows) {
    test(`R${R} surge ${surge} maxUnavailable ${unavailable} unready ${unready} → ${expected}`, () => {
      assert.equal(calculateRollingUpdateReplicas(R, surge, unavailable, unready), expected);
    });
  }
});

const READY_OLD: GroupState = { ready: true, updated: false };
const READY_NEW: GroupState = { ready: true, updated: true };
const UNREADY: GroupState = { ready: false, updated: false };
const UNREADY_NEW: GroupState = { ready: false, updated: true };

function input(partial: Partial<RolloutInput> & Pick<RolloutInput, 'replicas'>): RolloutInput {
  return {
    maxUnavailable: 1,
    maxSurge: 0,
    partition: 0,
    lwsUpdated: false,
    states: [],
    ...partial,
  };
}

describe('rollingUpdateParameters (TestRollingUpdateParameters and §4.4 cases)', () => {
  const rows: { name: string; in: RolloutInput; out: [number, number] }[] = [
    { name: 'first creation', in: input({ replicas: 3 }), out: [0, 3] },
    {
      name: 'R3 sts2 maxUnavailable 0 maxSurge 1, no update',
      in: input({
        replicas: 3,
        maxUnavailable: 0,
        maxSurge: 1,
        previous: { partition: 0, groups: 2, replicas: 2 },
        states: [READY_NEW, READY_NEW],
      }),
      out: [0, 3],
    },
    {
      name: 'R3 sts2 maxUnavailable 0 maxSurge 1, template update',
      in: input({
        replicas: 3,
        maxUnavailable: 0,
        maxSurge: 1,
        lwsUpdated: true,
        previous: { partition: 0, groups: 2, replicas: 2 },
      }),
      out: [2, 3],
    },
    {
      name: 'R2 sts2 maxUnavailable 1 maxSurge 2, template update',
      in: input({
        replicas: 2,
        maxUnavailable: 1,
        maxSurge: 2,
        lwsUpdated: true,
        previous: { partition: 0, groups: 2, replicas: 2 },
      }),
      out: [2, 3],
    },
    {
      name: 'at rest',
      in: input({
        replicas: 4,
        previous: { partition: 0, groups: 4, replicas: 4 },
        states: Array(4).fill(READY_NEW),
      }),
      out: [0, 4],
    },
    {
      name: 'spec partition is a floor',
      in: input({
        replicas: 6,
        partition: 4,
        previous: { partition: 4, groups: 6, replicas: 6 },
        states: Array(6).fill(READY_NEW),
      }),
      out: [4, 6],
    },
    {
      name: 'scaling up during a rollout keeps the partition',
      in: input({
        replicas: 6,
        previous: { partition: 2, groups: 4, replicas: 4 },
        states: [READY_OLD, READY_OLD, READY_NEW, READY_NEW],
      }),
      out: [2, 6],
    },
  ];
  for (const row of rows) {
    test(`${row.name} → (partition ${row.out[0]}, groups ${row.out[1]})`, () => {
      const r = rollingUpdateParameters(row.in);
      assert.deepEqual([r.partition, r.groups], row.out);
    });
  }

  test('statefulSetMaxUnavailable pins (TestLeaderStatefulSetApplyConfig)', () => {
    assert.equal(statefulSetMaxUnavailable({ replicas: 1, maxUnavailable: 2, maxSurge: 1 }), 3);
    assert.equal(statefulSetMaxUnavailable({ replicas: 1, maxUnavailable: 0, maxSurge: 2 }), 1);
    assert.equal(statefulSetMaxUnavailable({ replicas: 0, maxUnavailable: 0, maxSurge: 0 }), 1);
    assert.equal(statefulSetMaxUnavailable({ replicas: 2, maxUnavailable: 1, maxSurge: '50%' }), 2);
  });
});

describe('worked traces, one upstream reconcile at a time', () => {
  test('R4 update: partition 4, then 3 ("Updating replica 3"), 2 after g3 ready, stays 2 while g3 flaps, 0 when all ready', () => {
    const base = { replicas: 4 };
    const seq: number[] = [];
    let r = rollingUpdateParameters(
      input({ ...base, lwsUpdated: true, previous: { partition: 0, groups: 4, replicas: 4 } }),
    );
    seq.push(r.partition);
    const step = (states: GroupState[]) => {
      r = rollingUpdateParameters(
        input({
          ...base,
          previous: { partition: r.partition, groups: r.groups, replicas: 4 },
          states,
        }),
      );
      seq.push(r.partition);
      assert.equal(r.groups, 4);
    };
    step([READY_OLD, READY_OLD, READY_OLD, READY_OLD]);
    step([READY_OLD, READY_OLD, READY_OLD, UNREADY_NEW]);
    step([READY_OLD, READY_OLD, READY_OLD, READY_NEW]);
    step([READY_OLD, READY_OLD, UNREADY_NEW, UNREADY_NEW]);
    step(Array(4).fill(READY_NEW));
    assert.deepEqual(seq, [4, 3, 3, 2, 2, 0]);
  });
  test('R6 update (partition 5), then replicas → 3: partition 3 then 2, 3 groups', () => {
    const states = [READY_OLD, READY_OLD, READY_OLD, READY_OLD, READY_OLD, UNREADY_NEW];
    const steps = settleRollingUpdate(
      {
        replicas: 3,
        maxUnavailable: 1,
        maxSurge: 0,
        partition: 0,
        previous: { partition: 5, groups: 6, replicas: 6 },
        lwsUpdated: false,
      },
      (i) => states[i] ?? UNREADY,
    );
    assert.deepEqual(steps, [
      { partition: 3, groups: 3 },
      { partition: 2, groups: 3 },
    ]);
  });
  test('R4 maxSurge 2, then R → 6, then R → 2: (3, 6), (3, 8), then (1, 3)', () => {
    const cfg = { maxUnavailable: 1, maxSurge: 2, partition: 0, lwsUpdated: false };
    const first = settleRollingUpdate(
      { ...cfg, replicas: 4, lwsUpdated: true, previous: { partition: 0, groups: 4, replicas: 4 } },
      (i) => (i < 4 ? READY_OLD : UNREADY),
    );
    assert.deepEqual(first.at(-1), { partition: 3, groups: 6 });
    const states = [READY_OLD, READY_OLD, READY_OLD, UNREADY_NEW, UNREADY_NEW, UNREADY_NEW];
    const six = settleRollingUpdate(
      { ...cfg, replicas: 6, previous: { partition: 3, groups: 6, replicas: 4 } },
      (i) => states[i] ?? UNREADY,
    );
    assert.deepEqual(six.at(-1), { partition: 3, groups: 8 });
    const two = settleRollingUpdate(
      { ...cfg, replicas: 2, previous: { partition: 3, groups: 8, replicas: 6 } },
      (i) => states[i] ?? UNREADY,
    );
    assert.deepEqual(two.at(-1), { partition: 1, groups: 3 });
  });
  test('R2 all unready, update: partition 1, then 0 after g1 ready', () => {
    const cfg = { replicas: 2, maxUnavailable: 1, maxSurge: 0, partition: 0 };
    const a = settleRollingUpdate(
      { ...cfg, lwsUpdated: true, previous: { partition: 0, groups: 2, replicas: 2 } },
      () => UNREADY,
    );
    assert.deepEqual(a.at(-1), { partition: 1, groups: 2 });
    const b = settleRollingUpdate(
      { ...cfg, lwsUpdated: false, previous: { partition: 1, groups: 2, replicas: 2 } },
      (i) => (i === 1 ? READY_NEW : UNREADY),
    );
    assert.deepEqual(b.at(-1), { partition: 0, groups: 2 });
  });
});

describe('groupsToReplace (the StatefulSet controller step)', () => {
  const c = (index: number, healthy: boolean, updated: boolean, exists = true) => ({
    index,
    healthy,
    updated,
    exists,
    terminating: false,
  });
  test('healthy outdated groups are replaced highest first within maxUnavailable', () => {
    assert.deepEqual(
      groupsToReplace(
        [c(0, true, false), c(1, true, false), c(2, true, false), c(3, true, false)],
        0,
        2,
      ),
      [3, 2],
    );
  });
  test('an unavailable group uses up the budget', () => {
    assert.deepEqual(
      groupsToReplace([c(0, true, false), c(1, true, false), c(2, false, true)], 0, 1),
      [],
    );
  });
  test('nothing below the partition', () => {
    assert.deepEqual(groupsToReplace([c(0, true, false), c(1, true, false)], 1, 5), [1]);
  });
  test('outdated groups that are not ready are replaced without waiting', () => {
    assert.deepEqual(groupsToReplace([c(0, false, false), c(1, false, false)], 1, 1), [1]);
  });
});

/** A fake cluster driven through plan(): each step plans and applies until nothing is left to do. */
class Scenario {
  readonly cluster = observed();
  desired: DesiredLws;
  private history: DesiredLws[] = [];

  constructor(builder: LeaderWorkerSetBuilder) {
    this.desired = desiredFrom(builder);
    const r = converge(this.desired, this.cluster);
    this.desired = { ...this.desired, status: r.last.status };
  }

  /** Applies a new manifest (a new revision when the template changed). */
  apply(builder: LeaderWorkerSetBuilder): this {
    this.history.push(this.desired);
    const next = desiredFrom(builder, {
      history: this.history,
      generation: this.desired.generation + 1,
    });
    this.desired = { ...next, status: this.desired.status };
    return this.settle();
  }

  settle(): this {
    for (let round = 0; round < 10; round++) {
      const result = plan(this.desired, this.cluster.build());
      this.desired = { ...this.desired, status: result.status };
      if (result.actions.length === 0) return this;
      this.cluster.from(result.actions).finishDeletes();
    }
    throw new Error('plan did not settle');
  }

  ready(...groups: number[]): this {
    for (const pod of this.cluster.pods()) {
      const name = pod.metadata?.name ?? '';
      if (
        groups.some(
          (g) =>
            name === `${this.desired.name}-${g}` || name.startsWith(`${this.desired.name}-${g}-`),
        )
      ) {
        this.cluster.ready(name);
      }
    }
    return this.settle();
  }

  state(): { partition: number; groups: number; existing: number[]; updated: number[] } {
    const anchor = readAnchorState(this.cluster.build().anchor);
    const leaders = this.cluster
      .pods()
      .filter((p) => /^[a-z]+-[0-9]+$/.test(p.metadata?.name ?? ''));
    const index = (name?: string) => Number((name ?? '').split('-').pop());
    const existing = leaders.map((p) => index(p.metadata?.name)).sort((a, b) => a - b);
    const updated = leaders
      .filter(
        (p) => p.metadata?.labels?.[LABEL_TEMPLATE_REVISION_HASH] === this.desired.templateHash,
      )
      .map((p) => index(p.metadata?.name))
      .sort((a, b) => a - b);
    return { partition: anchor?.partition ?? -1, groups: anchor?.groups ?? -1, existing, updated };
  }

  condition(type: string): string | undefined {
    return this.desired.status?.conditions?.find((c) => c.type === type)?.status;
  }

  readyGroups(): number {
    return this.desired.status?.readyReplicas ?? 0;
  }
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

function expectState(s: Scenario, partition: number, groups: number, updated: number[]): void {
  const st = s.state();
  assert.deepEqual(
    { partition: st.partition, groups: st.groups, existing: st.existing, updated: st.updated },
    { partition, groups, existing: range(groups), updated },
  );
}

describe('rolling update through plan(), worked traces', () => {
  const v = (b: LeaderWorkerSetBuilder, image: string) => b.image(`nginx:${image}`);

  test('R4 (maxUnavailable 1): groups replaced one at a time from the highest; status per §4.6', () => {
    const mk = () => lws('a').replicas(4);
    const s = new Scenario(v(mk(), '1'));
    s.apply(v(mk(), '2'));
    expectState(s, 3, 4, [3]);
    assert.equal(s.condition('UpdateInProgress'), 'True');
    assert.equal(s.condition('Progressing'), 'True');
    assert.equal(s.condition('Available'), 'False');
    s.ready(3);
    expectState(s, 2, 4, [2, 3]);
    s.ready(2);
    expectState(s, 1, 4, [1, 2, 3]);
    s.ready(1);
    expectState(s, 0, 4, [0, 1, 2, 3]);
    s.ready(0);
    expectState(s, 0, 4, [0, 1, 2, 3]);
    assert.equal(s.condition('Available'), 'True');
    assert.equal(s.condition('UpdateInProgress'), 'False');
    assert.equal(s.condition('Progressing'), 'False');
    assert.equal(s.desired.status?.updatedReplicas, 4);
  });

  test('R4 maxUnavailable 2: 2 → 1 (g3 ready) → 0 (g2 ready)', () => {
    const mk = () => lws('a').replicas(4).maxUnavailable(2);
    const s = new Scenario(v(mk(), '1')).apply(v(mk(), '2'));
    expectState(s, 2, 4, [2, 3]);
    s.ready(3);
    expectState(s, 1, 4, [1, 2, 3]);
    s.ready(2);
    expectState(s, 0, 4, [0, 1, 2, 3]);
  });

  test('R4 maxUnavailable 10: every group at once', () => {
    const mk = () => lws('a').replicas(4).maxUnavailable(10);
    const s = new Scenario(v(mk(), '1')).apply(v(mk(), '2'));
    expectState(s, 0, 4, [0, 1, 2, 3]);
  });

  test('rolling-update.yaml shape (R4, maxSurge 1): surge group 4, never fewer than 3 ready, back to 4 groups', () => {
    const mk = () => lws('a').replicas(4).size(2).maxSurge(1);
    const s = new Scenario(v(mk(), '1')).apply(v(mk(), '2'));
    const minReady: number[] = [s.readyGroups()];
    expectState(s, 3, 5, [3, 4]);
    s.ready(4);
    minReady.push(s.readyGroups());
    expectState(s, 2, 5, [2, 3, 4]);
    s.ready(3);
    minReady.push(s.readyGroups());
    expectState(s, 1, 5, [1, 2, 3, 4]);
    s.ready(2);
    minReady.push(s.readyGroups());
    expectState(s, 0, 5, [0, 1, 2, 3, 4]);
    s.ready(1);
    minReady.push(s.readyGroups());
    expectState(s, 0, 4, [0, 1, 2, 3]);
    s.ready(0);
    assert.equal(s.condition('Available'), 'True');
    assert.ok(Math.min(...minReady) >= 3, `ready groups along the way: ${minReady.join(',')}`);
  });

  test('R4 maxUnavailable 0, maxSurge 1: 4 → 3 → 2 → 1 → 0 as g4, g3, g2, g1 get ready; 5 groups until g0 ready', () => {
    const mk = () => lws('a').replicas(4).maxUnavailable(0).maxSurge(1);
    const s = new Scenario(v(mk(), '1')).apply(v(mk(), '2'));
    expectState(s, 4, 5, [4]);
    s.ready(4);
    expectState(s, 3, 5, [3, 4]);
    s.ready(3);
    expectState(s, 2, 5, [2, 3, 4]);
    s.ready(2);
    expectState(s, 1, 5, [1, 2, 3, 4]);
    s.ready(1);
    expectState(s, 0, 5, [0, 1, 2, 3, 4]);
    s.ready(0);
    expectState(s, 0, 4, [0, 1, 2, 3]);
    assert.equal(s.desired.status?.readyReplicas, 4);
  });

  test('R4 maxSurge 2, maxUnavailable 2: partition 2 with 6 groups, 4 once g3 and g2 are ready', () => {
    const mk = () => lws('a').replicas(4).maxUnavailable(2).maxSurge(2);
    const s = new Scenario(v(mk(), '1')).apply(v(mk(), '2'));
    expectState(s, 2, 6, [2, 3, 4, 5]);
    s.ready(3, 2);
    assert.equal(s.state().groups, 4);
    s.ready(0, 1);
    expectState(s, 0, 4, [0, 1, 2, 3]);
  });

  test('R4 → 6 together with a template change: new groups 4, 5 on the new template, partition 4', () => {
    const s = new Scenario(v(lws('a').replicas(4), '1')).apply(v(lws('a').replicas(6), '2'));
    expectState(s, 4, 6, [4, 5]);
    s.ready(4, 5);
    s.ready(3).ready(2).ready(1).ready(0);
    expectState(s, 0, 6, range(6));
  });

  test('R4 update, g3 ready (partition 2), then R → 6: partition stays 2', () => {
    const s = new Scenario(v(lws('a').replicas(4), '1'))
      .apply(v(lws('a').replicas(4), '2'))
      .ready(3);
    expectState(s, 2, 4, [2, 3]);
    s.apply(v(lws('a').replicas(6), '2'));
    expectState(s, 2, 6, [2, 3, 4, 5]);
  });

  test('R6 update (partition 5), then R → 3: partition 2 with 3 groups', () => {
    const s = new Scenario(v(lws('a').replicas(6), '1')).apply(v(lws('a').replicas(6), '2'));
    expectState(s, 5, 6, [5]);
    s.apply(v(lws('a').replicas(3), '2'));
    expectState(s, 2, 3, [2]);
  });

  test('R2 → 4 with an update, maxSurge 2: partition 2, 6 groups', () => {
    const s = new Scenario(v(lws('a').replicas(2).maxSurge(2), '1')).apply(
      v(lws('a').replicas(4).maxSurge(2), '2'),
    );
    const st = s.state();
    assert.equal(st.partition, 2);
    assert.equal(st.groups, 6);
    assert.deepEqual(st.updated, [2, 3, 4, 5]);
  });

  test('R6 → 3 with an update, maxSurge 2: partition 2, 5 groups, then 3', () => {
    const s = new Scenario(v(lws('a').replicas(6).maxSurge(2), '1')).apply(
      v(lws('a').replicas(3).maxSurge(2), '2'),
    );
    expectState(s, 2, 5, [2, 3, 4]);
    s.ready(2, 3, 4).ready(0, 1);
    expectState(s, 0, 3, [0, 1, 2]);
  });

  test('R2, maxSurge 4 (capped to 2): partition 1, 3 groups', () => {
    const s = new Scenario(v(lws('a').replicas(2).maxSurge(4), '1')).apply(
      v(lws('a').replicas(2).maxSurge(4), '2'),
    );
    expectState(s, 1, 3, [1, 2]);
  });

  test('R4 maxUnavailable 2 with g1 unready before the update: partition 3, g1 left alone', () => {
    const mk = () => lws('a').replicas(4).maxUnavailable(2);
    const s = new Scenario(v(mk(), '1'));
    s.cluster.notReady('a-1');
    s.apply(v(mk(), '2'));
    expectState(s, 3, 4, [3]);
  });

  test('R2, all groups unready, update: still progresses (partition 1, then 0 after g1 ready)', () => {
    const mk = () => lws('a').replicas(2);
    const s = new Scenario(v(mk(), '1'));
    s.cluster.notReady('a-0').notReady('a-1');
    s.apply(v(mk(), '2'));
    expectState(s, 1, 2, [1]);
    s.ready(1);
    expectState(s, 0, 2, [0, 1]);
  });

  test('R6 partition 4: only groups 5 and 4 update, Available; lowering the partition to 2 continues', () => {
    const mk = (p: number) => lws('a').replicas(6).partition(p);
    const s = new Scenario(v(mk(4), '1'));
    expectState(s, 4, 6, range(6));
    s.apply(v(mk(4), '2'));
    expectState(s, 5, 6, [5]);
    s.ready(5);
    expectState(s, 4, 6, [4, 5]);
    s.ready(4);
    expectState(s, 4, 6, [4, 5]);
    assert.equal(s.condition('Available'), 'True');
    s.apply(v(mk(2), '2'));
    expectState(s, 3, 6, [3, 4, 5]);
    s.ready(3);
    expectState(s, 2, 6, [2, 3, 4, 5]);
  });

  test('R3 maxSurge 1 partition 2: surge group stays until the partition is reset', () => {
    const mk = (p: number) => lws('a').replicas(3).maxSurge(1).partition(p);
    const s = new Scenario(v(mk(2), '1')).apply(v(mk(2), '2'));
    expectState(s, 2, 4, [2, 3]);
    s.ready(2, 3);
    expectState(s, 2, 4, [2, 3]);
    s.apply(v(mk(0), '2'));
    expectState(s, 0, 4, [0, 1, 2, 3]);
    s.ready(0, 1);
    expectState(s, 0, 3, [0, 1, 2]);
  });

  test('a second template change mid-rollout restarts from min(R, groups) and ends on the newest', () => {
    const mk = () => lws('a').replicas(4).maxSurge(2);
    const s = new Scenario(v(mk(), '1')).apply(v(mk(), '2'));
    expectState(s, 3, 6, [3, 4, 5]);
    s.apply(v(mk(), '3'));
    const st = s.state();
    assert.equal(st.partition, 3);
    assert.equal(st.groups, 6);
    for (let round = 0; round < 6; round++) s.ready(...range(6));
    expectState(s, 0, 4, [0, 1, 2, 3]);
  });

  test('changing only replicas, partition, startupPolicy or metadata never replaces a group', () => {
    const s = new Scenario(lws('a').replicas(3).size(2));
    const before = s.cluster
      .pods()
      .map((p) => p.metadata?.uid)
      .sort();
    s.apply(
      lws('a').replicas(3).size(2).partition(1).startupPolicy('LeaderReady').label('team', 'x'),
    );
    assert.deepEqual(
      s.cluster
        .pods()
        .map((p) => p.metadata?.uid)
        .sort(),
      before,
    );
    assert.equal(s.condition('Available'), 'True');
  });

  test('a lost group below the partition comes back on its old revision', () => {
    const mk = (p: number) => lws('a').replicas(3).partition(p);
    const s = new Scenario(v(mk(2), '1'));
    const oldHash = s.desired.templateHash;
    s.apply(v(mk(2), '2')).ready(2);
    s.cluster.remove('Pod', 'a-0');
    s.settle();
    assert.equal(s.cluster.pod('a-0').metadata?.labels?.[LABEL_TEMPLATE_REVISION_HASH], oldHash);
    assert.equal(s.cluster.pod('a-0').spec?.containers[0].image, 'nginx:1');
  });

  test('a size change replaces groups whole; old groups keep their worker count until replaced', () => {
    const s = new Scenario(lws('a').replicas(2).size(3));
    s.apply(lws('a').replicas(2).size(2));
    assert.deepEqual(
      s.cluster
        .pods()
        .map((p) => p.metadata?.name)
        .sort(),
      ['a-0', 'a-0-1', 'a-0-2', 'a-1', 'a-1-1'],
    );
    s.ready(1).ready(0);
    assert.deepEqual(
      s.cluster
        .pods()
        .map((p) => p.metadata?.name)
        .sort(),
      ['a-0', 'a-0-1', 'a-1', 'a-1-1'],
    );
    assert.equal(s.condition('Available'), 'True');
  });

  test('without the old revision in desired.revisions, old groups are still counted by their size annotation', () => {
    const s = new Scenario(lws('a').replicas(2).size(3));
    const next = desiredFrom(lws('a').replicas(2).size(2));
    const result = plan({ ...next, status: s.desired.status }, s.cluster.build());
    // Group 0 stays ready (3 pods by its annotation), so only group 1 is replaced.
    assert.deepEqual(
      result.actions.filter((a) => a.type === 'delete').map((a) => a.name),
      ['a-1'],
    );
    assert.equal(result.status.readyReplicas, 2);
  });

  test('Shared → UniquePerReplica: per-group Services for every leader, the shared one stays', () => {
    const s = new Scenario(lws('a').replicas(2).size(2));
    s.apply(lws('a').replicas(2).size(2).subdomainPolicy('UniquePerReplica'));
    assert.ok(s.cluster.has('Service', 'a'));
    assert.ok(s.cluster.has('Service', 'a-0') && s.cluster.has('Service', 'a-1'));
    s.ready(1).ready(0);
    const leader = s.cluster.pod('a-0');
    assert.equal(leader.spec?.subdomain, 'a-0');
    assert.equal(
      s.cluster.get('Service', 'a-0').metadata?.ownerReferences?.[0].uid,
      leader.metadata?.uid,
    );
    assert.ok(s.cluster.has('Service', 'a'), 'never deleted, as upstream');
  });

  test('changing only the exclusive-topology annotation rolls the leaders (no new revision), highest first', () => {
    const s = new Scenario(lws('a').replicas(3).size(2));
    s.cluster.node('n1', { rack: 'r1' });
    const hash = s.desired.templateHash;
    s.apply(lws('a').replicas(3).size(2).exclusiveTopology('rack'));
    assert.equal(s.desired.templateHash, hash, 'same revision');
    const pods = () => s.cluster.pods().filter((p) => /^a-[0-9]$/.test(p.metadata?.name ?? ''));
    const rolled = () =>
      pods()
        .filter(
          (p) =>
            p.metadata?.annotations?.['leaderworkerset.sigs.k8s.io/exclusive-topology'] === 'rack',
        )
        .map((p) => p.metadata?.name)
        .sort();
    assert.deepEqual(rolled(), ['a-2']);
    // The leader is ready and scheduled first; its workers follow, pinned to its rack.
    s.ready(2);
    assert.deepEqual(s.cluster.pod('a-2-1').spec?.nodeSelector, { rack: 'r1' });
    s.ready(2);
    assert.deepEqual(rolled(), ['a-1', 'a-2']);
    s.ready(1).ready(1).ready(0).ready(0);
    assert.deepEqual(rolled(), ['a-0', 'a-1', 'a-2']);
    assert.equal(s.condition('Available'), 'True');
  });
});
