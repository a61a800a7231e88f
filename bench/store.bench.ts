// Append throughput of the event store against raw INSERTs of the same rows.
//   npm run bench:store
//   env: BENCH_SECONDS (5 per case), BENCH_CONCURRENCY (8 writers = pool size),
//        BENCH_APPEND_CONCURRENCY (the store's appendConcurrency; default: its own)
// Each case runs the same number of concurrent writers over one pool of the same size, in short
// alternating slices, in a database of its own. "store" is EventStore.append with an expected
// version and one inline projection (a per-stream upsert into a small read model, in the append's
// transaction; `sql` form); "raw" is a plain INSERT of the same rows into a table without
// constraints, autocommitted. "(raw tx+upsert)" is a reference: the same rows and upsert in a
// hand-written transaction per append, four round trips (BEGIN, INSERT, upsert, COMMIT); the
// store does one per transaction and combines concurrent appends (group commit).
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { EventStore, type NewEvent, type Projection } from '../libs/events/src';
import { createTestDatabase } from '../libs/events/src/testing/test-database';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SLICES = 5;
const STREAMS_PER_WRITER = 50;
const TARGET_RATIO = 0.5;

interface CaseResult {
  name: string;
  batch: number;
  events: number;
  calls: number;
  seconds: number;
  latenciesMs: number[];
}

// The read model a product projection keeps: per stream, its event count and last event type.
// In the set-based `sql` form, which the store sends in the append's round trip: one upsert per
// stream of the batch (a combined transaction can hold many appends).
const countsProjection: Projection = {
  name: 'bench_counts',
  sql: (batch) => `
    INSERT INTO bench_counts (stream_id, events, last_type)
    SELECT b.stream_id, count(*), (array_agg(b.type ORDER BY b.stream_position DESC))[1]
    FROM ${batch} AS b
    GROUP BY b.stream_id
    ON CONFLICT (stream_id) DO UPDATE
      SET events = bench_counts.events + excluded.events, last_type = excluded.last_type`,
  async reset(manager) {
    await manager.query('TRUNCATE bench_counts');
  },
};

function makeEvents(batch: number, writer: number, seq: number): NewEvent[] {
  return Array.from({ length: batch }, (_, i) => ({
    eventId: randomUUID(),
    type: 'ReplicasScaled',
    data: { namespace: 'default', name: `lws-${writer}`, replicas: seq % 7, step: i },
    metadata: { actor: 'bench', correlationId: randomUUID(), source: 'bench', cluster: 'east' },
  }));
}

/** Runs `CONCURRENCY` writers calling `op` for `seconds`; adds to `into`. */
async function runSlice(
  into: CaseResult,
  op: (writer: number, seq: number) => Promise<void>,
  seconds: number,
): Promise<void> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, writer) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await op(writer, into.calls++);
        into.latenciesMs.push(performance.now() - t0);
        into.events += into.batch;
      }
    }),
  );
  into.seconds += (performance.now() - started) / 1000;
}

type Op = (writer: number, seq: number) => Promise<void>;

/**
 * The cases alternate in short slices, so that load from elsewhere on the machine (it is
 * shared) hits them alike; each gets `seconds` in total.
 */
