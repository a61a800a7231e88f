// SQL of the event store and the mapping of its rows. Internal: not exported from the package.
import { createHash } from 'node:crypto';
import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import type { Checkpoint, EventMetadata, StoredEvent } from './types';

/** A pg Pool or PoolClient. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}

/** The channel the store NOTIFYs after appends (a wake-up for followers; no payload). */
export const EVENTS_CHANNEL = 'lws_events';

export const NOTIFY = {
  name: 'lws_events_notify_v1',
  text: `SELECT pg_notify('${EVENTS_CHANNEL}', '')`,
};

export interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_position: string;
  event_id: string;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  created_at: Date;
}

// Cast to text so that a global pg type parser cannot turn big numbers into lossy JS numbers.
// The output names shadow the columns: ORDER BY must name e.transaction_id, not transaction_id
// (which would sort the text).
/** The columns of an event row; `payload` selects its data and metadata (both, as `data, metadata`). */
const eventColumns = (
  payload = 'e.data, e.metadata',
) => `e.global_position::text AS global_position,
  e.transaction_id::text AS transaction_id, e.stream_id, e.stream_position::text AS stream_position,
  e.event_id, e.type, e.schema_version, ${payload}, e.created_at`;
const EVENT_COLUMNS = eventColumns();

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    streamPosition: Number(row.stream_position),
    globalPosition: row.global_position,
    transactionId: row.transaction_id,
    createdAt: row.created_at,
  };
}

/*
 * One statement appends to one or more streams (distinct streams: a statement cannot update a row
 * twice). $1 is a JSON array of appends, each { s: stream id, m: mode, x: expected version,
 * e: [{ id, type, v, data, metadata }] } with mode 'v' (stream at version x), 'n' (no stream) or
 * 'a' (any). Per append, in one round trip: the idempotency lookup (an append whose event ids are
 * stored already writes nothing), the version check, which locks the stream's row (concurrent
 * appends to one stream serialize; a stale one matches no row and writes nothing), and the insert.
 * A stream's row records its last appending transaction: an older transaction (smaller xid) may
 * not append after it, or the global log, ordered by xid, would show the stream out of order.
 * Returns the inserted events (inserted = true) and the already stored ones (k = the append's
 * 1-based index).
 * The idempotency lookup is a LATERAL subquery with LIMIT so that it stays one index lookup per
 * event: as a plain join, the generic plan (prepared statement) estimates 100 x 100 input events
 * and, once ANALYZE has seen some 50k events, hashes the whole events table on every append
 * (14 ms per append at 50k events, growing with the log).
 */
export const APPEND = {
  name: 'lws_events_append_v3',
  text: `
WITH input AS (
  SELECT a.ord AS k, a.value->>'s' AS stream_id, a.value->>'m' AS mode,
         (a.value->>'x')::bigint AS expected, jsonb_array_length(a.value->'e') AS n,
         a.value->'e' AS events
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS a(value, ord)
),
existing AS (
  SELECT i.k, ev.global_position, ev.transaction_id, ev.stream_id, ev.stream_position,
         ev.event_id, ev.type, ev.schema_version, ev.data, ev.metadata, ev.created_at
  FROM input i
  CROSS JOIN jsonb_array_elements(i.events) AS x(value)
  CROSS JOIN LATERAL (
    SELECT * FROM events ev
    WHERE ev.stream_id = i.stream_id AND ev.event_id = (x.value->>'id')::uuid
    LIMIT 1 -- (unique) keeps this an index lookup per event: see above
  ) ev
),
fresh AS (
  SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM existing x WHERE x.k = i.k)
),
at_version AS (
  UPDATE streams s SET version = s.version + f.n, transaction_id = pg_current_xact_id()
  FROM fresh f
  WHERE f.mode = 'v' AND s.stream_id = f.stream_id AND s.version = f.expected
    AND s.transaction_id <= pg_current_xact_id()
  RETURNING s.stream_id, s.version
),
created AS (
  INSERT INTO streams (stream_id, version)
  SELECT f.stream_id, f.n FROM fresh f WHERE f.mode = 'n'
  ON CONFLICT (stream_id) DO NOTHING
  RETURNING stream_id, version
),
at_any AS (
  INSERT INTO streams AS s (stream_id, version)
  SELECT f.stream_id, f.n FROM fresh f WHERE f.mode = 'a'
  ON CONFLICT (stream_id) DO UPDATE
    SET version = s.version + excluded.version, transaction_id = excluded.transaction_id
    WHERE s.transaction_id <= excluded.transaction_id
  RETURNING s.stream_id, s.version
),
bumped AS (
  SELECT * FROM at_version UNION ALL SELECT * FROM created UNION ALL SELECT * FROM at_any
),
inserted AS (
  INSERT INTO events (stream_id, stream_position, event_id, type, schema_version, data, metadata)
  SELECT b.stream_id, b.version - f.n + e.ord, (e.value->>'id')::uuid, e.value->>'type',
         (e.value->>'v')::int, e.value->'data', e.value->'metadata'
  FROM bumped b
  JOIN fresh f ON f.stream_id = b.stream_id
  CROSS JOIN jsonb_array_elements(f.events) WITH ORDINALITY AS e(value, ord)
  ORDER BY f.k, e.ord
  RETURNING global_position, transaction_id, stream_id, stream_position, event_id, created_at
)
SELECT true AS inserted, NULL::bigint AS k, global_position::text AS global_position,
       transaction_id::text AS transaction_id, stream_id, stream_position::text AS stream_position,
       event_id, NULL::text AS type, NULL::int AS schema_version, NULL::jsonb AS data,
       NULL::jsonb AS metadata, created_at
FROM inserted
UNION ALL
SELECT false, k, global_position::text, transaction_id::text, stream_id, stream_position::text,
       event_id, type, schema_version, data, metadata, created_at
FROM existing`,
};

