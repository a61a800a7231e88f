// Status and conditions (lws-reference §4.6): counting rules and the condition state machine.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaderWorkerSetCondition } from '../../lws/src';
import { lws } from '../../lws/src/testing';
import { plan } from './plan';
import { computeStatus, setCondition, type StatusGroup, type StatusInput } from './status';
import { converge, desiredFrom, observed } from './testing';

const T0 = '2026-11-29T08:00:00Z';
const T1 = '2026-11-29T09:00:00Z';

const g = (index: number, ready: boolean, updated: boolean, counted = true): StatusGroup => ({
  index,
  ready,
  updated,
  counted,
});

function status(partial: Partial<StatusInput>) {
  return computeStatus({
    name: 'x',
    generation: 1,
    replicas: 2,
    partition: 0,
    leaderPods: 2,
    groups: [],
    now: T1,
    ...partial,
  });
}

function conds(list: LeaderWorkerSetCondition[] | undefined): string[] {
  return (list ?? []).map((c) => `${c.type}=${c.status}`);
}

const cond = (
  type: string,
  s: 'True' | 'False',
  generation = 1,
  time = T0,
): LeaderWorkerSetCondition => ({
  type,
  status: s,
  reason:
    {
      Available: 'AllGroupsReady',
      Progressing: 'GroupsProgressing',
      UpdateInProgress: 'GroupsUpdating',
    }[type] ?? '',
  message:
    {
      Available: 'All replicas are ready',
      Progressing: 'Replicas are progressing',
      UpdateInProgress: 'Rolling Upgrade is in progress',
    }[type] ?? '',
  lastTransitionTime: time,
  observedGeneration: generation,
});

describe('counting', () => {
  const rows: {
    name: string;
    in: Partial<StatusInput>;
    ready: number;
    updated: number;
    conditions: string[];
  }[] = [
    {
      name: 'nothing yet: Progressing',
      in: { groups: [] },
      ready: 0,
      updated: 0,
      conditions: ['Progressing=True'],
    },
    {
      name: 'all ready and updated: Available',
      in: { groups: [g(0, true, true), g(1, true, true)] },
      ready: 2,
      updated: 2,
      conditions: ['Available=True'],
    },
    {
      name: 'one group not ready: Progressing',
      in: { groups: [g(0, true, true), g(1, false, true)] },
      ready: 1,
      updated: 2,
      conditions: ['Progressing=True'],
    },
    {
      name: 'an outdated group: UpdateInProgress and Progressing',
      in: { groups: [g(0, true, false), g(1, true, true)] },
      ready: 2,
      updated: 1,
      conditions: ['UpdateInProgress=True', 'Progressing=True'],
    },
    {
      name: 'groups without workers yet are not counted at all (§8.10)',
      in: { groups: [g(0, false, false, false), g(1, true, true)] },
      ready: 1,
      updated: 1,
      conditions: ['Progressing=True'],
    },
    {
      name: 'surge groups count in ready/updated but not for Available',
      in: { groups: [g(0, true, true), g(1, true, true), g(2, true, true)], leaderPods: 3 },
      ready: 3,
      updated: 3,
      conditions: ['Available=True'],
    },
    {
      name: 'groups below the partition need not be updated for Available',
      in: { partition: 1, groups: [g(0, true, false), g(1, true, true)] },
      ready: 2,
      updated: 1,
      conditions: ['Available=True'],
    },
    {
      name: 'replicas 0 is Available at once',
      in: { replicas: 0, leaderPods: 0, groups: [] },
      ready: 0,
      updated: 0,
      conditions: ['Available=True'],
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const { status: s } = status(row.in);
      assert.equal(s.readyReplicas, row.ready);
      assert.equal(s.updatedReplicas, row.updated);
      assert.deepEqual(conds(s.conditions), row.conditions);
    });
  }
  test('replicas, observedGeneration and hpaPodSelector', () => {
    const { status: s } = status({ leaderPods: 3, generation: 7 });
    assert.equal(s.replicas, 3);
    assert.equal(s.observedGeneration, 7);
    assert.equal(
      s.hpaPodSelector,
      'leaderworkerset.sigs.k8s.io/name=x,leaderworkerset.sigs.k8s.io/worker-index=0',
    );
  });
  test('hpaPodSelector is written once and kept', () => {
    const { status: s } = status({ previous: { hpaPodSelector: 'custom' } });
    assert.equal(s.hpaPodSelector, 'custom');
  });
  test('updateDone only with partition 0 and every desired group ready and updated', () => {
    assert.equal(status({ groups: [g(0, true, true), g(1, true, true)] }).updateDone, true);
    assert.equal(
      status({ partition: 1, groups: [g(0, true, true), g(1, true, true)] }).updateDone,
      false,
    );
    assert.equal(status({ groups: [g(0, true, true), g(1, false, true)] }).updateDone, false);
  });
});

