import { Client, type ClientConfig, type Pool, type PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { pgPool } from './database';
import * as q from './queries';
import { LOG_START, type Checkpoint, type StoredEvent } from './types';

/**
 * Handles one batch of events, in the follower's transaction: writes through `manager` commit
 * together with the new checkpoint. Throwing rolls both back; the batch is retried.
 */
export type BatchHandler = (events: StoredEvent[], manager: EntityManager) => Promise<void>;

export interface FollowerOptions {
  /** Polling interval when no notification arrives (default 1000 ms). */
  pollMs?: number;
  /** Most events per batch (default 500). */
  batchSize?: number;
  /**
   * Only events of these types reach the handler (default: all). The others are passed over
   * without reading their data, and the checkpoint still moves past them.
   */
  types?: readonly string[];
  /** Where a follower without a stored checkpoint starts (default 'beginning'). */
  startFrom?: 'beginning' | 'end';
  /** Called with every error of a batch or of the notification connection (default: stderr). */
  onError?: (error: unknown) => void;
}

type Outcome = 'progress' | 'idle' | 'blocked' | 'busy' | 'failed';

const FOLLOWER_LOCK_CLASS = 0x1f5e; // first key of pg_try_advisory_xact_lock(int, int)

/**
 * Follows the global log from a checkpoint stored in `checkpoints` under `name`: reads a batch,
 * calls the handler and stores the new checkpoint in one transaction, so a restarted follower
 * continues exactly where the last commit left off (at-least-once only if the handler has side
 * effects outside Postgres). Wakes on NOTIFY, polls as a fallback. Followers sharing a name take
 * turns (a transaction-scoped advisory lock), so running two copies never handles a batch twice.
 */
export class LogFollower {
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly onError: (error: unknown) => void;
  private listener: Client | undefined;
  private listenerRetryAt = 0;
  private loopDone: Promise<void> | undefined;
  private stopping = false;
  private wakeRequested = false;
  private wakeUp: (() => void) | undefined;
  private batchesStarted = 0;
  private waiters: { after: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private committed: Checkpoint | undefined;
  private lastError: unknown;

  constructor(
    private readonly dataSource: DataSource,
    readonly name: string,
    private readonly handler: BatchHandler,
    private readonly options: FollowerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.batchSize = options.batchSize ?? 500;
    this.onError =
      options.onError ??
      ((error) => console.error(`log follower ${name}: ${(error as Error)?.message ?? error}`));
  }

  /** The last checkpoint this follower committed (undefined before its first batch). */
  get checkpoint(): Checkpoint | undefined {
    return this.committed;
  }

  /** Creates the checkpoint if needed, starts listening and the loop. */
  async start(): Promise<void> {
    if (this.loopDone) throw new Error(`log follower ${this.name} already started`);
    const start =
      this.options.startFrom === 'end' ? await q.headCheckpoint(this.pool()) : LOG_START;
    await this.pool().query({
      text: `INSERT INTO checkpoints (name, transaction_id, global_position)
             VALUES ($1, $2::xid8, $3::bigint) ON CONFLICT (name) DO NOTHING`,
      values: [this.name, start.transactionId, start.globalPosition],
    });
    await this.listen();
    this.loopDone = this.loop();
  }

  /** Stops after the batch in flight (which commits or rolls back) and closes its connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopDone;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new Error(`log follower ${this.name} stopped`));
    }
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /**
   * Resolves once the follower has handled every event readable when called (a batch that
   * started after this call found nothing more to read). Rejects after `timeoutMs` (default 30 s)
   * with the last batch error, if any. For tests and orderly hand-overs.
   */
  whenCaughtUp(timeoutMs = 30_000): Promise<void> {
    if (this.stopping) return Promise.reject(new Error(`log follower ${this.name} stopped`));
    return new Promise((resolve, reject) => {
      const waiter = {
        after: this.batchesStarted,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const last = this.lastError ? `; last error: ${(this.lastError as Error).message}` : '';
        reject(new Error(`log follower ${this.name} not caught up after ${timeoutMs} ms${last}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.wake();
    });
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let blockedDelay = 5;
    while (!this.stopping) {
      const batch = ++this.batchesStarted;
      this.wakeRequested = false;
      let outcome: Outcome;
      try {
        outcome = await this.runBatch();
        failures = 0;
      } catch (error) {
        this.lastError = error;
        this.onError(error);
        outcome = 'failed';
        failures++;
      }
      if (outcome === 'idle') {
        this.waiters = this.waiters.filter((w) => (w.after < batch ? (w.resolve(), false) : true));
      }
      if (outcome !== 'blocked') blockedDelay = 5;
      if (outcome === 'progress' || this.stopping) continue;
      let delay = this.pollMs;
      if (outcome === 'blocked') {
        // Committed events wait behind an older running transaction: look again soon.
        delay = Math.min(blockedDelay, this.pollMs);
        blockedDelay = Math.min(blockedDelay * 2, 200);
      } else if (outcome === 'failed') {
        delay = Math.min(this.pollMs * 2 ** Math.min(failures, 6), 30_000);
      }
      await this.sleep(delay);
      if (!this.listener && Date.now() >= this.listenerRetryAt) await this.listen();
    }
  }

  private async runBatch(): Promise<Outcome> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      await runner.startTransaction();
      try {
        const locked = await client.query<{ ok: boolean }>({
          name: 'lws_events_follower_lock_v1',
          text: 'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok',
          values: [FOLLOWER_LOCK_CLASS, this.name],
        });
        if (!locked.rows[0].ok) {
          await runner.rollbackTransaction();
          return 'busy';
        }
        const { rows } = await client.query<{ transaction_id: string; global_position: string }>({
          name: 'lws_events_follower_checkpoint_v1',
          text: `SELECT transaction_id::text, global_position::text FROM checkpoints
                 WHERE name = $1`,
          values: [this.name],
        });
        if (rows.length === 0) throw new Error(`checkpoint ${this.name} disappeared`);
        const from = {
          transactionId: rows[0].transaction_id,
          globalPosition: rows[0].global_position,
        };
        const events = await q.readAll(client, from, this.batchSize, this.options.types);
        if (events.length === 0) {
          const blocked = await q.hasUnreadableEvents(client, from);
          await runner.commitTransaction();
          this.committed ??= from;
          return blocked ? 'blocked' : 'idle';
        }
        const types = this.options.types;
        const wanted = types ? events.filter((e) => types.includes(e.type)) : events;
        if (wanted.length) await this.handler(wanted, runner.manager);
        const last = events[events.length - 1];
        const to = { transactionId: last.transactionId, globalPosition: last.globalPosition };
        await client.query({
          name: 'lws_events_follower_save_v1',
          text: `UPDATE checkpoints SET transaction_id = $2::xid8, global_position = $3::bigint,
                 updated_at = now() WHERE name = $1`,
          values: [this.name, to.transactionId, to.globalPosition],
        });
        await runner.commitTransaction();
        this.committed = to;
        return 'progress';
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } finally {
      await runner.release();
    }
  }

  private async listen(): Promise<void> {
    const config = (this.pool() as unknown as { options: ClientConfig }).options;
    const listener = new Client({ ...config, application_name: `lws-follower:${this.name}` });
    listener.on('notification', () => this.wake());
    listener.on('error', (error) => {
      this.onError(error);
      if (this.listener === listener) this.listener = undefined;
      this.listenerRetryAt = Date.now() + this.pollMs;
      listener.end().catch(() => undefined);
    });
    try {
      await listener.connect();
      await listener.query(`LISTEN ${q.EVENTS_CHANNEL}`);
      this.listener = listener;
    } catch (error) {
      // Polling still works; try again after a poll interval.
      this.onError(error);
      this.listenerRetryAt = Date.now() + this.pollMs;
      await listener.end().catch(() => undefined);
    }
  }

  private wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private pool(): Pool {
    return pgPool(this.dataSource);
  }
}
