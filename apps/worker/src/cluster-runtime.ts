import { Worker, UnrecoverableError, type ConnectionOptions, type Job } from 'bullmq';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { DataSource } from 'typeorm';
import type { EventStore } from '../../../libs/events/src';
import { ClusterWatcher, connectCluster, type ClusterHealth } from '../../../libs/kube/src';
// The constants module, not the index: its CommonJS re-exports are getters, read per pod per event.
import { LABEL_GROUP_INDEX } from '../../../libs/lws/src/constants';
import {
  LABEL_LWS_UID,
  LABEL_MANAGED_BY,
  MANAGED_BY_VALUE,
  isUrgentChange,
} from '../../../libs/planner/src';
import type { Logger } from '../../api/src/logger';
import { PodRecorder } from './pod-recorder';
import { Reconciler, type ReconcileTimings } from './reconcile/reconciler';
import {
  reconcileBackoff,
  reconcileQueueName,
  type ReconcileJob,
  type ReconcileQueues,
} from './reconcile-queues';

/**
 * Reconciles in flight per cluster by default. A reconcile mostly waits (Postgres, then three
 * rounds of API calls: anchor, leaders and Services, workers), so a cluster with many LWSs
 * converging at once needs many in flight to keep its API busy.
 */
export const RECONCILE_CONCURRENCY = 32;

export interface ClusterRuntimeOptions {
  /** Reconciles of different LWSs in flight at once. */
  concurrency?: number;
  /**
   * The resync period: every LWS of the cluster is reconciled again (catches anything missed),
   * except one whose last reconcile started after the previous resync (it has just been looked
   * at). So a quiet LWS is reconciled at least once every two periods.
   */
  resyncMs?: number;
  prefix?: string;
  /**
   * The cluster lease's time to live. A reconcile's job lock lasts about as long, so when a worker
   * process dies mid-reconcile its active job is found stalled soon after its clusters are taken
   * over (BullMQ's 30 s default would hold the LWS's deduplication key, and so every new trigger of
   * it, for up to a minute).
   */
  leaseMs?: number;
}

/** A job lock never shorter than this: a busy event loop must not make a running reconcile look stalled. */
const MIN_LOCK_MS = 5000;

/**
 * Everything one worker process runs for a cluster it owns: the watcher, the consumer of the
 * cluster's reconcile queue, the pods read model, and the periodic resync.
 */
export class ClusterRuntime {
  private watcher?: ClusterWatcher;
  private worker?: Worker<ReconcileJob>;
  private resyncTimer?: NodeJS.Timeout;
  private recorder?: PodRecorder;
  /** LWSs whose last reconcile failed permanently, by the generation it failed at: resync skips them. */
  private readonly permanentFailures = new Map<string, number>();
  /** The health last written to `clusters`, the one to write next, and the write in progress. */
  private lastHealth?: string;
  private pendingHealth?: ClusterHealth;
  private writingHealth = false;
  /** When (performance.now()) the last reconcile of each LWS that did not fail started. */
  private readonly lastReconciled = new Map<string, number>();
  /** When the previous resync ran (performance.now()); none yet: every LWS is due. */
  private previousResync = -Infinity;

  constructor(
    readonly cluster: string,
    private readonly kubeconfig: string,
    private readonly db: DataSource,
    private readonly store: EventStore,
    private readonly queues: ReconcileQueues,
    private readonly connection: ConnectionOptions,
    private readonly logger: Logger,
    private readonly options: ClusterRuntimeOptions = {},
  ) {}