describe('condition transitions (setCondition)', () => {
  const rows: {
    name: string;
    before: LeaderWorkerSetCondition[];
    groups: StatusGroup[];
    generation?: number;
    after: string[];
  }[] = [
    {
      name: 'Progressing → Available turns Progressing False',
      before: [cond('Progressing', 'True')],
      groups: [g(0, true, true), g(1, true, true)],
      after: ['Progressing=False', 'Available=True'],
    },
    {
      name: 'Available → scale up: Progressing True, Available False',
      before: [cond('Progressing', 'False'), cond('Available', 'True')],
      groups: [g(0, true, true), g(1, false, true)],
      after: ['Progressing=True', 'Available=False'],
    },
    {
      name: 'Available → update: UpdateInProgress and Progressing True, Available False',
      before: [cond('Progressing', 'False'), cond('Available', 'True')],
      groups: [g(0, true, false), g(1, true, true)],
      after: ['Progressing=True', 'Available=False', 'UpdateInProgress=True'],
    },
    {
      name: 'UpdateInProgress stays True when going to plain Progressing',
      before: [
        cond('Progressing', 'True'),
        cond('Available', 'False'),
        cond('UpdateInProgress', 'True'),
      ],
      groups: [g(0, true, true), g(1, false, true)],
      after: ['Progressing=True', 'Available=False', 'UpdateInProgress=True'],
    },
    {
      name: 'update done: Available True, Progressing and UpdateInProgress False',
      before: [
        cond('Progressing', 'True'),
        cond('Available', 'False'),
        cond('UpdateInProgress', 'True'),
      ],
      groups: [g(0, true, true), g(1, true, true)],
      after: ['Progressing=False', 'Available=True', 'UpdateInProgress=False'],
    },
    {
      name: 'wiped conditions: Progressing again',
      before: [],
      groups: [g(0, true, true)],
      after: ['Progressing=True'],
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const { status: s } = status({ groups: row.groups, previous: { conditions: row.before } });
      assert.deepEqual(conds(s.conditions), row.after);
    });
  }
  test('an unchanged condition keeps its transition time; a flipped one gets now', () => {
    const { status: s } = status({
      groups: [g(0, true, true), g(1, true, true)],
      previous: { conditions: [cond('Progressing', 'True'), cond('Available', 'True')] },
    });
    const byType = Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(byType.Available.lastTransitionTime, T0);
    assert.equal(byType.Progressing.lastTransitionTime, T1);
    assert.equal(byType.Progressing.reason, 'GroupsProgressing', 'reason and message kept');
  });
  test('a new generation refreshes observedGeneration on every condition', () => {
    const { status: s } = status({
      generation: 3,
      groups: [g(0, true, true), g(1, true, true)],
      previous: { conditions: [cond('Progressing', 'False'), cond('Available', 'True')] },
    });
    assert.deepEqual(
      (s.conditions ?? []).map((c) => c.observedGeneration),
      [3, 3],
    );
  });
  test('Progressing and UpdateInProgress are not exclusive', () => {
    const out = setCondition([cond('Progressing', 'True')], cond('UpdateInProgress', 'True'), T1);
    assert.deepEqual(conds(out), ['Progressing=True', 'UpdateInProgress=True']);
  });
  test("reasons and messages are upstream's", () => {
    const { status: s } = status({ groups: [g(0, true, false)] });
    assert.deepEqual(
      (s.conditions ?? []).map((c) => [c.type, c.reason, c.message]),
      [
        ['UpdateInProgress', 'GroupsUpdating', 'Rolling Upgrade is in progress'],
        ['Progressing', 'GroupsProgressing', 'Replicas are progressing'],
      ],
    );
  });
});

describe('status through plan()', () => {
  test('creation: Progressing first, never UpdateInProgress, then Available', () => {
    const desired = desiredFrom(lws('s').replicas(2).size(2).maxSurge(1));
    const first = plan(desired, observed().build());
    assert.deepEqual(conds(first.status.conditions), ['Progressing=True']);
    const done = converge({ ...desired, status: first.status }, observed());
    assert.deepEqual(conds(done.last.status.conditions), ['Progressing=False', 'Available=True']);
    assert.equal(done.last.status.replicas, 2);
    assert.equal(done.last.status.readyReplicas, 2);
  });
  test('a group with a restarted container is not ready until recreated', () => {
    const desired = desiredFrom(lws('s').replicas(2).size(2).restartPolicy('None'));
    const cluster = observed();
    const r = converge(desired, cluster);
    cluster.notReady('s-1-1');
    const next = plan({ ...desired, status: r.last.status }, cluster.build());
    assert.equal(next.status.readyReplicas, 1);
    assert.deepEqual(conds(next.status.conditions), ['Progressing=True', 'Available=False']);
    assert.equal(next.groups[1].ready, false);
    assert.equal(next.groups[0].ready, true);
  });
  test('group views list leader, workers and subgroups', () => {
    const desired = desiredFrom(lws('v').replicas(1).size(5).subGroup(2, 'LeaderExcluded'));
    const { groups } = plan(desired, observed().build());
    assert.deepEqual(groups, [
      {
        index: 0,
        ready: false,
        revision: desired.templateHash,
        updated: false,
        surge: false,
        leader: 'v-0',
        workers: ['v-0-1', 'v-0-2', 'v-0-3', 'v-0-4'],
        subGroups: [
          { index: 0, pods: ['v-0-1', 'v-0-2'] },
          { index: 1, pods: ['v-0-3', 'v-0-4'] },
        ],
      },
    ]);
  });
});
