import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import type { EventStore, LogFollower, StoredEvent } from '../../../libs/events/src';
import type { SecretBox } from '../../../libs/kube/src';
import type { Logger } from '../../api/src/logger';
import { DESIRED_STATE_EVENTS, LWS_STREAM_PREFIX } from '../../api/src/lws/lws.events';
import { ClusterLeases } from './cluster-leases';
import { ClusterRuntime } from './cluster-runtime';
import { ReconcileQueues } from './reconcile-queues';

export interface FleetWorkerOptions {
  db: DataSource;
  store: EventStore;
  redisUrl: string;
  secretBox: SecretBox;
  logger: Logger;
  /** Key prefix of queues and leases in Redis (tests use their own). */
  prefix?: string;
  /** This process's name in leases (default host:pid:random). */
  workerId?: string;
  leaseMs?: number;
  /** How often ownership of clusters is checked (and leases renewed). */
  ownershipPollMs?: number;
  resyncMs?: number;
  concurrency?: number;
}

/**
 * The worker side of lws-fleet in one process: the dispatcher (follows the event log, enqueues a
 * reconcile per desired-state change: an outbox, no dual write in request handlers) and one
 * ClusterRuntime per cluster whose lease this process holds.
 */
export class FleetWorker {
  private readonly redis: Redis;
  private readonly queues: ReconcileQueues;
  private readonly leases: ClusterLeases;
  private readonly runtimes = new Map<string, ClusterRuntime>();
  private readonly starting = new Map<string, Promise<void>>();
  private dispatcher?: LogFollower;
  private ownershipTimer?: NodeJS.Timeout;
  private stopped = false;
  private checking: Promise<void> = Promise.resolve();

  constructor(private readonly options: FleetWorkerOptions) {
    const prefix = options.prefix ?? 'lws-fleet';
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.redis.on('error', (error) =>
      options.logger.error({ err: error }, 'redis connection error'),
    );
    this.queues = new ReconcileQueues(this.redis, prefix);
    const id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leases = new ClusterLeases(this.redis, id, options.leaseMs ?? 15_000, prefix);
  }

  get id(): string {
    return this.leases.holder;
  }

  /** Names of the clusters this process runs now. */
  ownedClusters(): string[] {
    return [...this.runtimes.keys()].sort();
  }

  runtime(cluster: string): ClusterRuntime | undefined {
    return this.runtimes.get(cluster);
  }

  async start(): Promise<void> {
    this.dispatcher = await this.options.store.subscribe(
      'dispatcher',
      (events) => this.dispatch(events),
      {
        pollMs: 500,
        types: DESIRED_STATE_EVENTS, // the reconciles' own events are many and call for nothing
        onError: (error) => this.options.logger.error({ err: error }, 'dispatcher error'),
      },
    );
    await this.checkOwnership();
    const poll =
      this.options.ownershipPollMs ??
      Math.max(1000, Math.floor((this.options.leaseMs ?? 15_000) / 3));
    this.ownershipTimer = setInterval(() => void this.checkOwnership(), poll);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ownershipTimer) clearInterval(this.ownershipTimer);
    await this.checking;
    await this.dispatcher?.stop();
    await Promise.all([...this.starting.values()].map((p) => p.catch(() => undefined)));
    for (const [cluster, runtime] of this.runtimes) {
      await runtime.stop();
      await this.leases.release(cluster).catch(() => undefined);
    }
    this.runtimes.clear();
    await this.queues.close();
    this.redis.disconnect();
  }

  /** Enqueue a reconcile by hand (resync of one LWS, tests). */
  async enqueue(cluster: string, uid: string, reason: string): Promise<void> {
    await this.queues.enqueue(cluster, {
      uid,
      trigger: 'change',
      reason,
      correlationId: `manual-${Date.now()}`,
    });
  }

  /**
   * Enqueues a reconcile of each LWS whose desired state the batch changed: one per LWS (the
   * latest event's), all sent at once (each LWS has its own deduplication key, so order does not
   * matter between them).
   */
  private async dispatch(events: StoredEvent[]): Promise<void> {
    const latest = new Map<string, StoredEvent>();
    for (const event of events) {
      // Only desired-state events reach here (the follower's types).
      if (!event.streamId.startsWith(LWS_STREAM_PREFIX) || !event.metadata.cluster) continue;
      latest.set(`${event.metadata.cluster}/${event.streamId}`, event);
    }
    await Promise.all(
      [...latest.values()].map((event) =>
        this.queues.enqueue(event.metadata.cluster!, {
          uid: event.streamId.slice(LWS_STREAM_PREFIX.length),
          trigger: 'change',
          reason: event.type,
          correlationId: event.metadata.correlationId,
        }),
      ),
    );
  }

  private checkOwnership(): Promise<void> {
    this.checking = this.checking
      .then(() => this.reconcileOwnership())
      .catch((error) =>
        this.options.logger.error({ err: error }, 'cluster ownership check failed'),
      );
    return this.checking;
  }

  private async reconcileOwnership(): Promise<void> {
    if (this.stopped) return;
    const clusters: Array<{ name: string; kubeconfig_sealed: string }> =
      await this.options.db.query(`SELECT name, kubeconfig_sealed FROM clusters ORDER BY name`);
    const registered = new Set(clusters.map((c) => c.name));
    for (const [name, runtime] of this.runtimes) {
      const keep = registered.has(name) && (await this.leases.acquire(name));
      if (!keep) {
        this.runtimes.delete(name);
        await runtime.stop();
        await this.leases.release(name).catch(() => undefined);
        this.options.logger.info({ cluster: name }, 'cluster released');
      }
    }
    for (const cluster of clusters) {
      if (this.stopped || this.runtimes.has(cluster.name) || this.starting.has(cluster.name))
        continue;
      if (!(await this.leases.acquire(cluster.name))) continue;
      const runtime = new ClusterRuntime(
        cluster.name,
        this.options.secretBox.open(cluster.kubeconfig_sealed),
        this.options.db,
        this.options.store,
        this.queues,
        this.redis,
        this.options.logger,
        {
          prefix: this.options.prefix ?? 'lws-fleet',
          resyncMs: this.options.resyncMs,
          concurrency: this.options.concurrency,
          leaseMs: this.options.leaseMs,
        },
      );
      const start = runtime
        .start()
        .then(() => {
          if (this.stopped) return runtime.stop();
          this.runtimes.set(cluster.name, runtime);
        })
        .catch(async (error) => {
          this.options.logger.error(
            { cluster: cluster.name, err: error },
            'could not start the cluster runtime; retrying later',
          );
          await runtime.stop().catch(() => undefined);
          await this.leases.release(cluster.name).catch(() => undefined);
        })
        .finally(() => this.starting.delete(cluster.name));
      this.starting.set(cluster.name, start);
    }
  }
}
