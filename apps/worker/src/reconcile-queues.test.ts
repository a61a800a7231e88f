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
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const active = new Promise<void>((resolve) => (started = resolve));
  let done!: () => void;
  const second = new Promise<void>((resolve) => (done = resolve));
  const worker = new Worker<ReconcileJob>(
    reconcileQueueName('east'),
    async (job: Job<ReconcileJob>) => {
      seen.push({ trigger: job.data.trigger, delay: job.opts.delay ?? 0 });
      if (seen.length === 1) {
        started();
        await held;
      } else done();
    },
    { connection, prefix },
  );
  await worker.waitUntilReady();
  const request = (trigger: ReconcileJob['trigger']) =>
    queues.enqueue('east', { uid: 'lws-1', trigger, reason: trigger, correlationId: trigger });
  return {
    seen,
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
});
