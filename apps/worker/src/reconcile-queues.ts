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

/**
 * Enqueues reconciles. Jobs are deduplicated per LWS with "one active, at most one waiting, latest
 * wins" (BullMQ's keepLastIfActive), the semantics of Kubernetes' workqueue: a change during a
 * reconcile causes exactly one more reconcile after it, and two reconciles of one LWS never overlap.
 */
export class ReconcileQueues {
  private readonly queues = new Map<string, Queue<ReconcileJob>>();

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

  async enqueue(cluster: string, job: ReconcileJob): Promise<void> {
    await this.queue(cluster).add('reconcile', job, {
      deduplication: { id: job.uid, keepLastIfActive: true },
      attempts: RECONCILE_ATTEMPTS,
      backoff: { type: 'jittered' },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
