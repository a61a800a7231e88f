import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import {
  ReconcileQueues,
  WATCH_BATCH_MS,
  reconcileQueueName,
  type ReconcileJob,
} from './reconcile-queues';

const connection = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };

/** Real Redis, a prefix of its own; the worker holds the first job until `release`. */
async function harness() {
  const prefix = `lws-test-queues-${randomBytes(4).toString('hex')}`;
  const queues = new ReconcileQueues(connection, prefix);
  const seen: Array<{ trigger: string; delay: number }> = [];
  const reasons: string[] = [];
  let third!: () => void;
  const thirdRan = new Promise<void>((resolve) => (third = resolve));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const active = new Promise<void>((resolve) => (started = resolve));
  let done!: () => void;
  const second = new Promise<void>((resolve) => (done = resolve));
  const worker = new Worker<ReconcileJob>(
    reconcileQueueName('east'),
    async (job: Job<ReconcileJob>) => {
      queues.started('east', job.data.uid); // as ClusterRuntime does, before reading anything
      seen.push({ trigger: job.data.trigger, delay: job.opts.delay ?? 0 });
      reasons.push(job.data.reason);
      if (seen.length === 1) {
        started();
        await held;
      } else if (seen.length === 2) done();
      else third();
    },
    { connection, prefix },
  );
  await worker.waitUntilReady();
  const request = (trigger: ReconcileJob['trigger'], reason: string = trigger) =>
    queues.enqueue('east', { uid: 'lws-1', trigger, reason, correlationId: trigger });
  return {
    queues,
    seen,
    reasons,
    thirdRan,
    request,
    release,
    active,
    second,
    close: async () => {
      await worker.close();
      await queues.close();
    },
  };
}

describe('ReconcileQueues (real Redis)', () => {
  const open: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of open) await close();
  });

  test('a batched watch request after an urgent one does not make the next reconcile wait', async () => {
    const h = await harness();
    open.push(h.close);
    await h.request('change');
    await h.active; // the first reconcile runs
    await h.request('watch-urgent'); // kept as the next one
    await h.request('watch'); // latest wins in the queue: it must not bring back the batch delay
    h.release();
    await h.second;
    assert.deepEqual(h.seen, [
      { trigger: 'change', delay: 0 },
      { trigger: 'watch', delay: 0 },
    ]);
  });

  test('a batched watch request on its own waits the batch window', async () => {
    const h = await harness();
    open.push(h.close);
    await h.request('watch');
    await h.active;
    h.release();
    assert.deepEqual(h.seen, [{ trigger: 'watch', delay: WATCH_BATCH_MS }]);
  });

  test('a request while a job this process sent still waits is served by that job; once it starts, requests count again', async () => {
    const h = await harness();
    open.push(h.close);
    h.queues.consume('east', true);
    await h.request('change');
    await h.active; // the first reconcile runs
    await h.request('watch-urgent', 'pod a Ready'); // kept as the next one
    await h.request('watch-urgent', 'pod b Ready'); // that one will read b's change too
    h.release();
    await h.second;
    await h.request('watch-urgent', 'pod c Ready'); // after the second started: a third
    await h.thirdRan;
    assert.deepEqual(h.reasons, ['change', 'pod a Ready', 'pod c Ready']);
  });

  test('without a consumer in this process, the latest request replaces the waiting one', async () => {
    const h = await harness();
    open.push(h.close);
    await h.request('change');
    await h.active;
    await h.request('watch-urgent', 'pod a Ready');
    await h.request('watch-urgent', 'pod b Ready');
    h.release();
    await h.second;
    assert.deepEqual(h.reasons, ['change', 'pod b Ready']);
  });
});
