import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { EntityManager } from 'typeorm';
import {
  EventStore,
  rebuildReadModels,
  type AppendResult,
  type NewEvent,
  type Projection,
  type StoredEvent,
} from '../../libs/events/src';
import { readModelProjections } from '../../apps/api/src/app.module';
import { newEvent } from '../../apps/api/src/common/new-event';
import { lwsStreamId } from '../../apps/api/src/lws/lws.events';
import {
  ROLLOUT_EVENT_TYPES,
  RolloutEventType as T,
  type RolloutStrategy,
} from '../../apps/api/src/lws/rollouts/rollout.events';
import { rolloutsProjection } from '../../apps/api/src/lws/rollouts/rollouts.projection';
import {
  APPLY,
  REGISTER,
  codes,
  startApi,
  tokenKubeconfig,
  type ApiHarness,
} from '../support/api-harness';
import { examplesDir } from '../support/paths';

// The rollout history's set-based statement (`rolloutsProjection.sql`) must give the rows that
// applying the events one at a time in log order gives, whatever the batches: one transaction for
// a whole history, one per event, several LWSs in one transaction, rebuild pages.

const META = {
  actor: 'worker:east',
  correlationId: 'rollouts-test',
  source: 'worker',
  cluster: 'east',
};
const strategy = (partition = 0): RolloutStrategy => ({
  type: 'RollingUpdate',
  replicas: 3,
  maxSurge: 1,
  maxUnavailable: 0,
  partition,
});

/** Rollout events of one LWS, as a worker writes them. */
function events(uid: string) {
  const ref = (toRevision: number) => ({ uid, cluster: 'east', toRevision });
  return {
    started: (
      toRevision: number,
      fromRevision: number | null,
      fromTemplateHash: string,
      toTemplateHash: string,
      partition = 0,
    ) =>
      newEvent(
        T.Started,
        {
          ...ref(toRevision),
          fromRevision,
          fromTemplateHash,
          toTemplateHash,
          strategy: strategy(partition),
        },
        META,
      ),
    replaced: (toRevision: number, group: number, fromTemplateHash: string) =>
      newEvent(
        T.GroupReplaced,
        { ...ref(toRevision), group, fromTemplateHash, toTemplateHash: `h${toRevision}` },
        META,
      ),
    updated: (toRevision: number, group: number, readyAfterMs: number | null, surge = false) =>
      newEvent(T.GroupUpdated, { ...ref(toRevision), group, surge, readyAfterMs }, META),
    surgeAdded: (toRevision: number, group: number) =>
      newEvent(T.SurgeGroupAdded, { ...ref(toRevision), group }, META),
    surgeRemoved: (toRevision: number, group: number) =>
      newEvent(T.SurgeGroupRemoved, { ...ref(toRevision), group }, META),
    paused: (toRevision: number, partition: number) =>
      newEvent(T.Paused, { ...ref(toRevision), partition, updatedGroups: 1 }, META),
    resumed: (toRevision: number, partition: number) =>
      newEvent(T.Resumed, { ...ref(toRevision), partition }, META),
    completed: (toRevision: number, durationMs: number | null) =>
      newEvent(T.Completed, { ...ref(toRevision), durationMs }, META),
    superseded: (toRevision: number, byRevision: number) =>
      newEvent(T.Superseded, { ...ref(toRevision), byRevision }, META),
  };
}

/**
 * History H: one rollout 1 → 2 with a surge group, two replacements of group 1 (the first is
 * marked ready before the second happens), a pause and a resume, completed. Positions 1-13.
 */
function historyH(uid: string): NewEvent[] {
  const e = events(uid);
  return [
    e.started(2, 1, 'h1', 'h2'), // 1
    e.surgeAdded(2, 3), // 2
    e.replaced(2, 0, 'h1'), // 3
    e.updated(2, 0, 1500), // 4: step 3 (same batch when appended together)
    e.replaced(2, 1, 'h1'), // 5
    e.updated(2, 3, 2500, true), // 6: step 2, an older step
    e.paused(2, 1), // 7
    e.resumed(2, 0), // 8
    e.updated(2, 1, 3000), // 9: step 5, not step 10 (which comes later)
    e.replaced(2, 1, 'h1'), // 10
    e.surgeRemoved(2, 3), // 11
    e.updated(2, 1, 800), // 12: step 10, the latest of group 1 by now
    e.completed(2, 9000), // 13
  ];
}

