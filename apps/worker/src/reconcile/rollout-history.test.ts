import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Action, AnchorState, GroupView } from '../../../../libs/planner/src';
import {
  deriveRolloutFacts,
  leaderIndex,
  revisionOfHash,
  type OpenRollout,
  type RolloutHistoryInput,
} from './rollout-history';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:02.500Z';

const group = (index: number, revision: string, ready = true, updated = true): GroupView => ({
  index,
  ready,
  revision,
  updated,
  surge: index >= 4,
  leader: `lws-${index}`,
  workers: [],
  subGroups: [],
});

const anchor = (over: Partial<AnchorState> = {}): AnchorState => ({
  templateHash: 'h1',
  stableTemplateHash: 'h1',
  partition: 0,
  groups: 4,
  replicas: 4,
  ...over,
});

const anchorPatch = (state: AnchorState): Action => ({
  type: 'patch',
  kind: 'ConfigMap',
  namespace: 'default',
  name: 'lws.lws-fleet',
  patch: {
    data: {
      templateHash: state.templateHash,
      stableTemplateHash: state.stableTemplateHash,
      partition: String(state.partition),
      groups: String(state.groups),
      replicas: String(state.replicas),
    },
  },
  reason: 'anchor updated',
});

const del = (name: string, cause = false): Action => ({
  type: 'delete',
  kind: 'Pod',
  namespace: 'default',
  name,
  uid: `uid-${name}`,
  propagationPolicy: 'Foreground',
  reason: 'test',
  ...(cause ? { cause: { pod: name, role: 'leader' as const, event: 'failed' as const } } : {}),
});

const create = (name: string): Action => ({
  type: 'create',
  kind: 'Pod',
  namespace: 'default',
  name,
  object: { metadata: { name } },
  reason: 'test',
});

const open = (over: Partial<OpenRollout> = {}): OpenRollout => ({
  toRevision: 2,
  toTemplateHash: 'h2',
  state: 'Progressing',
  startedAt: T0,
  pausedAtPartition: null,
  pending: {},
  ...over,
});

function input(over: Partial<RolloutHistoryInput> = {}): RolloutHistoryInput {
  return {
    uid: 'u',
    cluster: 'east',
    lwsName: 'lws',
    now: T1,
    revision: 2,
    templateHash: 'h2',
    revisions: [
      { revision: 1, templateHash: 'h1' },
      { revision: 2, templateHash: 'h2' },
    ],
    replicas: 4,
    rollingUpdate: { maxSurge: 1, maxUnavailable: 1, partition: 0 },
    previousAnchor: anchor({ templateHash: 'h2', stableTemplateHash: 'h2' }),
    groups: [0, 1, 2, 3].map((i) => group(i, 'h2')),
    actions: [],
    ...over,
  };
}

const types = (facts: ReturnType<typeof deriveRolloutFacts>) => facts.map((f) => f.type);