export async function append(db: Queryable, json: string): Promise<AppendRow[]> {
  return (await db.query<AppendRow>({ ...APPEND, values: [json] })).rows;
}

// The same statement, PREPAREd in SQL so that it can follow BEGIN in one simple-protocol
// round trip. (Protocol-level and SQL prepared statements share one namespace per session.)
const SQL_PREPARED = 'lws_events_append_sql_v3';
const SQL_PREPARED_TEXT = `PREPARE ${SQL_PREPARED} (jsonb) AS ${APPEND.text}`;
/** The SQL prepared statements made on each connection. */
const preparedOn = new WeakMap<object, Set<string>>();

/** PREPAREs `name` (SQL `PREPARE name … AS …` text in `prepare`) once per connection. */
async function ensurePrepared(client: PoolClient, name: string, prepare: string): Promise<void> {
  let names = preparedOn.get(client);
  if (!names) preparedOn.set(client, (names = new Set()));
  if (names.has(name)) return;
  await client.query(prepare).catch((err: { code?: string }) => {
    if (err.code !== '42P05') throw err; // duplicate_prepared_statement: prepared already
  });
  names.add(name);
}

/** Runs `text` (EXECUTEs of SQL prepared statements); forgets them if they were deallocated. */
async function executePrepared<R extends QueryResultRow>(
  client: PoolClient,
  text: string,
): Promise<QueryResult<R>[]> {
  try {
    return (await client.query(text)) as unknown as QueryResult<R>[];
  } catch (err) {
    // invalid_sql_statement_name: someone ran DEALLOCATE/DISCARD on this connection.
    if ((err as { code?: string }).code === '26000') preparedOn.delete(client);
    throw err;
  }
}

/** BEGIN and the append statement in one round trip, on a connection outside a transaction. */
export async function beginAndAppend(client: PoolClient, json: string): Promise<AppendRow[]> {
  await ensurePrepared(client, SQL_PREPARED, SQL_PREPARED_TEXT);
  const results = await executePrepared<AppendRow>(
    client,
    `BEGIN; EXECUTE ${SQL_PREPARED} (${client.escapeLiteral(json)})`,
  );
  return results[1].rows;
}

const statementNames = new Map<string, string>();

/** A prepared statement name for `statement`, the same for the same text. */
function statementName(statement: string): string {
  let name = statementNames.get(statement);
  if (!name) {
    name = `lws_events_sql_${createHash('sha1').update(statement).digest('hex').slice(0, 24)}`;
    statementNames.set(statement, name);
  }
  return name;
}

/**
 * A whole transaction in one round trip, on a connection outside a transaction: BEGIN, the append
 * statement, `statements` (parameterless SQL, e.g. projections over the events just appended),
 * COMMIT. If any of them fails, the rest are skipped and the transaction is left aborted: the
 * caller must ROLLBACK.
 */
export async function appendInOneTrip(
  client: PoolClient,
  json: string,
  statements: readonly string[],
): Promise<AppendRow[]> {
  await ensurePrepared(client, SQL_PREPARED, SQL_PREPARED_TEXT);
  const names: string[] = [];
  for (const statement of statements) {
    const name = statementName(statement);
    await ensurePrepared(client, name, `PREPARE ${name} AS ${statement}`);
    names.push(name);
  }
  const results = await executePrepared<AppendRow>(
    client,
    [
      'BEGIN',
      `EXECUTE ${SQL_PREPARED} (${client.escapeLiteral(json)})`,
      ...names.map((name) => `EXECUTE ${name}`),
      'COMMIT',
    ].join('; '),
  );
  return results[1].rows;
}

