// SQL of the event store and the mapping of its rows. Internal: not exported from the package.
import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';
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
const EVENT_COLUMNS = `e.global_position::text AS global_position,
  e.transaction_id::text AS transaction_id, e.stream_id, e.stream_position::text AS stream_position,
  e.event_id, e.type, e.schema_version, e.data, e.metadata, e.created_at`;

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
 * One statement per append: the idempotency lookup, the version check (which locks the stream's
 * row, so concurrent appends to one stream serialize and a stale one matches nothing) and the
 * insert. $1 stream id, $2 caller-given event ids, $3 batch size, $4 the batch as a JSON array,
 * $5 the expected version. A stream's row also records the last appending transaction: a
 * transaction with a smaller xid may not append after it, or the global log, ordered by xid,
 * would show the stream's events out of order.
 */
function appendSql(bump: string): string {
  return `
WITH existing AS (
  SELECT global_position, transaction_id, stream_id, stream_position, event_id, type,
         schema_version, data, metadata, created_at
  FROM events WHERE stream_id = $1::text AND event_id = ANY ($2::uuid[])
),
bumped AS (${bump}),
inserted AS (
  INSERT INTO events (stream_id, stream_position, event_id, type, schema_version, data, metadata)
  SELECT $1::text, bumped.version - $3::int + e.ord, (e.value->>'id')::uuid, e.value->>'type',
         (e.value->>'v')::int, e.value->'data', e.value->'metadata'
  FROM bumped CROSS JOIN jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(value, ord)
  ORDER BY e.ord
  RETURNING global_position, transaction_id, stream_position, event_id, created_at
)
SELECT true AS inserted, global_position::text, transaction_id::text, stream_position, event_id,
       NULL::text AS type, NULL::int AS schema_version, NULL::jsonb AS data,
       NULL::jsonb AS metadata, created_at
FROM inserted
UNION ALL
SELECT false, global_position::text, transaction_id::text, stream_position, event_id, type,
       schema_version, data, metadata, created_at
FROM existing`;
}

export const APPEND_EXPECTED = {
  name: 'lws_events_append_expected_v1',
  text: appendSql(`
  UPDATE streams SET version = version + $3::int, transaction_id = pg_current_xact_id()
  WHERE stream_id = $1::text AND version = $5::bigint
    AND transaction_id <= pg_current_xact_id() AND NOT EXISTS (SELECT 1 FROM existing)
  RETURNING version`),
};

export const APPEND_NO_STREAM = {
  name: 'lws_events_append_no_stream_v1',
  text: appendSql(`
  INSERT INTO streams (stream_id, version)
  SELECT $1::text, $3::int WHERE NOT EXISTS (SELECT 1 FROM existing)
  ON CONFLICT (stream_id) DO NOTHING
  RETURNING version`),
};

export const APPEND_ANY = {
  name: 'lws_events_append_any_v1',
  text: appendSql(`
  INSERT INTO streams AS s (stream_id, version)
  SELECT $1::text, $3::int WHERE NOT EXISTS (SELECT 1 FROM existing)
  ON CONFLICT (stream_id) DO UPDATE
    SET version = s.version + excluded.version, transaction_id = excluded.transaction_id
    WHERE s.transaction_id <= excluded.transaction_id
  RETURNING version`),
};

export interface AppendRow {
  inserted: boolean;
  global_position: string;
  transaction_id: string;
  stream_position: string;
  event_id: string;
  type: string | null;
  schema_version: number | null;
  data: Record<string, unknown> | null;
  metadata: EventMetadata | null;
  created_at: Date;
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

/** Committed events after `after`, below the oldest running transaction (no skipped events). */
export async function readAll(
  db: Queryable,
  after: Checkpoint,
  limit: number,
): Promise<StoredEvent[]> {
  const { rows } = await db.query<EventRow>({
    name: 'lws_events_read_all_v2',
    text: `SELECT ${EVENT_COLUMNS} FROM events e
           WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
             AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY e.transaction_id, e.global_position LIMIT $3`,
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
