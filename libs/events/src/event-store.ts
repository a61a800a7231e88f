import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { pgPool } from './database';
import { ConcurrencyError } from './errors';
import { LogFollower, type BatchHandler, type FollowerOptions } from './log-follower';
import { applyProjections, checkProjection, handles, transactionSql } from './projections';
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
  /**
   * How many transactions `append()` runs at once (default: three quarters of the pool, so that
   * reads still find connections). Appends that arrive while all are busy, or in the same turn of
   * the event loop, are combined into the next transaction, one statement for all of them: fewer
   * round trips and commits under load.
   */
  appendConcurrency?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A store-owned append retries a conflict that a new transaction resolves, at most this often.
const MAX_RETRIES = 5;
// Followers are woken at most this often per store (a NOTIFY costs a serialized commit).
const NOTIFY_INTERVAL_MS = 10;
// Most appends (and events) that `append()` combines into one transaction.
const MAX_COMBINED_APPENDS = 64;
const MAX_COMBINED_EVENTS = 1000;

interface PreparedEvent {
  id: string;
  type: string;
  v: number;
  data: object;
  metadata: EventMetadata;
}

/** One append, validated. */
interface AppendRequest {
  streamId: string;
  events: PreparedEvent[];
  expectedVersion: AppendOptions['expectedVersion'];
}

type AppendOutcome = { result: AppendResult } | { error: ConcurrencyError };

interface PendingAppend extends AppendRequest {
  attempts: number;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
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
  private readonly queue: PendingAppend[] = [];
  private running = 0;
  /** Streams a running combined transaction appends to. */
  private readonly streamsInFlight = new Set<string>();
  private drainScheduled = false;
  private readonly appendConcurrency: number;

  constructor(
    readonly dataSource: DataSource,
    options: EventStoreOptions = {},
  ) {
    for (const projection of options.projections ?? []) this.register(projection);
    const poolSize = (dataSource.options as { poolSize?: number }).poolSize ?? 10;
    this.appendConcurrency = Math.max(
      1,
      options.appendConcurrency ?? Math.ceil((poolSize * 3) / 4),
    );
  }