  async start(): Promise<void> {
    const connection = connectCluster(this.cluster, this.kubeconfig);
    this.recorder = new PodRecorder(this.db, this.store, this.cluster, this.logger);
    const watcher = new ClusterWatcher(connection, {
      labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`,
      ownerOf: (o: KubernetesObject) => o.metadata?.labels?.[LABEL_LWS_UID],
      onChange: (owner, kind, type, object, previous) => {
        if (kind === 'Pod')
          this.recorder?.record(owner, type, object as V1Pod, previous as V1Pod | undefined, (n) =>
            this.watcher?.node(n),
          );
        void this.trigger(
          owner,
          `watch: ${kind} ${object.metadata?.name} ${type}`,
          isUrgentChange(kind, type, object, previous, () => this.groupPods(owner, object)),
        );
      },
      onHealth: (health) => this.reportHealth(health),
      restartDelayMs: 1000,
    });
    this.watcher = watcher;
    await watcher.start();
    const reconciler = new Reconciler(this.db, this.store, this.cluster, watcher);
    this.queues.consume(this.cluster, true);
    this.worker = new Worker<ReconcileJob>(
      reconcileQueueName(this.cluster),
      (job) => this.process(reconciler, job),
      {
        connection: this.connection,
        prefix: this.options.prefix ?? 'lws-fleet',
        concurrency: this.options.concurrency ?? RECONCILE_CONCURRENCY,
        ...lockTimings(this.options.leaseMs),
        settings: { backoffStrategy: (attemptsMade: number) => reconcileBackoff(attemptsMade) },
      },
    );
    this.worker.on('error', (error) =>
      this.logger.error({ cluster: this.cluster, err: error }, 'reconcile worker error'),
    );
    await this.worker.waitUntilReady();
    await this.resync();
    this.resyncTimer = setInterval(
      () =>
        void this.resync().catch((error) =>
          this.logger.error({ cluster: this.cluster, err: error }, 'resync failed'),
        ),
      this.options.resyncMs ?? 30_000,
    );
    this.logger.info(
      { cluster: this.cluster, server: connection.server, nodes: watcher.nodeCount() },
      'cluster runtime started',
    );
  }

  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.worker?.close();
    this.queues.consume(this.cluster, false);
    await this.watcher?.stop();
    await this.recorder?.flush();
  }

  /**
   * Enqueues a reconcile of every live LWS placed on this cluster, except those reconciled since
   * the previous resync and those whose last reconcile failed for good at their current generation.
   */
  async resync(): Promise<void> {
    const since = this.previousResync;
    this.previousResync = performance.now();
    const rows: Array<{ uid: string; generation: number }> = await this.db.query(
      `SELECT uid, generation FROM leader_worker_sets WHERE cluster = $1 AND deleted_at IS NULL`,
      [this.cluster],
    );
    const live = new Set(rows.map((row) => row.uid));
    for (const uid of this.lastReconciled.keys())
      if (!live.has(uid)) this.lastReconciled.delete(uid);
    for (const row of rows) {
      if (this.permanentFailures.get(row.uid) === row.generation) continue;
      if ((this.lastReconciled.get(row.uid) ?? -Infinity) > since) continue;
      await this.queues.enqueue(this.cluster, {
        uid: row.uid,
        trigger: 'resync',
        reason: 'resync',
        correlationId: `resync-${Date.now()}`,
      });
    }
  }

  /** The observed pods of the group `object` belongs to. */
  private groupPods(owner: string, object: KubernetesObject): V1Pod[] {
    const group = object.metadata?.labels?.[LABEL_GROUP_INDEX];
    const pods: V1Pod[] = [];
    for (const pod of this.watcher?.objectsOf<V1Pod>(owner, 'Pod') ?? [])
      if (pod.metadata?.labels?.[LABEL_GROUP_INDEX] === group) pods.push(pod);
    return pods;
  }

  private async trigger(uid: string, reason: string, urgent: boolean): Promise<void> {
    try {
      await this.queues.enqueue(this.cluster, {
        uid,
        trigger: urgent ? 'watch-urgent' : 'watch',
        reason,
        correlationId: `watch-${Date.now()}`,
      });
    } catch (error) {
      this.logger.error(
        { cluster: this.cluster, lws: uid, err: error },
        'could not enqueue a reconcile',
      );
    }
  }

  private async process(reconciler: Reconciler, job: Job<ReconcileJob>): Promise<string> {
    const { uid, correlationId } = job.data;
    // Before the reconcile reads anything: a request made from now on needs a reconcile after this one.
    this.queues.started(this.cluster, uid);
    const started = performance.now();
    const timings: ReconcileTimings = {};
    const outcome = await reconciler.reconcile(uid, correlationId || String(job.id), timings);
    this.logger.debug(
      {
        cluster: this.cluster,
        lws: uid,
        trigger: job.data.trigger,
        result: outcome.result,
        ms: Math.round(performance.now() - started),
        ...timings, // ms per phase: load, plan, execute, record
      },
      'reconciled',
    );
    if (outcome.result !== 'failed') {
      this.permanentFailures.delete(uid);
      this.lastReconciled.set(uid, started);
      return outcome.result;
    }
    this.lastReconciled.delete(uid);
    const { failure } = outcome;
    this.logger.warn({ cluster: this.cluster, lws: uid, failure }, 'reconcile failed');
    if (failure.retry === 'permanent') {
      const rows: Array<{ generation: number }> = await this.db.query(
        `SELECT generation FROM leader_worker_sets WHERE uid = $1`,
        [uid],
      );
      if (rows[0]) this.permanentFailures.set(uid, rows[0].generation);
      throw new UnrecoverableError(`${failure.action}: ${failure.message}`);
    }
    if (failure.retry === 'transient' && outcome.progress) {
      // A transient error cut short a reconcile that did change the cluster: what is left is
      // retried at once by a fresh job, as a workqueue forgets an item's failures once it moves on.
      // Counting it as an attempt would stretch the backoff towards its 30 s cap while every retry
      // makes progress, and leave nothing for the errors that block all progress.
      await this.trigger(uid, `retry after progress: ${failure.action}: ${failure.reason}`, true);
      return 'progress';
    }
    if (failure.retry === 'throttled') {
      // The API server asked us to slow down: pause this cluster's queue, without spending an attempt.
      await this.worker!.rateLimit(failure.retryAfterMs ?? 1000);
      throw Worker.RateLimitError();
    }
    throw new Error(`${failure.action}: ${failure.reason}: ${failure.message}`);
  }

  /**
   * Records the cluster's health in `clusters`, one write at a time, the latest winning: a
   * watcher reports once per node as it lists them, and those must not queue up a write each.
   */
  private reportHealth(health: ClusterHealth): void {
    this.pendingHealth = health;
    if (!this.writingHealth) void this.writeHealth();
  }

  private async writeHealth(): Promise<void> {
    this.writingHealth = true;
    while (this.pendingHealth) {
      const health = this.pendingHealth;
      this.pendingHealth = undefined;
      const key = `${health.healthy}/${health.nodes}`;
      if (key === this.lastHealth) continue;
      try {
        await this.db.query(
          `UPDATE clusters SET healthy = $2, nodes = $3, last_seen = CASE WHEN $2 THEN now() ELSE last_seen END WHERE name = $1`,
          [this.cluster, health.healthy, health.nodes],
        );
        this.lastHealth = key;
      } catch (error) {
        this.logger.error({ cluster: this.cluster, err: error }, 'could not record cluster health');
      }
    }
    // In the same turn as the loop found nothing pending: a report made after this starts a new write.
    this.writingHealth = false;
  }
}

/** Job lock and stalled-check period that follow the cluster lease (see ClusterRuntimeOptions.leaseMs). */
export function lockTimings(leaseMs = 15_000): { lockDuration: number; stalledInterval: number } {
  const lockDuration = Math.max(MIN_LOCK_MS, leaseMs);
  return { lockDuration, stalledInterval: Math.ceil(lockDuration / 2) };
}