/**
 * History H2: rollout 1 → 2 paused then superseded by 2 → 3, which is paused and started again
 * (same revision), then a second ready of rollout 2's group, and a Completed of a rollout that
 * never started. Positions 1-12.
 */
function historyH2(uid: string): NewEvent[] {
  const e = events(uid);
  return [
    e.started(2, 1, 'h1', 'h2'), // 1
    e.replaced(2, 0, 'h1'), // 2
    e.updated(2, 0, 40), // 3: step 2 (the GroupUpdated at 11 overrides it)
    e.paused(2, 1), // 4
    e.superseded(2, 3), // 5: keeps paused_at_partition
    e.started(3, 2, 'h2', 'h3'), // 6
    e.replaced(3, 0, 'h2'), // 7
    e.updated(3, 0, 700), // 8: step 7 (revision 3's), not step 2
    e.paused(3, 1), // 9
    e.started(3, 2, 'h2', 'h3-again', 1), // 10: resets rollout 3; to_template_hash stays h3
    e.updated(2, 0, 100), // 11: step 2 again
    e.completed(4, 50), // 12: no rollout 4: nothing
  ];
}

interface Row {
  [column: string]: unknown;
}

function rolloutRow(uid: string, row: Row): Row {
  return {
    lws_uid: uid,
    cluster: 'east',
    strategy: strategy(),
    paused_at_partition: null,
    superseded_by: null,
    finished_at: null,
    duration_ms: null,
    ...row,
  };
}

function stepRow(uid: string, toRevision: number, row: Row): Row {
  return {
    lws_uid: uid,
    to_revision: toRevision,
    group_index: null,
    from_template_hash: null,
    partition: null,
    ready_at: null,
    ready_after_ms: null,
    ...row,
  };
}

/** H's rows; `v` the stream version before it, `t(i)` the time of its i-th event. */
function expectedH(
  uid: string,
  v: number,
  t: (i: number) => Date,
): { rollouts: Row[]; steps: Row[] } {
  const replaced = (i: number, group: number, readyBy?: number, ms?: number) =>
    stepRow(uid, 2, {
      position: v + i,
      kind: T.GroupReplaced,
      group_index: group,
      at: t(i),
      from_template_hash: 'h1',
      ready_at: readyBy === undefined ? null : t(readyBy),
      ready_after_ms: ms ?? null,
    });
  return {
    rollouts: [
      rolloutRow(uid, {
        to_revision: 2,
        from_revision: 1,
        from_template_hash: 'h1',
        to_template_hash: 'h2',
        state: 'Complete',
        started_at: t(1),
        finished_at: t(13),
        duration_ms: 9000,
        started_position: v + 1,
      }),
    ],
    steps: [
      stepRow(uid, 2, {
        position: v + 2,
        kind: T.SurgeGroupAdded,
        group_index: 3,
        at: t(2),
        ready_at: t(6),
        ready_after_ms: 2500,
      }),
      replaced(3, 0, 4, 1500),
      replaced(5, 1, 9, 3000),
      stepRow(uid, 2, { position: v + 7, kind: T.Paused, at: t(7), partition: 1 }),
      stepRow(uid, 2, { position: v + 8, kind: T.Resumed, at: t(8), partition: 0 }),
      replaced(10, 1, 12, 800),
      stepRow(uid, 2, { position: v + 11, kind: T.SurgeGroupRemoved, group_index: 3, at: t(11) }),
    ],
  };
}

function expectedH2(
  uid: string,
  v: number,
  t: (i: number) => Date,
): { rollouts: Row[]; steps: Row[] } {
  return {
    rollouts: [
      rolloutRow(uid, {
        to_revision: 2,
        from_revision: 1,
        from_template_hash: 'h1',
        to_template_hash: 'h2',
        state: 'Superseded',
        paused_at_partition: 1,
        superseded_by: 3,
        started_at: t(1),
        finished_at: t(5),
        started_position: v + 1,
      }),
      rolloutRow(uid, {
        to_revision: 3,
        from_revision: 2,
        from_template_hash: 'h2',
        to_template_hash: 'h3',
        strategy: strategy(1),
        state: 'Progressing',
        started_at: t(10),
        started_position: v + 10,
      }),
    ],
    steps: [
      stepRow(uid, 2, {
        position: v + 2,
        kind: T.GroupReplaced,
        group_index: 0,
        at: t(2),
        from_template_hash: 'h1',
        ready_at: t(11),
        ready_after_ms: 100,
      }),
      stepRow(uid, 2, { position: v + 4, kind: T.Paused, at: t(4), partition: 1 }),
      stepRow(uid, 3, {
        position: v + 7,
        kind: T.GroupReplaced,
        group_index: 0,
        at: t(7),
        from_template_hash: 'h2',
        ready_at: t(8),
        ready_after_ms: 700,
      }),
      stepRow(uid, 3, { position: v + 9, kind: T.Paused, at: t(9), partition: 1 }),
    ],
  };
}

