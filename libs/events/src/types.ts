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
 */
export interface Projection {
  name: string;
  /** Event types it handles; all events when absent. */
  handles?: readonly string[];
  apply(event: StoredEvent, manager: EntityManager): Promise<void>;
  /** Remove every row this projection owns (DELETE/TRUNCATE), before a replay. */
  reset(manager: EntityManager): Promise<void>;
}