  /** Adds an inline projection (run in every later append's transaction). */
  register(projection: Projection): void {
    checkProjection(projection);
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
   * Appends `events` to `streamId` atomically, with the inline projections, in a transaction of
   * the store's (concurrent appends to other streams may share it; each succeeds or fails on its
   * own). Throws `ConcurrencyError` when the stream is not at the expected version; retries by
   * itself the conflicts that only a new transaction resolves. Re-appending events whose ids are
   * all stored already returns the stored events and writes nothing.
   */
  async append(
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const request = prepareAppend(streamId, events, options);
    if (request.events.length === 0) return this.appendNothing(this.pool(), request);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ ...request, attempts: 0, resolve, reject });
      this.scheduleDrain();
    });
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

  /** Starts combined transactions for queued appends, up to `appendConcurrency` at once. */
  private drain(): void {
    while (this.running < this.appendConcurrency && this.queue.length > 0) {
      // Distinct streams only (one statement updates a stream's row once), and none that a running
      // transaction appends to: two of ours racing on one stream would refuse each other
      // (transaction_order) and could exhaust their retries. A stream's later appends wait, in
      // order, for the next transaction.
      const batch: PendingAppend[] = [];
      const streams = new Set<string>(this.streamsInFlight);
      let events = 0;
      for (let i = 0; i < this.queue.length && batch.length < MAX_COMBINED_APPENDS;) {
        const p = this.queue[i];
        const fits = batch.length === 0 || events + p.events.length <= MAX_COMBINED_EVENTS;
        if (!streams.has(p.streamId) && fits) {
          batch.push(p);
          events += p.events.length;
          this.queue.splice(i, 1);
        } else {
          i++;
        }
        streams.add(p.streamId);
      }
      if (batch.length === 0) break; // every queued append waits for a stream in flight
      this.running++;
      for (const p of batch) this.streamsInFlight.add(p.streamId);
      void this.runCombined(batch).finally(() => {
        for (const p of batch) this.streamsInFlight.delete(p.streamId);
        this.running--;
        this.scheduleDrain();
      });
    }
  }

  /**
   * Drains when the current turn of the event loop is over, so that the appends made in it join
   * one transaction: callers whose appends just committed append again in the same turn (their
   * promises resolve together), and would otherwise wait a whole transaction for the next one,
   * halving the group commit (measured: 4 instead of 8 appends per transaction with 8 writers).
   */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private async runCombined(batch: PendingAppend[]): Promise<void> {
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.commitAppends(batch);
    } catch (error) {
      if (batch.length > 1) {
        // Something failed for one of them (a projection, a race on an event id): the
        // transaction rolled back; give each its own, so that only the culprit fails.
        for (const pending of batch) await this.runCombined([pending]);
        return;
      }
      outcomes = [{ error: error as ConcurrencyError }];
      if (!(error instanceof ConcurrencyError)) {
        batch[0].reject(error);
        return;
      }
    }
    outcomes.forEach((outcome, i) => {
      const pending = batch[i];
      if ('result' in outcome) return pending.resolve(outcome.result);
      if (outcome.error.retryable && ++pending.attempts < MAX_RETRIES) {
        this.queue.push(pending);
        return;
      }
      pending.reject(outcome.error);
    });
  }

  /**
   * Appends `requests` in one transaction: one statement when no projection is involved, one
   * round trip when every projection involved has the `sql` form.
   */
  private async commitAppends(requests: AppendRequest[]): Promise<AppendOutcome[]> {
    const involved = this.projections.filter((p) =>
      requests.some((r) => r.events.some((e) => handles(p, e.type))),
    );
    if (involved.length > 0 && involved.every((p) => p.sql)) {
      return this.appendInOneTrip(requests, involved);
    }
    if (involved.length > 0) return this.appendInTransaction(requests);
    // A single statement is atomic on its own: no BEGIN/COMMIT round trips.
    const client = await this.pool().connect();
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.appendBatch(client, undefined, requests);
    } finally {
      client.release();
    }
    if (outcomes.some((o) => 'result' in o)) this.notifyFollowers();
    return outcomes;
  }

  /**
   * BEGIN, the append statement, the projections' statements over the events this transaction
   * appended, and COMMIT in one round trip. Refused appends inserted nothing, so the projections
   * see only what commits; a failure anywhere rolls everything back.
   */
  private async appendInOneTrip(
    requests: AppendRequest[],
    projections: Projection[],
  ): Promise<AppendOutcome[]> {
    const client = await this.pool().connect();
    let broken: Error | undefined;
    try {
      const json = encodeAppends(requests);
      let rows: q.AppendRow[];
      try {
        rows = await q.appendInOneTrip(client, json, projections.map(transactionSql));
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError; // do not hand a connection in an unknown state back
        });
        throw await this.appendError(err, requests);
      }
      const { outcomes } = await this.interpret(client, requests, json, rows);
      if (outcomes.some((o) => 'result' in o)) this.notifyFollowers();
      return outcomes;
    } finally {
      client.release(broken);
    }
  }

  /**
   * The store's own transaction for `append()`: BEGIN travels with the append statement (one
   * round trip instead of two), then the projections, then COMMIT.
   */
  private async appendInTransaction(requests: AppendRequest[]): Promise<AppendOutcome[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      await startTransactionBookkeeping(runner);
      let outcomes: AppendOutcome[];
      try {
        outcomes = await this.appendBatch(client, runner.manager, requests, true);
        await runner.commitTransaction();
      } catch (err) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw err;
      }
      if (outcomes.some((o) => 'result' in o)) this.notifyFollowers();
      return outcomes;
    } finally {
      await runner.release();
    }
  }

  /** @internal */
  async appendNothing(db: q.Queryable, request: AppendRequest): Promise<AppendResult> {
    const actual = await q.streamVersion(db, request.streamId);
    const expected = request.expectedVersion === 'no_stream' ? 0 : request.expectedVersion;
    if (expected !== 'any' && actual !== expected) {
      throw new ConcurrencyError(request.streamId, request.expectedVersion, actual);
    }
    return { nextExpectedVersion: actual, events: [] };
  }

  /**
   * @internal Appends to distinct streams in one statement on `client`, then runs the inline
   * projections through `manager` (when given: the caller's transaction). A conflict is an
   * outcome, not an exception, so the others still commit.
   */
  async appendBatch(
    client: PoolClient,
    manager: EntityManager | undefined,
    requests: AppendRequest[],
    begin = false,
  ): Promise<AppendOutcome[]> {
    const json = encodeAppends(requests);
    let rows: q.AppendRow[];
    try {
      rows = begin ? await q.beginAndAppend(client, json) : await q.append(client, json);
    } catch (err) {
      throw await this.appendError(err, requests);
    }
    const { outcomes, appended } = await this.interpret(client, requests, json, rows);
    // Only what this statement inserted: an idempotent retry's events were projected already.
    if (manager && appended.length > 0) {
      await applyProjections(this.projections, appended, manager);
    }
    return outcomes;
  }

  /** The error to report for a failed append statement. */
  private async appendError(err: unknown, requests: AppendRequest[]): Promise<unknown> {
    if ((err as { code?: string }).code === '23505' && requests.length === 1) {
      // A concurrent append of the same event ids committed first: a new transaction finds
      // them stored. (A taken stream position means events were written around the store.)
      const constraint = (err as { constraint?: string }).constraint;
      const reason =
        constraint === 'events_stream_event_id_key' ? 'duplicate_race' : 'wrong_expected_version';
      const { streamId, expectedVersion } = requests[0];
      const actual = await q.streamVersion(this.pool(), streamId).catch(() => -1);
      return new ConcurrencyError(streamId, expectedVersion, actual, reason);
    }
    return err;
  }

  /**
   * Each request's outcome from the append statement's rows, and the events it inserted (in log
   * order). Refused appends are classified with a read of their streams' versions on `client`.
   */
  private async interpret(
    client: PoolClient,
    requests: AppendRequest[],
    json: string,
    rows: q.AppendRow[],
  ): Promise<{ outcomes: AppendOutcome[]; appended: StoredEvent[] }> {
    const inserted = new Map<string, q.AppendRow[]>();
    const existing = new Map<number, q.AppendRow[]>();
    for (const row of rows) {
      if (row.inserted) push(inserted, row.stream_id, row);
      else push(existing, Number(row.k), row);
    }
    // What the database stored (JSON), not the caller's objects: projections then see the same
    // values inline as in a rebuild (dates as strings, no undefined).
    const normalized = JSON.parse(json) as { e: PreparedEvent[] }[];
    const appended: StoredEvent[] = [];
    const outcomes: (AppendOutcome | undefined)[] = requests.map((request, i) => {
      const n = request.events.length;
      const mine = inserted.get(request.streamId);
      if (mine?.length === n) {
        mine.sort((a, b) => Number(a.stream_position) - Number(b.stream_position));
        const events = mine.map((row, j): StoredEvent => ({
          eventId: row.event_id,
          type: request.events[j].type,
          schemaVersion: request.events[j].v,
          data: normalized[i].e[j].data as Record<string, unknown>,
          metadata: normalized[i].e[j].metadata,
          streamId: request.streamId,
          streamPosition: Number(row.stream_position),
          globalPosition: row.global_position,
          transactionId: row.transaction_id,
          createdAt: row.created_at,
        }));
        appended.push(...events);
        return { result: { nextExpectedVersion: events[n - 1].streamPosition, events } };
      }
      const stored = existing.get(i + 1);
      if (stored?.length === n) {
        // An idempotent retry: stored (and projected) by an earlier append.
        const events = stored
          .map((row) => q.toStoredEvent(row as unknown as q.EventRow))
          .sort((a, b) => a.streamPosition - b.streamPosition);
        return { result: { nextExpectedVersion: events[n - 1].streamPosition, events } };
      }
      return undefined; // refused: classified below
    });

    const refused = requests.filter((_, i) => outcomes[i] === undefined);
    const actual = refused.length
      ? await q.streamVersions(
          client,
          refused.map((r) => r.streamId),
        )
      : new Map<string, number>();
    const final = outcomes.map((outcome, i): AppendOutcome => {
      if (outcome) return outcome;
      const { streamId, expectedVersion } = requests[i];
      const version = actual.get(streamId) ?? 0;
      const reason = existing.has(i + 1)
        ? 'partial_duplicate'
        : expectedVersion !== 'any' && versionOf(expectedVersion) !== version
          ? 'wrong_expected_version'
          : // The version matched, so the stream's last append came from a younger transaction.
            'transaction_order';
      return { error: new ConcurrencyError(streamId, expectedVersion, version, reason) };
    });
    // Log order (the statement inserts in request order, which is global position order).
    appended.sort((a, b) => Number(BigInt(a.globalPosition) - BigInt(b.globalPosition)));
    return { outcomes: final, appended };
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
    return pgPool(this.dataSource);
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

  async append(
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const request = prepareAppend(streamId, events, options);
    if (request.events.length === 0) return this.store.appendNothing(await this.client(), request);
    const [outcome] = await this.appendBatch([request]);
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  }

  async appendBatch(requests: AppendRequest[]): Promise<AppendOutcome[]> {
    const client = await this.client();
    const outcomes = await this.store.appendBatch(client, this.manager, requests);
    if (outcomes.some((o) => 'result' in o)) {
      if (this.notifyInTransaction && !this.appended) await client.query(q.NOTIFY);
      this.appended = true;
    }
    return outcomes;
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

/** The statement's JSON input: one entry per append. */
function encodeAppends(requests: AppendRequest[]): string {
  return JSON.stringify(
    requests.map((r) => {
      const mode =
        r.expectedVersion === 'any' ? 'a' : versionOf(r.expectedVersion) === 0 ? 'n' : 'v';
      return { s: r.streamId, m: mode, x: mode === 'v' ? r.expectedVersion : null, e: r.events };
    }),
  );
}

/**
 * TypeORM's startTransaction() without its START TRANSACTION round trip (the caller sends BEGIN
 * itself): the runner then knows it is in a transaction, so a projection's nested
 * `manager.transaction()` takes a savepoint and commit/rollback work as usual.
 */
async function startTransactionBookkeeping(runner: QueryRunner): Promise<void> {
  const query = runner.query;
  runner.query = (async () => undefined) as unknown as QueryRunner['query'];
  try {
    await runner.startTransaction();
  } finally {
    runner.query = query;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The expected version as a number (`'no_stream'` is 0). */
function versionOf(expected: number | 'no_stream'): number {
  return expected === 'no_stream' ? 0 : expected;
}

function prepareAppend(
  streamId: string,
  events: NewEvent[],
  options: AppendOptions,
): AppendRequest {
  const { expectedVersion } = options ?? {};
  if (
    expectedVersion !== 'any' &&
    expectedVersion !== 'no_stream' &&
    !(Number.isSafeInteger(expectedVersion) && expectedVersion >= 0)
  ) {
    throw new TypeError(`expectedVersion must be a version >= 0, 'no_stream' or 'any'`);
  }
  return { streamId, events: prepareEvents(streamId, events), expectedVersion };
}

function prepareEvents(streamId: string, events: NewEvent[]): PreparedEvent[] {
  if (typeof streamId !== 'string' || streamId === '') {
    throw new TypeError('streamId must be a non-empty string');
  }
  if (!Array.isArray(events)) throw new TypeError('events must be an array');
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
