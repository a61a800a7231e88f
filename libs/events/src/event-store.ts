import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ConcurrencyError } from './errors';
import { LogFollower, type BatchHandler, type FollowerOptions } from './log-follower';
import * as q from './queries';
import type {
  AppendOptions,
  AppendResult,
  Checkpoint,
  EventMetadata,
  NewEvent,
  Projection,
  StoredEvent,
} from './types';
import { LOG_START } from './types';

/** Reads and appends bound to one open transaction. */
export interface EventStoreSession {
  /** The transaction's EntityManager: use it for your own reads and writes. */
  readonly manager: EntityManager;
  /** Appends in this transaction; inline projections run in it too. Commits with it. */
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** The stream's version (its last stream position), 0 when it does not exist. */
  streamVersion(streamId: string): Promise<number>;
}

export interface ReadStreamOptions {
  /** First stream position to return (1-based, default 1). */
  fromPosition?: number;
  limit?: number;
}

export interface ReadAllOptions {
  /** Return events strictly after this checkpoint (default: from the start). */
  after?: Checkpoint;
  /** Default 1000. */
  limit?: number;
}

export interface EventStoreOptions {
  /** Inline projections, run in each append's transaction. More can be added with `register`. */
  projections?: Projection[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A store-owned append retries a conflict that a new transaction resolves, at most this often.
const MAX_RETRIES = 5;
// Followers are woken at most this often per store (a NOTIFY costs a serialized commit).
const NOTIFY_INTERVAL_MS = 10;

interface PreparedEvent {
  id: string;
  type: string;
  v: number;
  data: object;
  metadata: EventMetadata;
}

/**
 * The event store on Postgres. Appends are checked against the stream's expected version,
 * idempotent by event id, and run the inline projections in their own transaction; the global
 * log is read in `(transactionId, globalPosition)` order, never past a running transaction.
 */
export class EventStore {
  private readonly projections: Projection[] = [];
  private notifyScheduled = false;
  private lastNotifyAt = 0;

  constructor(
    readonly dataSource: DataSource,
    options: EventStoreOptions = {},
  ) {
    for (const projection of options.projections ?? []) this.register(projection);
  }

  /** Adds an inline projection (run in every later append's transaction). */
  register(projection: Projection): void {
    if (this.projections.some((p) => p.name === projection.name)) {
      throw new Error(`projection ${projection.name} is already registered`);
    }
    this.projections.push(projection);
  }

  /** The registered inline projections, in registration order. */
  get inlineProjections(): readonly Projection[] {
    return this.projections;
  }

  /**
   * Appends `events` to `streamId` in one transaction of its own (retrying conflicts that only a
   * new transaction resolves). Throws `ConcurrencyError` when the stream is not at the expected
   * version. Re-appending events whose ids are all stored already returns the stored events.
   */
  async append(
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const prepared = prepareEvents(streamId, events);
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.projections.some((p) => prepared.some((e) => handles(p, e.type)))) {
          // A single statement is atomic on its own: no BEGIN/COMMIT round trips.
          const client = await this.pool().connect();
          let result: AppendResult;
          try {
            result = await this.appendOn(client, undefined, streamId, prepared, options);
          } finally {
            client.release();
          }
          this.notifyFollowers();
          return result;
        }
        return await this.transaction((tx) =>
          (tx as Session).appendPrepared(streamId, prepared, options),
        );
      } catch (err) {
        if (!(err instanceof ConcurrencyError && err.retryable && attempt < MAX_RETRIES)) throw err;
      }
    }
  }

  /**
   * Runs `work` in one transaction: your own reads and writes through `tx.manager` and appends
   * through `tx.append` commit together, or roll back together when `work` throws.
   * Not retried: a `ConcurrencyError` reaches the caller.
   */
  async transaction<T>(work: (tx: EventStoreSession) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      try {
        const session = new Session(this, runner, false);
        const result = await work(session);
        await runner.commitTransaction();
        if (session.appended) this.notifyFollowers();
        return result;
      } catch (err) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        throw err;
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * A session on a transaction you already opened with TypeORM
   * (`dataSource.transaction(manager => store.within(manager).append(...))`).
   */
  within(manager: EntityManager): EventStoreSession {
    const runner = manager.queryRunner;
    if (!runner || !runner.isTransactionActive) {
      throw new Error('EventStore.within() needs the EntityManager of an open transaction');
    }
    // We do not see this transaction commit: NOTIFY inside it (delivered at its commit).
    return new Session(this, runner, true);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    return q.readStream(this.pool(), streamId, options.fromPosition ?? 1, options.limit ?? null);
  }

  /** The stream's version (its last stream position), 0 when it does not exist. */
  async streamVersion(streamId: string): Promise<number> {
    return q.streamVersion(this.pool(), streamId);
  }

  /**
   * Events strictly after `after`, in `(transactionId, globalPosition)` order, only from
   * transactions older than every running one: an event committed late by a slow transaction is
   * returned later, never skipped. Continue from the last returned event's checkpoint.
   */
  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    return q.readAll(this.pool(), options.after ?? LOG_START, options.limit ?? 1000);
  }

  /** The checkpoint of the last event `readAll` can return now: "from here on" for followers. */
  async headCheckpoint(): Promise<Checkpoint> {
    return q.headCheckpoint(this.pool());
  }

  /**
   * Starts a follower of the global log with a durable checkpoint named `name` (see LogFollower).
   * Call `stop()` on the result to stop it.
   */
  async subscribe(
    name: string,
    handler: BatchHandler,
    options: FollowerOptions = {},
  ): Promise<LogFollower> {
    const follower = new LogFollower(this.dataSource, name, handler, options);
    await follower.start();
    return follower;
  }

  /** @internal */
  async appendOn(
    client: PoolClient,
    manager: EntityManager | undefined,
    streamId: string,
    events: PreparedEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const { expectedVersion } = options;
    const expected = expectedVersion === 'no_stream' ? 0 : expectedVersion;
    if (expected !== 'any' && !(Number.isSafeInteger(expected) && expected >= 0)) {
      throw new TypeError(`expectedVersion must be a version >= 0, 'no_stream' or 'any'`);
    }
    if (events.length === 0) {
      const actual = await q.streamVersion(client, streamId);
      if (expected !== 'any' && actual !== expected) {
        throw new ConcurrencyError(streamId, expectedVersion, actual);
      }
      return { nextExpectedVersion: actual, events: [] };
    }

    const statement =
      expected === 'any' ? q.APPEND_ANY : expected === 0 ? q.APPEND_NO_STREAM : q.APPEND_EXPECTED;
    // Generated ids never match, so looking all ids up costs an index probe each and no branch.
    const ids = events.map((e) => e.id);
    const json = JSON.stringify(events);
    const values: unknown[] = [streamId, ids, events.length, json];
    if (statement === q.APPEND_EXPECTED) values.push(expected);

    let rows: q.AppendRow[];
    try {
      ({ rows } = await client.query<q.AppendRow>({ ...statement, values }));
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        const constraint = (err as { constraint?: string }).constraint;
        const reason =
          constraint === 'events_stream_event_id_key' ? 'duplicate_race' : 'wrong_expected_version';
        const actual = await q.streamVersion(this.pool(), streamId).catch(() => -1);
        throw new ConcurrencyError(streamId, expectedVersion, actual, reason);
      }
      throw err;
    }

    const inserted = rows.filter((r) => r.inserted);
    if (inserted.length === events.length) {
      inserted.sort((a, b) => Number(a.stream_position) - Number(b.stream_position));
      // What the database stored (JSON), not the caller's objects: projections then see the same
      // values inline as in a rebuild (dates as strings, no undefined).
      const normalized = JSON.parse(json) as PreparedEvent[];
      const stored = inserted.map((row, i): StoredEvent => ({
        eventId: row.event_id,
        type: events[i].type,
        schemaVersion: events[i].v,
        data: normalized[i].data as Record<string, unknown>,
        metadata: normalized[i].metadata,
        streamId,
        streamPosition: Number(row.stream_position),
        globalPosition: row.global_position,
        transactionId: row.transaction_id,
        createdAt: row.created_at,
      }));
      if (manager) await this.project(stored, manager);
      return { nextExpectedVersion: stored[stored.length - 1].streamPosition, events: stored };
    }

    const existing = rows.filter((r) => !r.inserted);
    if (existing.length === events.length) {
      // An idempotent retry: already stored (and projected) by an earlier append.
      const stored = existing
        .map((row) => q.toStoredEvent({ ...(row as unknown as q.EventRow), stream_id: streamId }))
        .sort((a, b) => a.streamPosition - b.streamPosition);
      return { nextExpectedVersion: stored[stored.length - 1].streamPosition, events: stored };
    }
    const actual = await q.streamVersion(client, streamId);
    if (existing.length > 0) {
      throw new ConcurrencyError(streamId, expectedVersion, actual, 'partial_duplicate');
    }
    if (expected !== 'any' && actual !== expected) {
      throw new ConcurrencyError(streamId, expectedVersion, actual);
    }
    // The version matched, so the stream's last append came from a younger transaction.
    throw new ConcurrencyError(streamId, expectedVersion, actual, 'transaction_order');
  }

  private async project(events: StoredEvent[], manager: EntityManager): Promise<void> {
    for (const event of events) {
      for (const projection of this.projections) {
        if (handles(projection, event.type)) await projection.apply(event, manager);
      }
    }
  }

  /**
   * Wakes followers (LISTEN lws_events) after a commit. Coalesced: at most one NOTIFY per
   * NOTIFY_INTERVAL_MS, always sent after the commits it covers; followers also poll.
   */
  private notifyFollowers(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    const wait = Math.max(0, this.lastNotifyAt + NOTIFY_INTERVAL_MS - Date.now());
    setTimeout(() => {
      this.notifyScheduled = false;
      this.lastNotifyAt = Date.now();
      if (!this.dataSource.isInitialized) return;
      this.pool()
        .query(q.NOTIFY)
        .catch(() => undefined); // a missed wake-up only delays followers until they poll
    }, wait).unref();
  }

  /** @internal TypeORM's pg pool. */
  pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }
}

