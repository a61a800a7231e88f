import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { dropDatabase, withDatabase } from '../../libs/events/src';

const MAIN = resolve(__dirname, '..', '..', 'apps', 'api', 'src', 'main.js');
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lws';

interface Run {
  code: number | null;
  output: string;
}

/** Runs `npm start`'s entry point with this environment until it exits, or until it logs that it listens (then stops it). */
function runApi(
  env: Record<string, string>,
  timeoutMs = 20000,
): Promise<Run & { listening: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'info',
        LWS_DATA_DIR: mkdtempSync(join(tmpdir(), 'lws-start-')),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let listening = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!listening && output.includes('listening on')) {
        listening = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the API neither failed nor listened within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output, listening });
    });
  });
}

describe('npm start', () => {
  const database = `lws_test_startup_${randomBytes(4).toString('hex')}`;
  after(async () => dropDatabase(withDatabase(BASE_URL, database)));

  test('fails fast, naming the Postgres URL without its password, when Postgres is unreachable', async () => {
    const run = await runApi({ DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/lws' });
    assert.equal(run.code, 1);
    assert.match(
      run.output,
      /Postgres is unreachable at postgres:\/\/postgres(:\*+)?@127\.0\.0\.1:1\/lws/,
    );
    assert.match(run.output, /pg_ctlcluster/);
    assert.ok(!run.output.includes('hunter2'));
  });

  test('fails fast, naming the Redis URL without its password, when Redis is unreachable', async () => {
    const run = await runApi({
      DATABASE_URL: withDatabase(BASE_URL, database),
      REDIS_URL: 'redis://:sekrit@127.0.0.1:1',
    });
    assert.equal(run.code, 1);
    assert.match(run.output, /Redis is unreachable at redis:\/\/(:\*+@)?127\.0\.0\.1:1/);
    assert.match(run.output, /redis-server/);
    assert.ok(!run.output.includes('sekrit'));
  });

  test('a bad setting stops it with a message naming the variable', async () => {
    const run = await runApi({ PORT: 'eighty' });
    assert.equal(run.code, 2);
    assert.match(run.output, /PORT must be a port number/);
  });

  test('creates the database when missing, migrates it, and listens', async () => {
    const url = withDatabase(BASE_URL, database);
    const run = await runApi({ DATABASE_URL: url });
    assert.equal(run.listening, true, run.output);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      );
      const names = tables.rows.map((r) => r.table_name);
      for (const table of ['events', 'clusters', 'leader_worker_sets', 'lws_revisions'])
        assert.ok(names.includes(table), names.join());
    } finally {
      await client.end();
    }
  });
});