async function compare(
  batch: number,
  cases: [string, Op][],
  seconds = SECONDS,
): Promise<CaseResult[]> {
  const results = cases.map(([name]): CaseResult => ({
    name,
    batch,
    events: 0,
    calls: 0,
    seconds: 0,
    latenciesMs: [],
  }));
  for (let slice = 0; slice < SLICES; slice++) {
    for (const [i, [, op]] of cases.entries()) await runSlice(results[i], op, seconds / SLICES);
  }
  return results;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function row(cells: (string | number)[], widths: number[]): string {
  return cells
    .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
    .join('  ');
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_store', { poolSize: CONCURRENCY });
  try {
    await db.dataSource.query(
      `CREATE TABLE bench_counts (stream_id text PRIMARY KEY, events int NOT NULL, last_type text)`,
    );
    await db.dataSource.query(`
      CREATE TABLE raw_events (
        global_position bigserial PRIMARY KEY,
        transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id text NOT NULL, stream_position bigint NOT NULL, event_id uuid NOT NULL,
        type text NOT NULL, schema_version int NOT NULL DEFAULT 1,
        data jsonb NOT NULL, metadata jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    const store = new EventStore(db.dataSource, {
      projections: [countsProjection],
      appendConcurrency: process.env.BENCH_APPEND_CONCURRENCY
        ? Number(process.env.BENCH_APPEND_CONCURRENCY)
        : undefined,
    });
    const pool: Pool = store.pool();

    const rawInsertSql = (batch: number): string =>
      'INSERT INTO raw_events (stream_id, stream_position, event_id, type, schema_version, data, metadata) VALUES ' +
      Array.from({ length: batch }, (_, i) => {
        const p = i * 7;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7})`;
      }).join(', ');

    const raw = (batch: number, prefix: string) => {
      const text = rawInsertSql(batch);
      const positions = new Map<string, number>();
      return async (writer: number, seq: number) => {
        const stream = `${prefix}-${writer}-${Math.floor(seq / CONCURRENCY) % STREAMS_PER_WRITER}`;
        const from = positions.get(stream) ?? 0;
        positions.set(stream, from + batch);
        const values = makeEvents(batch, writer, seq).flatMap((e, i) => [
          stream,
          from + i + 1,
          e.eventId,
          e.type,
          1,
          JSON.stringify(e.data),
          JSON.stringify(e.metadata),
        ]);
        await pool.query({ name: `bench_raw_${batch}`, text, values });
      };
    };

    // Reference, not a target: the same rows and upsert in a hand-written transaction.
    const rawTransaction = (batch: number, prefix: string) => {
      const text = rawInsertSql(batch);
      const positions = new Map<string, number>();
      return async (writer: number, seq: number) => {
        const stream = `${prefix}-${writer}-${Math.floor(seq / CONCURRENCY) % STREAMS_PER_WRITER}`;
        const from = positions.get(stream) ?? 0;
        positions.set(stream, from + batch);
        const events = makeEvents(batch, writer, seq);
        const values = events.flatMap((e, i) => [
          stream,
          from + i + 1,
          e.eventId,
          e.type,
          1,
          JSON.stringify(e.data),
          JSON.stringify(e.metadata),
        ]);
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query({ name: `bench_raw_${batch}`, text, values });
          for (const e of events) {
            await client.query({
              name: 'bench_upsert',
              text: `INSERT INTO bench_counts (stream_id, events, last_type) VALUES ($1, 1, $2)
                     ON CONFLICT (stream_id) DO UPDATE
                       SET events = bench_counts.events + 1, last_type = excluded.last_type`,
              values: [`tx-${stream}`, e.type],
            });
          }
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      };
    };

    const appendCase = (batch: number, prefix: string) => {
      const versions = new Map<string, number>();
      return async (writer: number, seq: number) => {
        const stream = `${prefix}-${writer}-${Math.floor(seq / CONCURRENCY) % STREAMS_PER_WRITER}`;
        const result = await store.append(stream, makeEvents(batch, writer, seq), {
          expectedVersion: versions.get(stream) ?? 'no_stream',
        });
        versions.set(stream, result.nextExpectedVersion);
      };
    };

    const cases = (batch: number, prefix: string): [string, Op][] => [
      [`raw INSERT, batch ${batch}`, raw(batch, `${prefix}raw${batch}`)],
      [`(raw tx+upsert, batch ${batch})`, rawTransaction(batch, `${prefix}tx${batch}`)],
      [`store.append, batch ${batch}`, appendCase(batch, `${prefix}store${batch}`)],
    ];

    process.stdout.write(
      `store bench: ${CONCURRENCY} concurrent writers, pool ${CONCURRENCY}, ${SECONDS} s per case, ` +
        `Postgres ${(await pool.query('SHOW server_version')).rows[0].server_version}\n`,
    );
    // Warm up connections, prepared statements and caches.
    await compare(1, cases(1, 'warm-'), 1);

    const results: CaseResult[] = [];
    for (const batch of [1, 10]) results.push(...(await compare(batch, cases(batch, ''))));

    // Everything the store said it wrote is there, and projected.
    const [{ count }] = await db.dataSource.query(
      `SELECT count(*)::int AS count FROM events WHERE stream_id LIKE 'store%'`,
    );
    const [{ projected }] = await db.dataSource.query(
      `SELECT coalesce(sum(events), 0)::int AS projected FROM bench_counts WHERE stream_id LIKE 'store%'`,
    );
    const appended = results
      .filter((r) => r.name.startsWith('store'))
      .reduce((n, r) => n + r.events, 0);
    if (count !== appended || projected !== appended) {
      throw new Error(`store wrote ${count} events, projected ${projected}, expected ${appended}`);
    }

    const widths = [30, 10, 10, 8, 8, 12];
    const lines = [
      row(['case', 'events/s', 'calls/s', 'p50 ms', 'p99 ms', 'vs raw'], widths),
      row(
        [
          '-'.repeat(30),
          '-'.repeat(10),
          '-'.repeat(10),
          '-'.repeat(8),
          '-'.repeat(8),
          '-'.repeat(12),
        ],
        widths,
      ),
    ];
    const ratios: { batch: number; ratio: number }[] = [];
    for (const r of results) {
      const sorted = [...r.latenciesMs].sort((a, b) => a - b);
      const eps = r.events / r.seconds;
      const baseline = results.find((b) => b.batch === r.batch && b.name.startsWith('raw'))!;
      const ratio = eps / (baseline.events / baseline.seconds);
      if (r.name.startsWith('store')) ratios.push({ batch: r.batch, ratio });
      lines.push(
        row(
          [
            r.name,
            Math.round(eps),
            Math.round(eps / r.batch),
            percentile(sorted, 50).toFixed(2),
            percentile(sorted, 99).toFixed(2),
            r === baseline ? '1.00' : ratio.toFixed(2),
          ],
          widths,
        ),
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    const single = ratios.find((r) => r.batch === 1)!;
    process.stdout.write(
      `single appends at ${single.ratio.toFixed(2)} of raw INSERT throughput ` +
        `(target >= ${TARGET_RATIO}): ${single.ratio >= TARGET_RATIO ? 'met' : 'NOT met'}\n`,
    );
  } finally {
    await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`store bench failed: ${(err as Error)?.stack ?? err}\n`);
  process.exitCode = 1;
});
