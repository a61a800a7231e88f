import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrations } from '../../../migrations';
import {
  PostgresUnreachableError,
  createDataSource,
  dropDatabase,
  ensureDatabase,
  redactUrl,
  runMigrations,
  withDatabase,
} from './index';
import { createTestDatabase } from './testing/test-database';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lws';

describe('database helpers', () => {
  test('redactUrl removes the password and nothing else', () => {
    assert.equal(
      redactUrl('postgres://lws:s3cret@db.example:5432/lws?sslmode=require'),
      'postgres://lws@db.example:5432/lws?sslmode=require',
    );
    assert.equal(
      redactUrl('postgres://postgres@127.0.0.1:5432/lws'),
      'postgres://postgres@127.0.0.1:5432/lws',
    );
    assert.equal(redactUrl('postgres://u:p%40ss@h/db'), 'postgres://u@h/db');
  });

  test('an unreachable server gives an error that says where and how to start it', async () => {
    const url = 'postgres://postgres:topsecret@127.0.0.1:1/lws';
    for (const attempt of [() => ensureDatabase(url), () => createDataSource(url)]) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(err instanceof PostgresUnreachableError);
        assert.equal(
          err.message,
          'Postgres is unreachable at postgres://postgres@127.0.0.1:1/lws (ECONNREFUSED). ' +
            'Start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start',
        );
        assert.ok(!err.message.includes('topsecret'));
        return true;
      });
    }
  });

  test('ensureDatabase is safe when many processes create the same database at once', async () => {
    const url = withDatabase(SERVER, `lws_test_ensure_${process.pid}_${Date.now() % 100000}`);
    try {
      await Promise.all(Array.from({ length: 6 }, () => ensureDatabase(url)));
      await ensureDatabase(url);
      const ds = await createDataSource(url, { migrations, poolSize: 4 });
      try {
        // Migrating twice at once: the advisory lock serializes; the second finds nothing to do.
        const ran = await Promise.all([runMigrations(ds), runMigrations(ds)]);
        assert.deepEqual(
          ran.flat(),
          migrations.map((m) => new m().name),
        );
        assert.deepEqual(await runMigrations(ds), []);
        const tables = await ds.query(
          `SELECT table_name FROM information_schema.tables
           WHERE table_schema = 'public' ORDER BY table_name`,
        );
        const names = tables.map((t: { table_name: string }) => t.table_name);
        for (const table of ['checkpoints', 'events', 'migrations', 'streams']) {
          assert.ok(names.includes(table), table);
        }
      } finally {
        await ds.destroy();
      }
    } finally {
      await dropDatabase(url);
    }
  });

  test('createTestDatabase makes a migrated database and drop() removes it', async () => {
    const db = await createTestDatabase('Helpers-Self Test');
    assert.match(db.url, /\/lws_test_helpers_self_test_[0-9a-f]{8}$/);
    const [{ count }] = await db.dataSource.query('SELECT count(*)::int AS count FROM events');
    assert.equal(count, 0);
    await db.drop();
    await db.drop();
    const admin = await createDataSource(withDatabase(SERVER, 'postgres'), { poolSize: 1 });
    try {
      const name = db.url.slice(db.url.lastIndexOf('/') + 1);
      const rows = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      assert.equal(rows.length, 0);
    } finally {
      await admin.destroy();
    }
  });
});
