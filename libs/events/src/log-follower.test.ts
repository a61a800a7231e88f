import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EntityManager } from 'typeorm';
import { EventStore, type StoredEvent } from './index';
import { newEvent } from './testing/events';
import { createTestDatabase, type TestDatabase } from './testing/test-database';

describe('LogFollower', () => {
  let db: TestDatabase;
  let store: EventStore;

  before(async () => {
    db = await createTestDatabase('log_follower');
    await db.dataSource.query(
      `CREATE TABLE handled (event_id uuid, follower text, type text NOT NULL,
        PRIMARY KEY (event_id, follower))`,
    );
    store = new EventStore(db.dataSource);
  });

  after(async () => {
    await db?.drop();
  });

  /** A handler that records each event in `handled` (a duplicate would violate the key). */
  const recordAs =
    (follower: string, seen: StoredEvent[] = []) =>
    async (events: StoredEvent[], manager: EntityManager) => {
      seen.push(...events);
      for (const e of events) {
        await manager.query('INSERT INTO handled VALUES ($1, $2, $3)', [
          e.eventId,
          follower,
          e.type,
        ]);
      }
    };

  const handledBy = async (follower: string): Promise<string[]> =>
    (
      await db.dataSource.query<{ type: string }[]>(
        'SELECT type FROM handled WHERE follower = $1 ORDER BY type',
        [follower],
      )
    ).map((r) => r.type);

  test('a restarted follower continues from its checkpoint, handling nothing twice', async () => {
    await store.append('f-1', [newEvent('E1', {}), newEvent('E2', {})], { expectedVersion: 'any' });
    const firstSeen: StoredEvent[] = [];
    const first = await store.subscribe('restart', recordAs('restart', firstSeen), { pollMs: 50 });
    await first.whenCaughtUp();
    await first.stop();
    assert.deepEqual(
      firstSeen.map((e) => e.type),
      ['E1', 'E2'],
    );

    // Written while no follower runs.
    await store.append('f-1', [newEvent('E3', {})], { expectedVersion: 'any' });
    const secondSeen: StoredEvent[] = [];
    const second = await store.subscribe('restart', recordAs('restart', secondSeen), {
      pollMs: 50,
    });
    await second.whenCaughtUp();
    assert.deepEqual(
      secondSeen.map((e) => e.type),
      ['E3'],
    );
    // And woken by NOTIFY for new events (pollMs is long: a wake-up must come from the append).
    await second.stop();
    const third = await store.subscribe('restart', recordAs('restart', secondSeen), {
      pollMs: 60_000,
    });
    await third.whenCaughtUp();
    await store.append('f-1', [newEvent('E4', {})], { expectedVersion: 'any' });
    const deadline = Date.now() + 10_000;
    while (secondSeen.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await third.stop();
    assert.deepEqual(
      secondSeen.map((e) => e.type),
      ['E3', 'E4'],
    );
    assert.deepEqual(await handledBy('restart'), ['E1', 'E2', 'E3', 'E4']);
  });

  test('a follower of some types gets only those, with their data, and its checkpoint moves past the rest', async () => {
    await store.append(
      'typed-1',
      [newEvent('Wanted', { n: 1 }), newEvent('Other', { n: 2 }), newEvent('Other', { n: 3 })],
      { expectedVersion: 'any' },
    );
    const seen: StoredEvent[] = [];
    const first = await store.subscribe('typed', recordAs('typed', seen), {
      pollMs: 50,
      types: ['Wanted'],
    });
    await first.whenCaughtUp();
    await first.stop();
    assert.deepEqual(
      seen.map((e) => [e.type, e.data]),
      [['Wanted', { n: 1 }]],
    );
    assert.equal(seen[0].metadata !== null && typeof seen[0].metadata, 'object');

    // Only other types since: a restarted follower hands nothing over and reads none of them again.
    await store.append('typed-1', [newEvent('Other', { n: 4 })], { expectedVersion: 'any' });
    const again: StoredEvent[] = [];
    const second = await store.subscribe('typed', recordAs('typed', again), {
      pollMs: 50,
      types: ['Wanted'],
    });
    await second.whenCaughtUp();
    await store.append('typed-1', [newEvent('Wanted', { n: 5 })], { expectedVersion: 'any' });
    await second.whenCaughtUp();
    await second.stop();
    assert.deepEqual(
      again.map((e) => [e.type, e.data]),
      [['Wanted', { n: 5 }]],
    );
    assert.equal(
      second.checkpoint?.globalPosition,
      (await store.readAll({ limit: 100_000 })).at(-1)?.globalPosition,
      'the checkpoint is at the last event, past the others',
    );
  });

  test('a failing handler rolls back its writes and the checkpoint, then retries the batch', async () => {
    await store.append('f-2', [newEvent('Fails', {}), newEvent('After', {})], {
      expectedVersion: 'any',
    });
    let failuresLeft = 2;
    const errors: unknown[] = [];
    const follower = await store.subscribe(
      'flaky',
      async (events, manager) => {
        await recordAs('flaky')(events, manager);
        if (events.some((e) => e.type === 'Fails') && failuresLeft-- > 0) {
          throw new Error('handler crashed');
        }
      },
      { pollMs: 10, onError: (err) => errors.push(err) },
    );
    const caughtUp = follower.whenCaughtUp();
    await caughtUp;
    await follower.stop();
    assert.equal(errors.length, 2);
    const types = await handledBy('flaky');
    assert.equal(types.filter((t) => t === 'Fails').length, 1, 'rolled back twice, stored once');
    assert.ok(types.includes('After'));
  });

  test('two followers with the same name never handle an event twice', async () => {
    for (let i = 0; i < 20; i++) {
      await store.append(`f-3-${i}`, [newEvent(`Twin${String(i).padStart(2, '0')}`, {})], {
        expectedVersion: 'no_stream',
      });
    }
    // Duplicate handling would violate `handled`'s key, fail the batch and surface here.
    const errors: unknown[] = [];
    const options = { pollMs: 10, batchSize: 3, onError: (err: unknown) => errors.push(err) };
    const [a, b] = await Promise.all([
      store.subscribe('twins', recordAs('twins'), options),
      store.subscribe('twins', recordAs('twins'), options),
    ]);
    await Promise.all([a.whenCaughtUp(), b.whenCaughtUp()]);
    await Promise.all([a.stop(), b.stop()]);
    assert.deepEqual(errors, []);
    const types = await handledBy('twins');
    assert.equal(types.filter((t) => t.startsWith('Twin')).length, 20);
  });

  test('stop() waits for the batch in flight, which then commits', async () => {
    await store.append('f-4', [newEvent('Slow', {})], { expectedVersion: 'any' });
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const follower = await store.subscribe(
      'stopper',
      async (events, manager) => {
        // (Earlier batches may hold older events only, while the xmin horizon catches up.)
        if (events.some((e) => e.type === 'Slow')) entered();
        await new Promise((r) => setTimeout(r, 200));
        await recordAs('stopper')(events, manager);
      },
      { pollMs: 10 },
    );
    await inHandler;
    await follower.stop();
    assert.ok((await handledBy('stopper')).includes('Slow'));
    const [{ transaction_id: saved }] = await db.dataSource.query(
      `SELECT transaction_id::text FROM checkpoints WHERE name = 'stopper'`,
    );
    assert.equal(saved, follower.checkpoint?.transactionId);
    assert.notEqual(saved, '0');
  });
});
