// Running projections in their three forms (apply, applyBatch, sql). Internal.
import type { EntityManager } from 'typeorm';
import type { Projection, StoredEvent } from './types';

export function handles(projection: Projection, type: string): boolean {
  return projection.handles === undefined || projection.handles.includes(type);
}

/** Throws unless the projection has a form the store can run. */
export function checkProjection(projection: Projection): void {
  if (!projection.sql && !projection.applyBatch && !projection.apply) {
    throw new TypeError(`projection ${projection.name} needs sql, applyBatch or apply`);
  }
}

/** `'text'` as an SQL string literal (standard_conforming_strings is on since Postgres 9.1). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The projection's `batch` relation: the events matching `where` (over `e`) it handles. */
function batchRelation(projection: Projection, where: string): string {
  const types = projection.handles
    ? ` AND e.type = ANY (ARRAY[${projection.handles.map(literal).join(', ') || 'NULL'}]::text[])`
    : '';
  return `(SELECT e.* FROM events e WHERE ${where}${types})`;
}

/**
 * The projection's statement over every event its transaction appended: for the store's own
 * transactions, which append with one statement and run nothing else (no parameters).
 */
export function transactionSql(projection: Projection): string {
  let sql = transactionSqls.get(projection);
  if (sql === undefined) {
    sql = projection.sql!(batchRelation(projection, 'e.transaction_id = pg_current_xact_id()'));
    transactionSqls.set(projection, sql);
  }
  return sql;
}
// A projection's `sql` gives the same text for the same batch (documented): built once.
const transactionSqls = new WeakMap<Projection, string>();

/** The projection's statement over the events whose global positions are in $1 (bigint[]). */
function positionsSql(projection: Projection): string {
  return projection.sql!(batchRelation(projection, 'e.global_position = ANY ($1::bigint[])'));
}

/**
 * Runs `projection` on `events` (in log order, all of types it handles) through `manager`, in
 * whichever form it has.
 */
export async function applyProjection(
  projection: Projection,
  events: StoredEvent[],
  manager: EntityManager,
): Promise<void> {
  if (events.length === 0) return;
  if (projection.sql) {
    await manager.query(positionsSql(projection), [events.map((e) => e.globalPosition)]);
  } else if (projection.applyBatch) {
    await projection.applyBatch(events, manager);
  } else if (projection.apply) {
    for (const event of events) await projection.apply(event, manager);
  } else {
    checkProjection(projection);
  }
}

/** Runs every projection on the events it handles, one projection after the other. */
export async function applyProjections(
  projections: readonly Projection[],
  events: StoredEvent[],
  manager: EntityManager,
): Promise<void> {
  for (const projection of projections) {
    await applyProjection(
      projection,
      events.filter((e) => handles(projection, e.type)),
      manager,
    );
  }
}