describe('rollout history derivation', () => {
  test('a converged LWS with no open rollout yields nothing; neither does creation', () => {
    assert.deepEqual(deriveRolloutFacts(input()), []);
    assert.deepEqual(
      deriveRolloutFacts(input({ previousAnchor: undefined, groups: [group(0, 'h2', false)] })),
      [],
    );
  });

  test('a new template starts a rollout from the revision the anchor was on, with the strategy', () => {
    const facts = deriveRolloutFacts(
      input({
        previousAnchor: anchor(),
        groups: [0, 1, 2, 3].map((i) => group(i, 'h1', true, false)),
        actions: [
          anchorPatch(anchor({ templateHash: 'h2', partition: 3, groups: 5 })),
          del('lws-3'),
          create('lws-4'),
        ],
      }),
    );
    assert.deepEqual(types(facts), ['RolloutStarted', 'GroupReplaced', 'SurgeGroupAdded']);
    assert.deepEqual(facts[0].data, {
      uid: 'u',
      cluster: 'east',
      toRevision: 2,
      fromRevision: 1,
      fromTemplateHash: 'h1',
      toTemplateHash: 'h2',
      strategy: {
        type: 'RollingUpdate',
        replicas: 4,
        maxSurge: 1,
        maxUnavailable: 1,
        partition: 0,
      },
    });
    assert.deepEqual(facts[1].data, {
      uid: 'u',
      cluster: 'east',
      toRevision: 2,
      group: 3,
      fromTemplateHash: 'h1',
      toTemplateHash: 'h2',
    });
    assert.equal((facts[2].data as { group: number }).group, 4);
  });

  test('a template change mid-rollout supersedes the open rollout first', () => {
    const facts = deriveRolloutFacts(
      input({
        revision: 3,
        templateHash: 'h3',
        revisions: [
          { revision: 1, templateHash: 'h1' },
          { revision: 2, templateHash: 'h2' },
          { revision: 3, templateHash: 'h3' },
        ],
        previousAnchor: anchor({ templateHash: 'h2', stableTemplateHash: 'h1', partition: 2 }),
        groups: [
          group(0, 'h1', true, false),
          group(1, 'h1', true, false),
          group(2, 'h2', true, false),
          group(3, 'h2', true, false),
        ],
        open: open(),
      }),
    );
    assert.deepEqual(types(facts), ['RolloutSuperseded', 'RolloutStarted']);
    assert.deepEqual(facts[0].data, { uid: 'u', cluster: 'east', toRevision: 2, byRevision: 3 });
    assert.equal((facts[1].data as { fromRevision: number }).fromRevision, 2);
  });

  test('a rollback revision sharing an old hash is told apart by number', () => {
    const revisions = [
      { revision: 1, templateHash: 'h1' },
      { revision: 2, templateHash: 'h2' },
      { revision: 3, templateHash: 'h3' },
      { revision: 4, templateHash: 'h1' },
      { revision: 5, templateHash: 'h5' },
    ];
    assert.equal(revisionOfHash(revisions, 'h1', 5), 4);
    assert.equal(revisionOfHash(revisions, 'h1', 4), 1);
    assert.equal(revisionOfHash(revisions, 'nope', 5), null);
  });

  test('a replaced group that becomes ready on the new revision is GroupUpdated with its time to ready', () => {
    const facts = deriveRolloutFacts(
      input({
        previousAnchor: anchor({ templateHash: 'h2', stableTemplateHash: 'h1', partition: 2 }),
        groups: [
          group(0, 'h1', true, false),
          group(1, 'h1', true, false),
          group(2, 'h1', true, false),
          group(3, 'h2'),
        ],
        open: open({ pending: { 3: T0 } }),
      }),
    );
    assert.deepEqual(facts, [
      {
        type: 'GroupUpdated',
        data: {
          uid: 'u',
          cluster: 'east',
          toRevision: 2,
          group: 3,
          surge: false,
          readyAfterMs: 2500,
        },
      },
    ]);
  });

  test('surge groups removed; recreations for the restart policy are not rollout steps', () => {
    const facts = deriveRolloutFacts(
      input({
        previousAnchor: anchor({ templateHash: 'h2', stableTemplateHash: 'h1', groups: 5 }),
        groups: [
          group(0, 'h1', false, false),
          ...[1, 2, 3].map((i) => group(i, 'h2')),
          group(4, 'h2'),
        ],
        actions: [del('lws-4'), del('lws-0', true)],
        open: open(),
      }),
    );
    assert.deepEqual(types(facts), ['SurgeGroupRemoved']);
  });

  test('completes once every desired group is updated and ready and no surge group is left', () => {
    const facts = deriveRolloutFacts(
      input({
        previousAnchor: anchor({ templateHash: 'h2', stableTemplateHash: 'h2' }),
        open: open({ pending: { 0: T0 } }),
      }),
    );
    assert.deepEqual(types(facts), ['GroupUpdated', 'RolloutCompleted']);
    assert.equal((facts[1].data as { durationMs: number }).durationMs, 2500);
    // A surge group still observed keeps it open.
    assert.deepEqual(
      types(
        deriveRolloutFacts(input({ groups: [...input().groups, group(4, 'h2')], open: open() })),
      ),
      [],
    );
  });

  test('pauses at the partition and resumes when the partition changes', () => {
    const paused = deriveRolloutFacts(
      input({
        rollingUpdate: { maxSurge: 0, maxUnavailable: 1, partition: 2 },
        previousAnchor: anchor({ templateHash: 'h2', stableTemplateHash: 'h1', partition: 2 }),
        groups: [
          group(0, 'h1', true, false),
          group(1, 'h1', true, false),
          group(2, 'h2'),
          group(3, 'h2'),
        ],
        open: open(),
      }),
    );
    assert.deepEqual(types(paused), ['RolloutPaused']);
    assert.deepEqual(paused[0].data, {
      uid: 'u',
      cluster: 'east',
      toRevision: 2,
      partition: 2,
      updatedGroups: 2,
    });
    // Still paused, same partition: nothing new.
    const still = input({
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1, partition: 2 },
      previousAnchor: anchor({ templateHash: 'h2', stableTemplateHash: 'h1', partition: 2 }),
      groups: [
        group(0, 'h1', true, false),
        group(1, 'h1', true, false),
        group(2, 'h2'),
        group(3, 'h2'),
      ],
      open: open({ state: 'Paused', pausedAtPartition: 2 }),
    });
    assert.deepEqual(deriveRolloutFacts(still), []);
    const resumed = deriveRolloutFacts({
      ...still,
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1, partition: 0 },
      actions: [
        anchorPatch(anchor({ templateHash: 'h2', stableTemplateHash: 'h1', partition: 1 })),
        del('lws-1'),
      ],
    });
    assert.deepEqual(types(resumed), ['RolloutResumed', 'GroupReplaced']);
  });

  test('a rollout whose start was never recorded is started from the stable revision', () => {
    const facts = deriveRolloutFacts(
      input({
        previousAnchor: anchor({ templateHash: 'h2', stableTemplateHash: 'h1', partition: 3 }),
        groups: [
          group(0, 'h1', true, false),
          group(1, 'h1', true, false),
          group(2, 'h1', true, false),
          group(3, 'h2', false),
        ],
        latest: undefined,
      }),
    );
    assert.deepEqual(types(facts), ['RolloutStarted']);
    assert.equal((facts[0].data as { fromRevision: number }).fromRevision, 1);
    // Not again once recorded (and completed) for this template.
    assert.deepEqual(
      deriveRolloutFacts(
        input({
          previousAnchor: anchor({ templateHash: 'h2', stableTemplateHash: 'h1' }),
          latest: { toRevision: 2, toTemplateHash: 'h2' },
        }),
      ),
      [],
    );
  });

  test('leader names', () => {
    assert.equal(leaderIndex('lws', 'lws-12'), 12);
    assert.equal(leaderIndex('lws', 'lws-1-2'), undefined);
    assert.equal(leaderIndex('lws', 'lws-01'), undefined);
    assert.equal(leaderIndex('lws', 'other-1'), undefined);
  });
});
