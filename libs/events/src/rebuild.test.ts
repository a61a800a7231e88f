import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EntityManager } from 'typeorm';
import { runRebuildCli } from './cli/rebuild';
import { EventStore, rebuildReadModels, type Projection, type StoredEvent } from './index';
import { newEvent } from './testing/events';
import { createTestDatabase, type TestDatabase } from './testing/test-database';

/** A toy read model of "LWS": replicas per stream, with a deletion and an order-sensitive field. */
const lwsProjection: Projection = {
  name: 'toy_lws',
  handles: ['Applied', 'Scaled', 'Deleted'],
  async apply(event: StoredEvent, manager: EntityManager) {
    const data = event.data as { replicas?: number; at?: string };
    if (event.type === 'Deleted') {
      await manager.query('DELETE FROM toy_lws WHERE stream_id = $1', [event.streamId]);
      return;
    }
    await manager.query(
      `INSERT INTO toy_lws (stream_id, replicas, history, version, last_at)
       VALUES ($1, $2, ARRAY[$2::int], $3, $4)
       ON CONFLICT (stream_id) DO UPDATE SET replicas = $2,
         history = toy_lws.history || $2::int, version = $3, last_at = $4`,
      [event.streamId, data.replicas ?? 0, event.streamPosition, data.at ?? null],
    );
  },
  async reset(manager: EntityManager) {
    await manager.query('DELETE FROM toy_lws');
  },
};

const snapshot = async (db: TestDatabase): Promise<unknown[]> =>
  db.dataSource.query('SELECT * FROM toy_lws ORDER BY stream_id');

describe('rebuildReadModels', () => {
  let db: TestDatabase;
  let store: EventStore;

  before(async () => {
    db = await createTestDatabase('rebuild');
    await db.dataSource.query(
      `CREATE TABLE toy_lws (stream_id text PRIMARY KEY, replicas int NOT NULL,
        history int[] NOT NULL, version int NOT NULL, last_at text)`,
    );
    store = new EventStore(db.dataSource, { projections: [lwsProjection] });
  });

  after(async () => {
    await db?.drop();
  });

  test('dropping the read model and replaying the log gives identical rows', async () => {
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const stream = `lws-${i}`;
        let version = 0;
        for (let step = 0; step < 5; step++) {
          const type = step === 0 ? 'Applied' : 'Scaled';
          // A Date becomes a string in JSON: inline and replay must see the same value.
          const result = await store.append(
            stream,
            [newEvent(type, { replicas: i + step, at: new Date(Date.UTC(2026, 0, step + 1)) })],
            { expectedVersion: version },
          );
          version = result.nextExpectedVersion;
        }
        if (i % 4 === 0) {
          await store.append(stream, [newEvent('Deleted', {})], { expectedVersion: version });
        }
      }),
    );
    const inline = await snapshot(db);
    assert.equal(inline.length, 9);

    await db.dataSource.query(`UPDATE toy_lws SET replicas = -1`); // drift, to be repaired
    await db.dataSource.query(`INSERT INTO toy_lws VALUES ('stray', 1, '{1}', 1, NULL)`);
    const progress: number[] = [];
    const result = await rebuildReadModels(store, [lwsProjection], {
      batchSize: 7,
      onProgress: (p) => progress.push(p.events),
    });
    assert.equal(result.events, 12 * 5 + 3);
    assert.equal(progress.at(-1), 63);
    assert.deepEqual(await snapshot(db), inline);
  });

  test('the CLI replays the projections it is given and reports progress', async () => {
    const before = await snapshot(db);
    await db.dataSource.query('DELETE FROM toy_lws');
    const lines: string[] = [];
    const result = await runRebuildCli(() => [lwsProjection], {
      url: db.url,
      log: (line) => lines.push(line),
    });
    assert.equal(result.events, 63);
    assert.deepEqual(await snapshot(db), before);
    assert.match(lines.join('\n'), /rebuilt 1 projection\(s\) from 63 events in \d+ ms/);
    assert.ok(!lines.join('\n').includes('password'));
  });
});
