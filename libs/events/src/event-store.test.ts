import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EntityManager } from 'typeorm';
import { ConcurrencyError, EventStore, type Projection, type StoredEvent } from './index';
import { APPEND } from './queries';
import { newEvent } from './testing/events';
import { createTestDatabase, type TestDatabase } from './testing/test-database';

/** A toy read model: one row per stream with its event count and last type. */
function counterProjection(): Projection {
  return {
    name: 'stream_counts',
    handles: ['Counted', 'Boom'],
    async apply(event: StoredEvent, manager: EntityManager) {
      if (event.type === 'Boom') throw new Error('projection failed');
      await manager.query(
        `INSERT INTO stream_counts (stream_id, count, last_type) VALUES ($1, 1, $2)
         ON CONFLICT (stream_id) DO UPDATE SET count = stream_counts.count + 1, last_type = $2`,
        [event.streamId, event.type],
      );
    },
    async reset(manager: EntityManager) {
      await manager.query('DELETE FROM stream_counts');
    },
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('EventStore', () => {
  let db: TestDatabase;
  let store: EventStore;

  before(async () => {
    db = await createTestDatabase('event_store');
    await db.dataSource.query(
      'CREATE TABLE stream_counts (stream_id text PRIMARY KEY, count int NOT NULL, last_type text)',
    );
    store = new EventStore(db.dataSource, { projections: [counterProjection()] });
  });

  after(async () => {
    await db?.drop();
  });

  const count = async (stream: string): Promise<number | undefined> => {
    const rows: { count: number }[] = await db.dataSource.query(
      'SELECT count FROM stream_counts WHERE stream_id = $1',
      [stream],
    );
    return rows[0]?.count;
  };

  test('appends and reads a stream in order', async () => {
    const first = await store.append('lws-a', [newEvent('Applied', { generation: 1 })], {
      expectedVersion: 'no_stream',
    });
    assert.equal(first.nextExpectedVersion, 1);
    assert.equal(first.events[0].streamPosition, 1);
    const second = await store.append(
      'lws-a',
      [newEvent('Scaled', { replicas: 3 }), newEvent('Scaled', { replicas: 4 })],
      { expectedVersion: 1 },
    );
    assert.equal(second.nextExpectedVersion, 3);
    assert.deepEqual(
      second.events.map((e) => e.streamPosition),
      [2, 3],
    );
    assert.ok(BigInt(second.events[0].globalPosition) < BigInt(second.events[1].globalPosition));
    assert.equal(second.events[0].transactionId, second.events[1].transactionId);

    const read = await store.readStream('lws-a');
    assert.deepEqual(
      read.map((e) => [e.type, e.streamPosition, e.data]),
      [
        ['Applied', 1, { generation: 1 }],
        ['Scaled', 2, { replicas: 3 }],
        ['Scaled', 3, { replicas: 4 }],
      ],
    );
    assert.deepEqual(read[1], second.events[0]);
    assert.equal(read[0].metadata.actor, 'test');
    assert.ok(read[0].createdAt instanceof Date);
    assert.deepEqual(
      (await store.readStream('lws-a', { fromPosition: 2, limit: 1 })).map((e) => e.streamPosition),
      [2],
    );
    assert.equal(await store.streamVersion('lws-a'), 3);
    assert.equal(await store.streamVersion('lws-missing'), 0);
  });

  test('a stale expected version is refused with expected and actual', async () => {
    await store.append('lws-b', [newEvent('Applied', {})], { expectedVersion: 'no_stream' });
    await store.append('lws-b', [newEvent('Scaled', {})], { expectedVersion: 1 });
    await assert.rejects(
      store.append('lws-b', [newEvent('Scaled', { lost: true })], { expectedVersion: 1 }),
      (err: unknown) => {
        assert.ok(err instanceof ConcurrencyError);
        assert.equal(err.expected, 1);
        assert.equal(err.actual, 2);
        assert.equal(err.reason, 'wrong_expected_version');
        return true;
      },
    );
    await assert.rejects(
      store.append('lws-missing-2', [newEvent('Scaled', {})], { expectedVersion: 4 }),
      (err: unknown) => err instanceof ConcurrencyError && err.actual === 0,
    );
    assert.equal(await store.streamVersion('lws-b'), 2);
    assert.equal((await store.readStream('lws-missing-2')).length, 0);
  });

  test("'no_stream' on an existing stream is refused; 'any' appends anywhere", async () => {
    await store.append('lws-c', [newEvent('Applied', {})], { expectedVersion: 'no_stream' });
    await assert.rejects(
      store.append('lws-c', [newEvent('Applied', {})], { expectedVersion: 'no_stream' }),
      (err: unknown) => err instanceof ConcurrencyError && err.actual === 1,
    );
    await assert.rejects(
      store.append('lws-c', [newEvent('Applied', {})], { expectedVersion: 0 }),
      ConcurrencyError,
    );
    const any = await store.append('lws-c', [newEvent('Noted', {})], { expectedVersion: 'any' });
    assert.equal(any.nextExpectedVersion, 2);
    const fresh = await store.append('lws-c2', [newEvent('Noted', {})], { expectedVersion: 'any' });
    assert.equal(fresh.nextExpectedVersion, 1);
  });

  test('re-appending the same event ids is a no-op that returns the stored events', async () => {
    const ids = [randomUUID(), randomUUID()];
    const batch = [
      newEvent('Counted', { n: 1 }, { eventId: ids[0] }),
      newEvent('Counted', { n: 2 }, { eventId: ids[1] }),
    ];
    const first = await store.append('lws-d', batch, { expectedVersion: 'no_stream' });
    const retry = await store.append('lws-d', batch, { expectedVersion: 'no_stream' });
    assert.deepEqual(retry, first);
    const retryAny = await store.append('lws-d', batch, { expectedVersion: 'any' });
    assert.deepEqual(retryAny.events, first.events);
    assert.equal((await store.readStream('lws-d')).length, 2);
    assert.equal(await store.streamVersion('lws-d'), 2);
    assert.equal(await count('lws-d'), 2, 'a retry does not project twice');

    // Half old, half new: the caller is confused; refuse rather than guess.
    await assert.rejects(
      store.append('lws-d', [batch[0], newEvent('Counted', { n: 3 })], { expectedVersion: 2 }),
      (err: unknown) => err instanceof ConcurrencyError && err.reason === 'partial_duplicate',
    );
    // The same id in another stream is another event.
    await store.append('lws-d2', [batch[0]], { expectedVersion: 'no_stream' });
    assert.equal(await store.streamVersion('lws-d2'), 1);
  });

  test('invalid events are refused before anything is written', async () => {
    const bad = [
      [newEvent('Ok', {}), { ...newEvent('Bad', {}), eventId: 'not-a-uuid' }],
      [{ ...newEvent('', {}) }],
      [{ type: 'NoMeta', data: {} }],
      [
        newEvent('Dup', {}, { eventId: '6f1c7a56-58a5-4bd7-9a3b-1f0b0b3d2e11' }),
        newEvent('Dup', {}, { eventId: '6f1c7a56-58a5-4bd7-9a3b-1f0b0b3d2e11' }),
      ],
    ];
    for (const events of bad) {
      await assert.rejects(
        store.append('lws-e', events as never, { expectedVersion: 'any' }),
        TypeError,
      );
    }
    assert.equal(await store.streamVersion('lws-e'), 0);
  });

  test('two concurrent appends at the same version: exactly one wins, nothing is lost', async () => {
    await store.append('lws-f', [newEvent('Counted', {})], { expectedVersion: 'no_stream' });
    // Deterministic: tx1 appends and holds the stream's lock; tx2 appends meanwhile; tx1 commits.
    const appended = deferred();
    const release = deferred();
    const tx1 = store.transaction(async (tx) => {
      await tx.append('lws-f', [newEvent('Counted', { by: 1 })], { expectedVersion: 1 });
      appended.resolve();
      await release.promise;
    });
    await appended.promise;
    const tx2 = store.append('lws-f', [newEvent('Counted', { by: 2 })], { expectedVersion: 1 });
    await new Promise((r) => setTimeout(r, 100));
    release.resolve();
    const [r1, r2] = await Promise.allSettled([tx1, tx2]);
    assert.equal(r1.status, 'fulfilled');
    assert.equal(r2.status, 'rejected');
    assert.ok(r2.reason instanceof ConcurrencyError);
    assert.equal(r2.reason.actual, 2);

    // Many at once: one winner per version, every winner's event stored.
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.append('lws-f', [newEvent('Counted', { racer: i })], { expectedVersion: 2 }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.ok(lost.every((r) => r.reason instanceof ConcurrencyError));
    const events = await store.readStream('lws-f');
    assert.deepEqual(
      events.map((e) => e.data),
      [
        {},
        { by: 1 },
        (won[0] as PromiseFulfilledResult<{ events: StoredEvent[] }>).value.events[0].data,
      ],
    );
    assert.equal(await count('lws-f'), 3, 'the losers wrote no projection rows');

    // 'any' appends never lose one another.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.append('lws-f', [newEvent('Counted', { any: i })], { expectedVersion: 'any' }),
      ),
    );
    const all = await store.readStream('lws-f');
    assert.equal(all.length, 13);
    assert.deepEqual(
      all.map((e) => e.streamPosition),
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    assert.equal(await count('lws-f'), 13);
  });

  test("many 'any' appends to one stream at once all land, in order, without conflicts", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        store.append('lws-many', [newEvent('Counted', { i })], { expectedVersion: 'any' }),
      ),
    );
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected').map((r) => String(r.reason)),
      [],
    );
    const events = await store.readStream('lws-many');
    assert.deepEqual(
      events.map((e) => e.streamPosition),
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    assert.equal(await count('lws-many'), 60);
  });

  test('inline projections commit with the append and roll back with it', async () => {
    await store.append('lws-g', [newEvent('Counted', {}), newEvent('Counted', {})], {
      expectedVersion: 'no_stream',
    });
    assert.equal(await count('lws-g'), 2);
    // Rolled back on conflict: the projection ran for the first event, then the append failed.
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.append('lws-g', [newEvent('Counted', {})], { expectedVersion: 2 });
        assert.equal(
          (
            await tx.manager.query('SELECT count FROM stream_counts WHERE stream_id = $1', [
              'lws-g',
            ])
          )[0].count,
          3,
          'visible inside the transaction',
        );
        await tx.append('lws-g', [newEvent('Counted', {})], { expectedVersion: 2 });
      }),
      ConcurrencyError,
    );
    assert.equal(await count('lws-g'), 2);
    assert.equal(await store.streamVersion('lws-g'), 2);
    // A failing projection fails the append: no event without its read model.
    await assert.rejects(
      store.append('lws-g', [newEvent('Counted', {}), newEvent('Boom', {})], {
        expectedVersion: 2,
      }),
      /projection failed/,
    );
    assert.equal(await count('lws-g'), 2);
    assert.equal(await store.streamVersion('lws-g'), 2);
  });

  test('transaction(): own reads and writes commit or roll back with the appends', async () => {
    await db.dataSource.query('CREATE TABLE notes (id text PRIMARY KEY)');
    const version = await store.transaction(async (tx) => {
      const current = await tx.streamVersion('lws-h');
      await tx.manager.query(`INSERT INTO notes VALUES ('kept')`);
      const result = await tx.append('lws-h', [newEvent('Counted', {})], {
        expectedVersion: current,
      });
      assert.equal((await tx.readStream('lws-h')).length, 1);
      return result.nextExpectedVersion;
    });
    assert.equal(version, 1);
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.manager.query(`INSERT INTO notes VALUES ('dropped')`);
        await tx.append('lws-h', [newEvent('Counted', {})], { expectedVersion: 1 });
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    assert.deepEqual(await db.dataSource.query('SELECT id FROM notes'), [{ id: 'kept' }]);
    assert.equal(await store.streamVersion('lws-h'), 1);
    assert.equal(await count('lws-h'), 1);

    // within(): join a transaction opened with TypeORM.
    await db.dataSource.transaction(async (manager) => {
      await store
        .within(manager)
        .append('lws-h', [newEvent('Counted', {})], { expectedVersion: 1 });
    });
    assert.equal(await count('lws-h'), 2);
    assert.throws(() => store.within(db.dataSource.manager), /open transaction/);
  });
  test('appends arriving together share a transaction, yet each succeeds or fails alone', async () => {
    const combined = new EventStore(db.dataSource, {
      projections: [counterProjection()],
      appendConcurrency: 1,
    });
    await combined.append('lws-i-stale', [newEvent('Counted', {})], {
      expectedVersion: 'no_stream',
    });
    const attempts = [
      ...Array.from({ length: 12 }, (_, i) =>
        combined.append(`lws-i-${i}`, [newEvent('Counted', { i })], {
          expectedVersion: 'no_stream',
        }),
      ),
      // Five to one stream: they queue behind each other, in order.
      ...Array.from({ length: 5 }, (_, i) =>
        combined.append('lws-i-same', [newEvent('Counted', { i })], { expectedVersion: 'any' }),
      ),
      combined.append('lws-i-stale', [newEvent('Counted', {})], { expectedVersion: 7 }),
      combined.append('lws-i-boom', [newEvent('Counted', {}), newEvent('Boom', {})], {
        expectedVersion: 'no_stream',
      }),
    ];
    const results = await Promise.allSettled(attempts);
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, r.reason]] : []));
    assert.equal(failed.length, 2);
    assert.ok(failed[0][1] instanceof ConcurrencyError && failed[0][0] === 17);
    assert.match(String(failed[1][1]), /projection failed/);
    for (let i = 0; i < 12; i++) assert.equal(await count(`lws-i-${i}`), 1);
    assert.deepEqual(
      (await combined.readStream('lws-i-same')).map((e) => e.data.i),
      [0, 1, 2, 3, 4],
    );
    assert.equal(await count('lws-i-same'), 5);
    assert.equal(await count('lws-i-stale'), 1);
    assert.equal(await count('lws-i-boom'), undefined);
    assert.equal(await combined.streamVersion('lws-i-boom'), 0);
    // Without a failure among them, the queued ones commit together.
    const together = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        combined.append(`lws-k-${i}`, [newEvent('Counted', {})], { expectedVersion: 'no_stream' }),
      ),
    );
    const txIds = new Set(together.map((r) => r.events[0].transactionId));
    assert.ok(txIds.size <= 2, `12 appends in ${txIds.size} transactions`);
  });

  test("a projection's nested manager.transaction() stays inside the append's transaction", async () => {
    await db.dataSource.query('CREATE TABLE nested_rows (stream_id text)');
    const nested: Projection = {
      name: 'nested',
      async apply(event, manager) {
        await manager.transaction(async (inner) => {
          await inner.query('INSERT INTO nested_rows VALUES ($1)', [event.streamId]);
        });
        if ((event.data as { fail?: boolean }).fail) throw new Error('after the nested one');
      },
      async reset(manager) {
        await manager.query('DELETE FROM nested_rows');
      },
    };
    const withNested = new EventStore(db.dataSource, { projections: [nested] });
    await withNested.append('lws-j', [newEvent('N', {})], { expectedVersion: 'no_stream' });
    await assert.rejects(
      withNested.append('lws-j', [newEvent('N', { fail: true })], { expectedVersion: 1 }),
      /after the nested one/,
    );
    assert.deepEqual(await db.dataSource.query('SELECT stream_id FROM nested_rows'), [
      { stream_id: 'lws-j' },
    ]);
    assert.equal(await withNested.streamVersion('lws-j'), 1);
  });

  test('writers that append again as soon as they are answered keep sharing transactions', async () => {
    const store8 = new EventStore(db.dataSource, {
      projections: [counterProjection()],
      appendConcurrency: 2,
    });
    const txs: string[][] = Array.from({ length: 5 }, () => []);
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        let version = 0;
        for (let round = 0; round < 5; round++) {
          const result = await store8.append(`lws-l-${writer}`, [newEvent('Counted', {})], {
            expectedVersion: version,
          });
          version = result.nextExpectedVersion;
          txs[round].push(result.events[0].transactionId);
        }
      }),
    );
    // Each round's 8 appends arrive in one turn of the event loop: one transaction (the first
    // round may split, as the first append starts before the others are made).
    for (const round of txs.slice(1)) assert.equal(new Set(round).size, 1, String(round));
    for (let w = 0; w < 8; w++) assert.equal(await count(`lws-l-${w}`), 5);
  });

  test('the append statement looks events up by index however large the log is', async () => {
    await db.dataSource.query(
      `INSERT INTO events (stream_id, stream_position, event_id, type, data, metadata)
       SELECT 'bulk-' || (g % 1000), g / 1000 + 1, gen_random_uuid(), 'Bulk', '{}', '{}'
       FROM generate_series(0, 59999) g`,
    );
    await db.dataSource.query('ANALYZE events');
    // The plan a prepared statement settles on (the store's are prepared once per connection).
    const plan: { 'QUERY PLAN': string }[] = await db.dataSource.transaction(async (m) => {
      await m.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await m.query(`PREPARE append_plan_check (jsonb) AS ${APPEND.text}`);
      try {
        return await m.query(
          `EXPLAIN EXECUTE append_plan_check ('[{"s":"x","m":"n","x":null,"e":[]}]')`,
        );
      } finally {
        await m.query('DEALLOCATE append_plan_check');
      }
    });
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    assert.doesNotMatch(text, /Seq Scan on events/, text);
    assert.match(text, /Index Scan using events_stream_event_id_key/, text);
  });
});
