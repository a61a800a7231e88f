import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConcurrencyError, EventStore, rebuildReadModels, type Projection } from './index';
import { newEvent } from './testing/events';
import { createTestDatabase, type TestDatabase } from './testing/test-database';

/**
 * The `sql` form: per stream its event count, last type and version, plus one `sql_runs` row per
 * run of the statement (how many events it saw, in which transaction). A `Boom` event makes the
 * statement fail (division by zero).
 */
const sqlCounts: Projection = {
  name: 'sql_counts',
  handles: ['Counted', 'Boom'],
  sql: (batch) => `
    WITH b AS (SELECT * FROM ${batch} AS x),
    up AS (
      INSERT INTO sql_counts (stream_id, count, last_type, version)
      SELECT b.stream_id, count(*), (array_agg(b.type ORDER BY b.stream_position DESC))[1],
             max(b.stream_position)
      FROM b GROUP BY b.stream_id
      ON CONFLICT (stream_id) DO UPDATE
        SET count = sql_counts.count + excluded.count, last_type = excluded.last_type,
            version = excluded.version
      RETURNING 1
    )
    INSERT INTO sql_runs (events, streams, check_boom)
    SELECT count(*), (SELECT count(*) FROM up),
           coalesce(sum(1 / (CASE WHEN b.type = 'Boom' THEN 0 ELSE 1 END)), 0)
    FROM b`,
  async reset(manager) {
    await manager.query('DELETE FROM sql_counts');
    await manager.query('DELETE FROM sql_runs');
  },
};

/** The `applyBatch` form: per stream the positions it saw, in order; one query per call. */
const positionsProjection: Projection = {
  name: 'stream_positions',
  handles: ['Counted'],
  async applyBatch(events, manager) {
    await manager.query(
      `INSERT INTO batch_calls (txs, positions) VALUES ($1::text[], $2::bigint[])`,
      [events.map((e) => e.transactionId), events.map((e) => e.globalPosition)],
    );
    await manager.query(
      `INSERT INTO stream_positions (stream_id, positions)
       SELECT u.s, array_agg(u.p ORDER BY u.o) FROM unnest($1::text[], $2::int[])
         WITH ORDINALITY AS u(s, p, o) GROUP BY u.s
       ON CONFLICT (stream_id) DO UPDATE SET positions = stream_positions.positions || excluded.positions`,
      [events.map((e) => e.streamId), events.map((e) => e.streamPosition)],
    );
  },
  async reset(manager) {
    await manager.query('DELETE FROM stream_positions');
    await manager.query('DELETE FROM batch_calls');
  },
};

