import { Queue, type ConnectionOptions } from 'bullmq';

/** One queue per cluster, so a slow or unreachable cluster never starves the others. */
export const reconcileQueueName = (cluster: string): string => `reconcile.${cluster}`;

export interface ReconcileJob {
  uid: string;
  /** Why it was asked for: `applied`, `watch`, `resync`, …; for logs and the audit trail. */
  reason: string;
  correlationId: string;
}

/** Attempts for transient failures (429s do not count: they are rate limits, not attempts). */
export const RECONCILE_ATTEMPTS = 12;

/** Capped exponential backoff with full jitter: ~0.25 s, 0.5 s, 1 s … up to 30 s. */
export function reconcileBackoff(attemptsMade: number, random = Math.random): number {
  const ceiling = Math.min(30_000, 250 * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

interface PendingAdd {
  job: ReconcileJob;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * Enqueues reconciles. Jobs are deduplicated per LWS with "one active, at most one waiting, latest
 * wins" (BullMQ's keepLastIfActive), the semantics of Kubernetes' workqueue: a change during a
 * reconcile causes exactly one more reconcile after it, and two reconciles of one LWS never overlap.
 *
 * Requests made in the same turn of the event loop (a burst of watch events, mostly several per
 * LWS) go to Redis as one pipeline, one add per LWS with its latest request: the add of each
 * request is still issued after the request, and `enqueue` resolves once it is in Redis.
 */
export class ReconcileQueues {
  private readonly queues = new Map<string, Queue<ReconcileJob>>();
  /** Requests not sent yet, by cluster, then LWS. */
  private pending = new Map<string, Map<string, PendingAdd>>();
  private flushScheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix = 'lws-fleet',
  ) {}

  queue(cluster: string): Queue<ReconcileJob> {
    let queue = this.queues.get(cluster);
    if (!queue) {
      queue = new Queue<ReconcileJob>(reconcileQueueName(cluster), {
        connection: this.connection,
        prefix: this.prefix,
      });
      this.queues.set(cluster, queue);
    }
    return queue;
  }

  enqueue(cluster: string, job: ReconcileJob): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let byLws = this.pending.get(cluster);
      if (!byLws) this.pending.set(cluster, (byLws = new Map()));
      const entry = byLws.get(job.uid);
      if (entry) {
        entry.job = job; // latest wins, as in the queue itself
        entry.waiters.push({ resolve, reject });
      } else {
        byLws.set(job.uid, { job, waiters: [{ resolve, reject }] });
      }
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    if (this.flushScheduled) this.flush();
    await Promise.all(this.inFlight);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }

  private flush(): void {
    this.flushScheduled = false;
    const pending = this.pending;
    this.pending = new Map();
    for (const [cluster, byLws] of pending) {
      const entries = [...byLws.values()];
      const sent = this.queue(cluster)
        .addBulk(
          entries.map(({ job }) => ({
            name: 'reconcile',
            data: job,
            opts: {
              deduplication: { id: job.uid, keepLastIfActive: true },
              attempts: RECONCILE_ATTEMPTS,
              backoff: { type: 'jittered' },
              removeOnComplete: true,
              removeOnFail: 1000,
            },
          })),
        )
        .then(
          () => entries.forEach((e) => e.waiters.forEach((w) => w.resolve())),
          (error: unknown) => entries.forEach((e) => e.waiters.forEach((w) => w.reject(error))),
        )
        .finally(() => this.inFlight.delete(sent));
      this.inFlight.add(sent);
    }
  }
}