/**
 * The per-event form this projection had before its `sql` form, kept as the reference: the rows
 * that applying the events one at a time in log order gives.
 */
const perEventReference: Projection = {
  name: 'lws-rollouts',
  handles: ROLLOUT_EVENT_TYPES,
  async apply(event: StoredEvent, m: EntityManager): Promise<void> {
    const d = event.data as Record<string, any>;
    const at = event.createdAt;
    const position = event.streamPosition;
    const step = (
      kind: string,
      group: number | null,
      hash: string | null,
      partition: number | null,
    ) =>
      m.query(
        `INSERT INTO lws_rollout_steps (lws_uid, to_revision, position, kind, group_index, at, from_template_hash, partition)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (lws_uid, position) DO NOTHING`,
        [d.uid, d.toRevision, position, kind, group, at, hash, partition],
      );
    const update = (set: string, values: unknown[]) =>
      m.query(`UPDATE lws_rollouts SET ${set} WHERE lws_uid = $1 AND to_revision = $2`, [
        d.uid,
        d.toRevision,
        ...values,
      ]);
    switch (event.type) {
      case T.Started:
        await m.query(
          `INSERT INTO lws_rollouts (lws_uid, to_revision, cluster, from_revision, from_template_hash, to_template_hash,
                                     strategy, state, started_at, started_position)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'Progressing', $8, $9)
           ON CONFLICT (lws_uid, to_revision) DO UPDATE SET
             cluster = EXCLUDED.cluster, from_revision = EXCLUDED.from_revision,
             from_template_hash = EXCLUDED.from_template_hash, strategy = EXCLUDED.strategy,
             state = EXCLUDED.state, started_at = EXCLUDED.started_at, finished_at = NULL,
             duration_ms = NULL, paused_at_partition = NULL, superseded_by = NULL,
             started_position = EXCLUDED.started_position`,
          [
            d.uid,
            d.toRevision,
            d.cluster,
            d.fromRevision,
            d.fromTemplateHash,
            d.toTemplateHash,
            d.strategy,
            at,
            position,
          ],
        );
        return;
      case T.GroupReplaced:
        return void (await step(event.type, d.group, d.fromTemplateHash, null));
      case T.SurgeGroupAdded:
      case T.SurgeGroupRemoved:
        return void (await step(event.type, d.group, null, null));
      case T.GroupUpdated:
        await m.query(
          `UPDATE lws_rollout_steps SET ready_at = $4, ready_after_ms = $5
            WHERE (lws_uid, position) = (
              SELECT lws_uid, position FROM lws_rollout_steps
               WHERE lws_uid = $1 AND to_revision = $2 AND group_index = $3
                 AND kind IN ('GroupReplaced', 'SurgeGroupAdded')
               ORDER BY position DESC LIMIT 1)`,
          [d.uid, d.toRevision, d.group, at, d.readyAfterMs],
        );
        return;
      case T.Paused:
        await update(`state = 'Paused', paused_at_partition = $3`, [d.partition]);
        return void (await step(event.type, null, null, d.partition));
      case T.Resumed:
        await update(`state = 'Progressing', paused_at_partition = NULL`, []);
        return void (await step(event.type, null, null, d.partition));
      case T.Completed:
        return void (await update(
          `state = 'Complete', finished_at = $3, duration_ms = $4, paused_at_partition = NULL`,
          [at, d.durationMs],
        ));
      case T.Superseded:
        return void (await update(`state = 'Superseded', finished_at = $3, superseded_by = $4`, [
          at,
          d.byRevision,
        ]));
    }
  },
  reset: (m) => rolloutsProjection.reset(m),
};