export interface AppendRow {
  inserted: boolean;
  k: string | null;
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_position: string;
  event_id: string;
  type: string | null;
  schema_version: number | null;
  data: Record<string, unknown> | null;
  metadata: EventMetadata | null;
  created_at: Date;
}

/** Current versions of `streamIds` (absent streams are left out). */
export async function streamVersions(
  db: Queryable,
  streamIds: string[],
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ stream_id: string; version: string }>({
    name: 'lws_events_stream_versions_v1',
    text: 'SELECT stream_id, version FROM streams WHERE stream_id = ANY ($1::text[])',
    values: [streamIds],
  });
  return new Map(rows.map((r) => [r.stream_id, Number(r.version)]));
}

export async function streamVersion(db: Queryable, streamId: string): Promise<number> {
  const { rows } = await db.query<{ version: string }>({
    name: 'lws_events_stream_version_v1',
    text: 'SELECT version FROM streams WHERE stream_id = $1',
    values: [streamId],
  });
  return rows.length ? Number(rows[0].version) : 0;
}

export async function readStream(
  db: Queryable,
  streamId: string,
  fromPosition: number,
  limit: number | null,
): Promise<StoredEvent[]> {
  const { rows } = await db.query<EventRow>({
    name: 'lws_events_read_stream_v1',
    text: `SELECT ${EVENT_COLUMNS} FROM events e
           WHERE e.stream_id = $1 AND e.stream_position >= $2
           ORDER BY e.stream_position LIMIT $3`,
    values: [streamId, fromPosition, limit],
  });
  return rows.map(toStoredEvent);
}

/**
 * Committed events after `after`, below the oldest running transaction (no skipped events). With
 * `types`, the events of other types come without their data and metadata (null): a follower that
 * needs a few types still moves its checkpoint past the rest, without reading them.
 */
export async function readAll(
  db: Queryable,
  after: Checkpoint,
  limit: number,
  types?: readonly string[],
): Promise<StoredEvent[]> {
  const where = `WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
             AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY e.transaction_id, e.global_position LIMIT $3`;
  const { rows } = types
    ? await db.query<EventRow>({
        name: 'lws_events_read_types_v1',
        text: `SELECT ${eventColumns(
          `CASE WHEN e.type = ANY ($4::text[]) THEN e.data END AS data,
           CASE WHEN e.type = ANY ($4::text[]) THEN e.metadata END AS metadata`,
        )} FROM events e ${where}`,
        values: [after.transactionId, after.globalPosition, limit, types],
      })
    : await db.query<EventRow>({
        name: 'lws_events_read_all_v2',
        text: `SELECT ${EVENT_COLUMNS} FROM events e ${where}`,
        values: [after.transactionId, after.globalPosition, limit],
      });
  return rows.map(toStoredEvent);
}

/** Every visible event after `after`, ignoring running transactions: for rebuilds under lock. */
export async function readAllUnguarded(
  db: Queryable,
  after: Checkpoint,
  limit: number,
): Promise<StoredEvent[]> {
  const { rows } = await db.query<EventRow>({
    name: 'lws_events_read_all_unguarded_v2',
    text: `SELECT ${EVENT_COLUMNS} FROM events e
           WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
           ORDER BY e.transaction_id, e.global_position LIMIT $3`,
    values: [after.transactionId, after.globalPosition, limit],
  });
  return rows.map(toStoredEvent);
}

/** Whether committed events exist after `after` that `readAll` cannot return yet. */
export async function hasUnreadableEvents(db: Queryable, after: Checkpoint): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>({
    name: 'lws_events_has_unreadable_v2',
    text: `SELECT EXISTS (SELECT 1 FROM events e WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)) AS exists`,
    values: [after.transactionId, after.globalPosition],
  });
  return rows[0].exists;
}

/**
 * A checkpoint "from now on": after every event of transactions that have finished. Events of
 * transactions still running (even if they committed a moment ago) come after it.
 */
export async function headCheckpoint(db: Queryable): Promise<Checkpoint> {
  const { rows } = await db.query<{ xmin: string }>({
    name: 'lws_events_head_v2',
    text: 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
  });
  // Global positions start at 1, so (xmin, 0) is before every event of transaction xmin.
  return { transactionId: rows[0].xmin, globalPosition: '0' };
}