describe('projection forms (sql, applyBatch)', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase('projection_forms');
    await db.dataSource.query(`
      CREATE TABLE sql_counts (stream_id text PRIMARY KEY, count int NOT NULL, last_type text,
                               version int NOT NULL);
      CREATE TABLE sql_runs (id serial PRIMARY KEY, events int NOT NULL, streams int NOT NULL,
                             check_boom int, tx xid8 NOT NULL DEFAULT pg_current_xact_id());
      CREATE TABLE stream_positions (stream_id text PRIMARY KEY, positions int[] NOT NULL,
                                     CHECK (stream_id <> 'k-bad'));
      CREATE TABLE batch_calls (id serial PRIMARY KEY, txs text[] NOT NULL,
                                positions bigint[] NOT NULL)`);
  });

  after(async () => {
    await db?.drop();
  });

  const counts = async (prefix: string): Promise<Record<string, [number, string, number]>> => {
    const rows: { stream_id: string; count: number; last_type: string; version: number }[] =
      await db.dataSource.query(
        'SELECT * FROM sql_counts WHERE stream_id LIKE $1 ORDER BY stream_id',
        [`${prefix}%`],
      );
    return Object.fromEntries(rows.map((r) => [r.stream_id, [r.count, r.last_type, r.version]]));
  };

  test('sql form: one statement per combined transaction, with exactly the events that commit', async () => {
    const store = new EventStore(db.dataSource, { projections: [sqlCounts], appendConcurrency: 1 });
    const dupId = randomUUID();
    await store.append('f-stale', [newEvent('Counted', {})], { expectedVersion: 'no_stream' });
    await store.append('f-dup', [newEvent('Counted', {}, { eventId: dupId })], {
      expectedVersion: 'no_stream',
    });
    const attempts = [
      ...Array.from({ length: 12 }, (_, i) =>
        store.append(
          `f-${String(i).padStart(2, '0')}`,
          [newEvent('Counted', { i }), newEvent('Other', {}), newEvent('Counted', { i })],
          { expectedVersion: 'no_stream' },
        ),
      ),
      ...Array.from({ length: 3 }, () =>
        store.append('f-same', [newEvent('Counted', {})], { expectedVersion: 'any' }),
      ),
      store.append('f-stale', [newEvent('Counted', {})], { expectedVersion: 7 }),
      // An idempotent retry: returns the stored event, projects nothing again.
      store.append('f-dup', [newEvent('Counted', {}, { eventId: dupId })], {
        expectedVersion: 'any',
      }),
    ];
    const results = await Promise.allSettled(attempts);
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, r.reason]] : []));
    assert.equal(failed.length, 1);
    assert.equal(failed[0][0], 15);
    assert.ok(failed[0][1] instanceof ConcurrencyError);

    const expected: Record<string, [number, string, number]> = {
      'f-dup': [1, 'Counted', 1],
      'f-same': [3, 'Counted', 3],
      'f-stale': [1, 'Counted', 1],
    };
    for (let i = 0; i < 12; i++) expected[`f-${String(i).padStart(2, '0')}`] = [2, 'Counted', 3];
    assert.deepEqual(await counts('f-'), expected);

    // One run per transaction that appended handled events, seeing all of them.
    const perTx: { tx: string; n: number }[] = await db.dataSource.query(
      `SELECT transaction_id::text AS tx, count(*)::int AS n FROM events
       WHERE stream_id LIKE 'f-%' AND type = 'Counted' GROUP BY 1 ORDER BY 1`,
    );
    const runs: { tx: string; n: number }[] = await db.dataSource.query(
      `SELECT tx::text AS tx, events AS n FROM sql_runs WHERE events > 0 ORDER BY 1`,
    );
    assert.deepEqual(runs, perTx);
    const appends = 2 + 12 + 3;
    assert.ok(perTx.length < appends, `${appends} appends in ${perTx.length} transactions`);
  });

  test('sql form: a failing statement rolls back its transaction; only the culprit fails', async () => {
    const store = new EventStore(db.dataSource, { projections: [sqlCounts], appendConcurrency: 1 });
    const attempts = [
      ...Array.from({ length: 6 }, (_, i) =>
        store.append(`g-${i}`, [newEvent('Counted', {})], { expectedVersion: 'no_stream' }),
      ),
      store.append('g-boom', [newEvent('Counted', {}), newEvent('Boom', {})], {
        expectedVersion: 'no_stream',
      }),
    ];
    const results = await Promise.allSettled(attempts);
    assert.deepEqual(
      results.map((r) => r.status),
      [...Array(6).fill('fulfilled'), 'rejected'],
    );
    assert.match(String((results[6] as PromiseRejectedResult).reason), /division by zero/);
    assert.equal(await store.streamVersion('g-boom'), 0);
    const rows = await counts('g-');
    assert.deepEqual(Object.keys(rows), ['g-0', 'g-1', 'g-2', 'g-3', 'g-4', 'g-5']);
    // The connection went back to the pool usable: the store keeps appending.
    await store.append('g-boom', [newEvent('Counted', {})], { expectedVersion: 0 });
    assert.deepEqual((await counts('g-boom'))['g-boom'], [1, 'Counted', 1]);
  });

  test('sql form in transaction() and within(): commits and rolls back with the appends', async () => {
    const store = new EventStore(db.dataSource, { projections: [sqlCounts] });
    await store.transaction(async (tx) => {
      await tx.append('h-1', [newEvent('Counted', {}), newEvent('Counted', {})], {
        expectedVersion: 'no_stream',
      });
      await tx.append('h-2', [newEvent('Counted', {})], { expectedVersion: 'no_stream' });
      await tx.append('h-1', [newEvent('Other', {}), newEvent('Counted', {})], {
        expectedVersion: 2,
      });
      const inside: { count: number }[] = await tx.manager.query(
        `SELECT count FROM sql_counts WHERE stream_id = 'h-1'`,
      );
      assert.equal(inside[0].count, 3);
    });
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.append('h-2', [newEvent('Counted', {})], { expectedVersion: 1 });
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    await db.dataSource.transaction(async (manager) => {
      await store.within(manager).append('h-3', [newEvent('Counted', {})], {
        expectedVersion: 'no_stream',
      });
    });
    assert.deepEqual(await counts('h-'), {
      'h-1': [3, 'Counted', 4],
      'h-2': [1, 'Counted', 1],
      'h-3': [1, 'Counted', 1],
    });
  });

  test('applyBatch: one call per transaction with its events in log order; mixed with sql', async () => {
    const store = new EventStore(db.dataSource, {
      projections: [sqlCounts, positionsProjection],
      appendConcurrency: 1,
    });
    await store.append('k-stale', [newEvent('Counted', {})], { expectedVersion: 'no_stream' });
    const results = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, i) =>
        store.append(`k-${i}`, [newEvent('Counted', {}), newEvent('Counted', {})], {
          expectedVersion: 'no_stream',
        }),
      ),
      store.append('k-stale', [newEvent('Counted', {})], { expectedVersion: 5 }),
    ]);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 1);

    const calls: { txs: string[]; positions: string[] }[] = await db.dataSource.query(
      `SELECT txs, positions::text[] AS positions FROM batch_calls ORDER BY id`,
    );
    const events: { tx: string; position: string }[] = await db.dataSource.query(
      `SELECT transaction_id::text AS tx, global_position::text AS position FROM events
       WHERE stream_id LIKE 'k-%' ORDER BY transaction_id, global_position`,
    );
    // Every committed event exactly once, in log order; each call is one whole transaction.
    assert.deepEqual(
      calls.flatMap((c) => c.positions),
      events.map((e) => e.position),
    );
    for (const call of calls) assert.equal(new Set(call.txs).size, 1);
    assert.equal(calls.length, new Set(events.map((e) => e.tx)).size);
    assert.ok(calls.length < 11, `11 appends in ${calls.length} transactions`);
    assert.deepEqual(
      await db.dataSource.query(`SELECT positions FROM stream_positions WHERE stream_id = 'k-3'`),
      [{ positions: [1, 2] }],
    );
    assert.deepEqual((await counts('k-'))['k-stale'], [1, 'Counted', 1]);

    // A failure in either rolls back both (the sql form ran first, in the same transaction).
    await assert.rejects(
      store.append('k-bad', [newEvent('Counted', {})], { expectedVersion: 'no_stream' }),
      /check constraint/,
    );
    assert.equal((await counts('k-'))['k-bad'], undefined);
    assert.equal(await store.streamVersion('k-bad'), 0);
    await assert.rejects(
      db.dataSource.transaction((manager) =>
        store
          .within(manager)
          .append('k-1', [newEvent('Counted', { i: 1 })], { expectedVersion: 2 })
          .then(() => manager.query(`SELECT 1 / 0`)),
      ),
      /division by zero/,
    );
    assert.deepEqual((await counts('k-'))['k-1'], [2, 'Counted', 2]);
    assert.equal(await store.streamVersion('k-1'), 2);
  });

  test('rebuild replays both forms page by page into the same rows', async () => {
    const store = new EventStore(db.dataSource, { projections: [sqlCounts, positionsProjection] });
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        let version = 0;
        for (let step = 0; step < 4; step++) {
          const events = [
            newEvent('Counted', { step }),
            newEvent(step % 2 ? 'Other' : 'Counted', {}),
          ];
          version = (await store.append(`r-${i}`, events, { expectedVersion: version }))
            .nextExpectedVersion;
        }
      }),
    );
    const snapshot = async (): Promise<unknown[]> => [
      await db.dataSource.query('SELECT * FROM sql_counts ORDER BY stream_id'),
      // (Inline, only the k- and r- streams had this one.)
      await db.dataSource.query(
        `SELECT * FROM stream_positions WHERE stream_id LIKE 'k-%' OR stream_id LIKE 'r-%'
         ORDER BY stream_id`,
      ),
    ];
    const inline = await snapshot();
    await db.dataSource.query(`UPDATE sql_counts SET count = -1`);
    await db.dataSource.query(`DELETE FROM stream_positions WHERE stream_id LIKE 'r-%'`);
    const result = await rebuildReadModels(store, [sqlCounts, positionsProjection], {
      batchSize: 5,
    });
    assert.ok(result.events > 48);
    assert.deepEqual(await snapshot(), inline);
    // Pages, not events: the sql form ran once per page.
    const [{ runs }] = await db.dataSource.query(`SELECT count(*)::int AS runs FROM sql_runs`);
    assert.equal(runs, Math.ceil(result.events / 5));
  });

  test('a projection without any form is refused', () => {
    assert.throws(
      () =>
        new EventStore(db.dataSource, { projections: [{ name: 'empty', reset: async () => {} }] }),
      /needs sql, applyBatch or apply/,
    );
  });
});