/** A small deterministic random generator (mulberry32). */
function random(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** Any rollout events in any order, including the ones that make no sense (no such rollout). */
function randomHistory(uid: string, rnd: (n: number) => number, length: number): NewEvent[] {
  const e = events(uid);
  const out: NewEvent[] = [];
  for (let i = 0; i < length; i++) {
    const rev = 2 + rnd(2);
    const group = rnd(3);
    const ms = rnd(4) === 0 ? null : rnd(10_000);
    const make = [
      () =>
        e.started(
          rev,
          rnd(3) === 0 ? null : rev - 1,
          `h${rev - 1}`,
          `h${rev}${'ab'[rnd(2)]}`,
          rnd(2),
        ),
      () => e.replaced(rev, group, `h${rev - 1}${rnd(2)}`),
      () => e.replaced(rev, group, `h${rev - 1}`),
      () => e.updated(rev, group, ms),
      () => e.updated(rev, group, ms),
      () => e.surgeAdded(rev, 3 + rnd(2)),
      () => e.updated(rev, 3 + rnd(2), ms, true),
      () => e.surgeRemoved(rev, 3 + rnd(2)),
      () => e.paused(rev, rnd(3)),
      () => e.resumed(rev, rnd(3)),
      () => e.completed(rev, ms),
      () => e.superseded(rev, rev + 1),
    ];
    out.push(make[rnd(make.length)]());
  }
  return out;
}

describe('the rollout history projection (one statement per batch)', () => {
  let api: ApiHarness;
  let store: EventStore;
  let n = 0;

  /** A new LWS (so that its leader_worker_sets row exists): its uid and stream version. */
  async function createLws(): Promise<{ uid: string; version: number }> {
    const manifest = parse(readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8'));
    manifest.metadata.name = `rollouts-${++n}`;
    const res = await api.gql(APPLY, {
      input: { manifest: JSON.stringify(manifest), cluster: 'east' },
    });
    assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
    const uid = res.data!.applyLeaderWorkerSet.uid as string;
    return { uid, version: await store.streamVersion(lwsStreamId(uid)) };
  }

  /** Appends `history` in consecutive appends of the given sizes; the stored events. */
  async function appendInChunks(
    uid: string,
    version: number,
    history: NewEvent[],
    sizes: number[],
  ) {
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      history.length,
    );
    const stored: StoredEvent[] = [];
    let at = 0;
    for (const size of sizes) {
      const result = await store.append(lwsStreamId(uid), history.slice(at, at + size), {
        expectedVersion: version + at,
      });
      stored.push(...result.events);
      at += size;
    }
    return stored;
  }

  async function rowsOf(uid: string): Promise<{ rollouts: Row[]; steps: Row[] }> {
    const db = api.server.dataSource;
    return {
      rollouts: await db.query(
        `SELECT * FROM lws_rollouts WHERE lws_uid = $1 ORDER BY to_revision`,
        [uid],
      ),
      steps: await db.query(
        `SELECT * FROM lws_rollout_steps WHERE lws_uid = $1 ORDER BY position`,
        [uid],
      ),
    };
  }

  /** Every row, as JSON (times to the microsecond, which a JS Date would cut to the millisecond). */
  async function dump(): Promise<{ rollouts: Row[]; steps: Row[] }> {
    const db = api.server.dataSource;
    const rows = async (sql: string) => (await db.query(sql)).map((r: { row: Row }) => r.row);
    return {
      rollouts: await rows(
        `SELECT row_to_json(r) AS row FROM lws_rollouts r ORDER BY lws_uid, to_revision`,
      ),
      steps: await rows(
        `SELECT row_to_json(s) AS row FROM lws_rollout_steps s ORDER BY lws_uid, position`,
      ),
    };
  }

  /** The rows now equal the per-event replay of the log and the `sql` form's rebuilds. */
  async function assertReplaysAgree(): Promise<void> {
    const inline = await dump();
    await rebuildReadModels(new EventStore(api.server.dataSource), [perEventReference]);
    assert.deepEqual(await dump(), inline, 'one event at a time in log order');
    for (const batchSize of [1000, 1, 4]) {
      await rebuildReadModels(new EventStore(api.server.dataSource), readModelProjections, {
        batchSize,
      });
      assert.deepEqual(await dump(), inline, `rebuilt in pages of ${batchSize} events`);
    }
  }

  const timesOf = (stored: StoredEvent[]) => (i: number) => stored[i - 1].createdAt;

  before(async () => {
    api = await startApi('rollouts');
    store = new EventStore(api.server.dataSource, { projections: readModelProjections });
    const res = await api.gql(REGISTER, {
      input: { name: 'east', kubeconfig: tokenKubeconfig('east') },
    });
    assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
  });
  after(async () => api?.close());

  test('a worker append with rollout events involves only set-based projections (one round trip)', () => {
    const involved = readModelProjections.filter(
      (p) => !p.handles || p.handles.some((type) => ROLLOUT_EVENT_TYPES.includes(type)),
    );
    assert.ok(involved.includes(rolloutsProjection));
    assert.deepEqual(
      involved.filter((p) => !p.sql).map((p) => p.name),
      [],
    );
  });

  test('a whole rollout in one transaction', async () => {
    const { uid, version } = await createLws();
    const history = historyH(uid);
    const stored = await appendInChunks(uid, version, history, [history.length]);
    assert.equal(new Set(stored.map((e) => e.transactionId)).size, 1);
    assert.deepEqual(await rowsOf(uid), expectedH(uid, version, timesOf(stored)));
  });

  test('the same rollout, one transaction per event', async () => {
    const { uid, version } = await createLws();
    const history = historyH(uid);
    const stored = await appendInChunks(
      uid,
      version,
      history,
      history.map(() => 1),
    );
    // Distinct times, so that each ready_at shows which GroupUpdated set it.
    assert.equal(new Set(stored.map((e) => e.createdAt.getTime())).size, history.length);
    assert.deepEqual(await rowsOf(uid), expectedH(uid, version, timesOf(stored)));
  });

  test('the same rollout in three transactions (a GroupUpdated of an existing step, before a newer one of the group)', async () => {
    const { uid, version } = await createLws();
    const history = historyH(uid);
    const stored = await appendInChunks(uid, version, history, [5, 5, 3]);
    assert.deepEqual(await rowsOf(uid), expectedH(uid, version, timesOf(stored)));
  });

  test('two LWSs in one transaction; a superseded rollout and a rollout started twice', async () => {
    const x = await createLws();
    const y = await createLws();
    // Appended in the same turn: the store combines them into one transaction.
    const [rx, ry]: AppendResult[] = await Promise.all([
      store.append(lwsStreamId(x.uid), historyH2(x.uid), { expectedVersion: x.version }),
      store.append(lwsStreamId(y.uid), historyH(y.uid), { expectedVersion: y.version }),
    ]);
    assert.equal(rx.events[0].transactionId, ry.events[0].transactionId, 'one transaction');
    assert.deepEqual(await rowsOf(x.uid), expectedH2(x.uid, x.version, timesOf(rx.events)));
    assert.deepEqual(await rowsOf(y.uid), expectedH(y.uid, y.version, timesOf(ry.events)));
  });

  test('H2 one transaction per event, and in three transactions', async () => {
    for (const sizes of [historyH2('').map(() => 1), [4, 4, 4]]) {
      const { uid, version } = await createLws();
      const stored = await appendInChunks(uid, version, historyH2(uid), sizes);
      assert.deepEqual(await rowsOf(uid), expectedH2(uid, version, timesOf(stored)));
    }
  });

  test('all of the above: replaying the log one event at a time and rebuilding give the same rows', async () => {
    await assertReplaysAgree();
  });

  test('random histories of three LWSs, in random transactions, agree with the per-event replay', async () => {
    const rnd = random(20261129);
    const lwss = [await createLws(), await createLws(), await createLws()];
    const histories = lwss.map((l) => randomHistory(l.uid, rnd, 60));
    const done = lwss.map(() => 0);
    while (done.some((d, i) => d < histories[i].length)) {
      // Each turn: some of the LWSs append their next few events, in one combined transaction.
      await Promise.all(
        lwss.map(async (l, i) => {
          if (done[i] >= histories[i].length || rnd(3) === 0) return;
          const size = 1 + rnd(8);
          const chunk = histories[i].slice(done[i], done[i] + size);
          await store.append(lwsStreamId(l.uid), chunk, { expectedVersion: l.version + done[i] });
          done[i] += chunk.length;
        }),
      );
    }
    const rows = await dump();
    assert.ok(rows.rollouts.length >= 6, `${rows.rollouts.length} rollouts`);
    assert.ok(rows.steps.some((s) => s.ready_at !== null));
    await assertReplaysAgree();
  });
});
