import { Queue, type ConnectionOptions } from 'bullmq';

/** One queue per cluster, so a slow or unreachable cluster never starves the others. */
export const reconcileQueueName = (cluster: string): string => `reconcile.${cluster}`;

/**
 * What asked for a reconcile; decides how urgent it is (see WATCH_BATCH_MS). `watch-urgent` is a
 * watch event that can change the plan at once (a pod became Ready, an object is gone: see the
 * planner's `isUrgentChange`); `watch` is any other watch event.
 */
export type ReconcileTrigger = 'watch' | 'watch-urgent' | 'resync' | 'change';

export interface ReconcileJob {
  uid: string;
  trigger: ReconcileTrigger;
  /** Why it was asked for, in words (the event type, the object that changed); for logs and the audit trail. */
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
  /** The most urgent request for this LWS (latest data, highest urgency). */
  urgency: Urgency;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

interface ClusterSender {
  /** Requests not sent yet, by LWS. */
  pending: Map<string, PendingAdd>;
  /** A pipeline is on its way to Redis, or a send is scheduled. */
  busy: boolean;
}

/**
 * Reconciles asked for by watch events that cannot change the plan by themselves (our own creates
 * echoed back, scheduling details) wait this long, and every watch event of the same LWS in the
 * meantime joins them: a group of pods going through Pending and Running costs one reconcile
 * instead of one per transition (upstream's Job controller batches pod events for 1 s,
 * `syncJobBatchPeriod`, for the same reason), and the reconcile that created them waits for them
 * anyway. Resyncs do not wait, but a reconcile already waiting serves them. A desired-state change
 * (or a manual request) and an urgent watch event (a pod became Ready, an object is gone: the next
 * step of a rollout or a recreation may start) replace a reconcile still waiting, so they are acted
 * on at once; while one runs, they make exactly one more.
 */
export const WATCH_BATCH_MS = 500;

/** 0: from the watcher (batched); 1: resync; 2: an urgent watch event, a change of desired state, or a manual request. */
type Urgency = 0 | 1 | 2;

/**
 * How long a job this process sent, and has not seen start, is trusted to be still waiting. Past
 * this (its start was missed: another process took the job over), requests are sent again.
 */
const WAITING_TRUST_MS = 5_000;
const URGENCY: Record<ReconcileTrigger, Urgency> = {
  watch: 0,
  resync: 1,
  'watch-urgent': 2,
  change: 2,
};
const urgencyOf = (job: ReconcileJob): Urgency => URGENCY[job.trigger];

const JOB_OPTIONS = {
  attempts: RECONCILE_ATTEMPTS,
  backoff: { type: 'jittered' },
  removeOnComplete: true,
  removeOnFail: 1000,
};

/**
 * Enqueues reconciles. Jobs are deduplicated per LWS with "one active, at most one waiting, latest
 * wins" (BullMQ's keepLastIfActive), the semantics of Kubernetes' workqueue: a change during a
 * reconcile causes exactly one more reconcile after it, and two reconciles of one LWS never overlap.
 *
 * Requests are sent as pipelines (group commit): at most one per cluster on its way to Redis, and
 * the requests made meanwhile (a burst of watch events, several per LWS) go in the next one, one
 * add per LWS with its latest request. The add of a request is always sent after the request was
 * made, and `enqueue` resolves once it is in Redis.
 */
export class ReconcileQueues {
  private readonly queues = new Map<string, Queue<ReconcileJob>>();
  private readonly senders = new Map<string, ClusterSender>();
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * Until when a request for an LWS must not wait (by cluster/uid): an urgent request was sent,
   * and may sit as the job to run after the active one, where "latest wins" would let a later
   * batched request replace it with one that waits WATCH_BATCH_MS.
   */
  private readonly urgentUntil = new Map<string, number>();
  /** Clusters whose queue this process consumes (it is told when their jobs start). */
  private readonly consumed = new Set<string>();
  /**
   * By cluster/uid, for consumed clusters: a job this process sent that has not started yet, with
   * its urgency. A request no more urgent than it has nothing to add (the job reads everything when
   * it starts), so it is not sent: a burst of watch events costs one add, not one per pipeline.
   */
  private readonly waiting = new Map<string, { urgency: Urgency; at: number }>();

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
      let sender = this.senders.get(cluster);
      if (!sender) this.senders.set(cluster, (sender = { pending: new Map(), busy: false }));
      const entry = sender.pending.get(job.uid);
      if (entry) {
        entry.job = job; // latest wins, as in the queue itself
        entry.urgency = Math.max(entry.urgency, urgencyOf(job)) as Urgency;
        entry.waiters.push({ resolve, reject });
      } else {
        sender.pending.set(job.uid, {
          job,
          urgency: urgencyOf(job),
          waiters: [{ resolve, reject }],
        });
      }
      if (!sender.busy) {
        sender.busy = true;
        setImmediate(() => this.send(cluster, sender));
      }
    });
  }

  /**
   * This process consumes (or no longer consumes) `cluster`'s queue, and will call `started` as
   * each of its jobs starts, before the reconcile reads anything.
   */
  consume(cluster: string, consuming: boolean): void {
    if (consuming) this.consumed.add(cluster);
    else {
      this.consumed.delete(cluster);
      for (const key of this.waiting.keys())
        if (key.startsWith(`${cluster}/`)) this.waiting.delete(key);
    }
  }

  /** A job for `uid` started on `cluster`: requests from now on call for another one. */
  started(cluster: string, uid: string): void {
    this.waiting.delete(`${cluster}/${uid}`);
  }

  async close(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // sends already scheduled start first
    while (this.inFlight.size) await Promise.all(this.inFlight);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }

  private send(cluster: string, sender: ClusterSender): void {
    const entries = [...sender.pending.values()];
    sender.pending = new Map();
    if (!entries.length) {
      sender.busy = false;
      return;
    }
    const now = Date.now();
    const consumed = this.consumed.has(cluster);
    const toSend = entries.filter(({ job, urgency, waiters }) => {
      const waiting = consumed ? this.waiting.get(`${cluster}/${job.uid}`) : undefined;
      if (!waiting || waiting.urgency < urgency || now - waiting.at > WAITING_TRUST_MS) return true;
      waiters.forEach((w) => w.resolve()); // the job already waiting serves this request
      return false;
    });
    if (!toSend.length) {
      this.send(cluster, sender);
      return;
    }
    const jobs = toSend.map(({ job, urgency }) => {
      const key = `${cluster}/${job.uid}`;
      if (consumed) this.waiting.set(key, { urgency, at: now });
      const waits = urgency === 0 && (this.urgentUntil.get(key) ?? 0) <= now;
      if (urgency === 2) this.urgentUntil.set(key, now + WATCH_BATCH_MS);
      else if (waits) this.urgentUntil.delete(key); // expired
      return {
        name: 'reconcile',
        data: job,
        opts: {
          ...JOB_OPTIONS,
          ...(waits ? { delay: WATCH_BATCH_MS } : {}),
          deduplication: { id: job.uid, keepLastIfActive: true, replace: urgency === 2 },
        },
      };
    });
    const sent = this.queue(cluster)
      .addBulk(jobs)
      .then(
        () => toSend.forEach((e) => e.waiters.forEach((w) => w.resolve())),
        (error: unknown) => {
          for (const e of toSend) {
            this.waiting.delete(`${cluster}/${e.job.uid}`); // not in Redis after all
            e.waiters.forEach((w) => w.reject(error));
          }
        },
      )
      .finally(() => {
        this.inFlight.delete(sent);
        this.send(cluster, sender);
      });
    this.inFlight.add(sent);
  }
}
