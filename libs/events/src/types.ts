import type { EntityManager } from 'typeorm';

/** Who and what caused an event. Stored as `metadata jsonb`. */
export interface EventMetadata {
  /** The user or component that caused the change (e.g. `user:alice`, `worker:east`). */
  actor: string;
  /** Ties together everything done for one request or reconcile. */
  correlationId: string;
  /** The event or command id that directly caused this event. */
  causationId?: string;
  /** The process or module that wrote the event (e.g. `api`, `worker`). */
  source?: string;
  /** The cluster the event is about, when there is one. */
  cluster?: string;
}

/** An event to append. */
export interface NewEvent<TData extends object = Record<string, unknown>> {
  /** A uuid. Generated when absent; pass one to make a retried append idempotent. */
  eventId?: string;
  /** Past-tense fact name, e.g. `LeaderWorkerSetApplied`. */
  type: string;
  /** Version of `data`'s shape; defaults to 1. */
  schemaVersion?: number;
  data: TData;
  metadata: EventMetadata;
}

/** An event as stored in the log. */
export interface StoredEvent<TData extends object = Record<string, unknown>> {
  eventId: string;
  type: string;
  schemaVersion: number;
  data: TData;
  metadata: EventMetadata;
  streamId: string;
  /** 1-based position in the stream; the stream's version after this event. */
  streamPosition: number;
  /** `bigint` as a decimal string. */
  globalPosition: string;
  /** `xid8` of the appending transaction, as a decimal string. */
  transactionId: string;
  createdAt: Date;
}

/**
 * The stream version the caller expects before the append:
 * a number (the stream's current version, i.e. its last stream position; 0 = empty),
 * `'no_stream'` (the stream must not exist; same as 0), or `'any'` (no check).
 */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
}

export interface AppendResult {
  /** The stream's version after the append: pass it as `expectedVersion` next time. */
  nextExpectedVersion: number;
  /** The appended events, or the already stored ones when the append was an idempotent retry. */
  events: StoredEvent[];
}

/** A position in the global log: events are ordered by `(transactionId, globalPosition)`. */
export interface Checkpoint {
  transactionId: string;
  globalPosition: string;
}

/** The checkpoint before the first event. */
export const LOG_START: Checkpoint = Object.freeze({ transactionId: '0', globalPosition: '0' });

/**
 * A read model fed by events. Registered on the store it runs inline, in the append transaction,
 * so its rows commit (or roll back) with the events; `rebuildReadModels` replays it from scratch.
 *
 * Give it one of three forms (the store uses the first present: `sql`, `applyBatch`, `apply`):
 * - `apply(event, manager)`: one event at a time, any code.
 * - `applyBatch(events, manager)`: all the handled events of a transaction at once (a combined
 *   transaction holds several appends; a rebuild passes a page of the log), in log order.
 * - `sql(batch)`: one SQL statement for a whole batch, written against the relation `batch` (see
 *   `ProjectionSql`). The store can then send it in the same round trip as the append and its
 *   COMMIT: the cheapest form, for read models that one set-based statement can maintain.
 */
export interface Projection {
  name: string;
  /** Event types it handles; all events when absent. */
  handles?: readonly string[];
  apply?(event: StoredEvent, manager: EntityManager): Promise<void>;
  /** The handled events of one transaction (or one rebuild page), in log order; never empty. */
  applyBatch?(events: StoredEvent[], manager: EntityManager): Promise<void>;
  sql?: ProjectionSql;
  /** Remove every row this projection owns (DELETE/TRUNCATE), before a replay. */
  reset(manager: EntityManager): Promise<void>;
}

/**
 * Builds the projection's one statement. `batch` is a parenthesized subquery (use it as
 * `FROM ${batch} AS b`) with the columns of the `events` table (`stream_id`, `stream_position`,
 * `global_position`, `transaction_id`, `event_id`, `type`, `schema_version`, `data`, `metadata`,
 * `created_at`): the events to project, only the handled types. It is a set, not a sequence: order
 * by `(transaction_id, global_position)` (or `stream_position` within a stream) where order
 * matters, and aggregate per key, since one statement cannot update a row twice (a batch can hold
 * several events of a stream). The statement must take no parameters of its own and must give the
 * same text for the same `batch` (the store prepares it once per connection).
 */
export type ProjectionSql = (batch: string) => string;
