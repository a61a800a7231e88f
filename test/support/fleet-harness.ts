import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '../../libs/events/src';
import { KubeSim, type KubeSimOptions } from '../../libs/kube-sim/src';
import { readModelProjections } from '../../apps/api/src/app.module';
import { createLogger } from '../../apps/api/src/logger';
import { FleetWorker, type FleetWorkerOptions } from '../../apps/worker/src/fleet-worker';
import { REGISTER, codes, startApi, type ApiHarness } from './api-harness';

export interface FleetHarness {
  api: ApiHarness;
  sim: KubeSim;
  worker: FleetWorker;
  /** Key prefix of this fleet's queues and leases in Redis (a worker process started apart needs it). */
  redisPrefix: string;
  /** Starts another worker process stand-in on the same database and Redis (after `worker` was stopped, say). */
  startWorker(overrides?: Partial<FleetWorkerOptions>): Promise<FleetWorker>;
  close(): Promise<void>;
}

/**
 * The whole product as a user runs it: simulated clusters (registered through GraphQL with their
 * kubeconfigs), the API, and a fleet worker, on real Postgres and Redis.
 */
export async function startFleet(
  prefix: string,
  simOptions: Partial<KubeSimOptions> = {},
  workerOptions: Partial<FleetWorkerOptions> = {},
): Promise<FleetHarness> {
  const api = await startApi(prefix);
  const sim = await KubeSim.start({
    clusters: ['east', 'west'],
    profile: 'fast',
    kubeconfigDir: mkdtempSync(join(tmpdir(), 'lws-fleet-')),
    ...simOptions,
  });
  for (const cluster of sim.clusters) {
    const res = await api.gql(REGISTER, {
      input: { name: cluster.name, kubeconfig: readFileSync(cluster.kubeconfigPath, 'utf8') },
    });
    if (codes(res).length)
      throw new Error(`registerCluster ${cluster.name}: ${JSON.stringify(res.errors)}`);
  }
  const redisPrefix = `lws-test-${prefix}-${randomBytes(4).toString('hex')}`;
  const workers: FleetWorker[] = [];
  const startWorker = async (overrides: Partial<FleetWorkerOptions> = {}) => {
    const worker = new FleetWorker({
      db: api.server.dataSource,
      store: new EventStore(api.server.dataSource, { projections: readModelProjections }),
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      secretBox: api.secretBox,
      logger: createLogger(process.env.LOG_LEVEL ?? 'silent'),
      prefix: redisPrefix,
      leaseMs: 3000,
      resyncMs: 5000,
      ...workerOptions,
      ...overrides,
    });
    await worker.start();
    workers.push(worker);
    return worker;
  };
  const worker = await startWorker();
  return {
    api,
    sim,
    worker,
    redisPrefix,
    startWorker,
    async close() {
      for (const w of workers) await w.stop().catch(() => undefined);
      await sim.stop();
      await api.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails naming what it waited for. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