class Session implements EventStoreSession {
  readonly manager: EntityManager;
  /** Whether an append of this session wrote events. */
  appended = false;

  constructor(
    private readonly store: EventStore,
    private readonly runner: QueryRunner,
    private readonly notifyInTransaction: boolean,
  ) {
    this.manager = runner.manager;
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    return this.appendPrepared(streamId, prepareEvents(streamId, events), options);
  }

  async appendPrepared(
    streamId: string,
    events: PreparedEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const client = await this.client();
    const result = await this.store.appendOn(client, this.manager, streamId, events, options);
    if (this.notifyInTransaction && !this.appended) await client.query(q.NOTIFY);
    this.appended = true;
    return result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    return q.readStream(
      await this.client(),
      streamId,
      options.fromPosition ?? 1,
      options.limit ?? null,
    );
  }

  async streamVersion(streamId: string): Promise<number> {
    return q.streamVersion(await this.client(), streamId);
  }

  private async client(): Promise<PoolClient> {
    return (await this.runner.connect()) as PoolClient;
  }
}

function handles(projection: Projection, type: string): boolean {
  return projection.handles === undefined || projection.handles.includes(type);
}

function prepareEvents(streamId: string, events: NewEvent[]): PreparedEvent[] {
  if (typeof streamId !== 'string' || streamId === '') {
    throw new TypeError('streamId must be a non-empty string');
  }
  const seen = new Set<string>();
  return events.map((event, i) => {
    const where = `event ${i} of the append to ${streamId}`;
    if (typeof event.type !== 'string' || event.type === '') {
      throw new TypeError(`${where}: type must be a non-empty string`);
    }
    if (event.eventId !== undefined && !UUID.test(event.eventId)) {
      throw new TypeError(`${where}: eventId ${JSON.stringify(event.eventId)} is not a uuid`);
    }
    const id = (event.eventId ?? randomUUID()).toLowerCase();
    if (seen.has(id)) throw new TypeError(`${where}: eventId ${id} appears twice in the batch`);
    seen.add(id);
    const v = event.schemaVersion ?? 1;
    if (!Number.isInteger(v) || v < 1) {
      throw new TypeError(`${where}: schemaVersion must be an integer >= 1`);
    }
    if (typeof event.data !== 'object' || event.data === null) {
      throw new TypeError(`${where}: data must be an object`);
    }
    const m = event.metadata;
    if (!m || typeof m.actor !== 'string' || typeof m.correlationId !== 'string') {
      throw new TypeError(`${where}: metadata needs actor and correlationId`);
    }
    return { id, type: event.type, v, data: event.data, metadata: m };
  });
}
