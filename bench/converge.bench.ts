/**
 * Convergence of many LWSs through lws-fleet against the floor: the same objects created directly
 * through @kubernetes/client-node with the same concurrency budget, in the same run.
 *
 *   npm run bench:converge        BENCH_LWS=40 BENCH_IDLE_SECONDS=15 npm run bench:converge
 *
 * 1. lws-fleet: API + fleet worker + two simulated clusters (kubelet delays 0) on real Postgres and
 *    Redis; BENCH_LWS LWSs of 4 groups × 4 pods applied through GraphQL, alternately on east and
 *    west; the clock stops when every LWS's status (the read model GraphQL serves) is Available.
 * 2. Idle: BENCH_IDLE_SECONDS of resyncs (every BENCH_RESYNC_MS) after convergence; every API write
 *    and every appended event counts against the target of 0.
 * 3. Step 1 again in a fresh fleet (no idle phase); the faster of the two runs counts.
 * 4. The floor: a fresh simulated fleet of the same shape; the objects the planner wants for each
 *    LWS (anchor, Service, pods: what lws-fleet created) created with CoreV1Api as makeApiClient
 *    builds it, owners before dependents, with reconcile concurrency × executor concurrency calls in
 *    flight per cluster; the clock stops when every pod is Ready. Twice, the faster counts. Then,
 *    for reference, once through lws-fleet's own connection (connectCluster).
 * The CPU lines say where the time went in each phase: this process, the simulator's thread,
 * Postgres and Redis, the whole machine (from /proc).
 *
 * Knobs: BENCH_LWS (200), BENCH_IDLE_SECONDS (60), BENCH_RESYNC_MS (5000), BENCH_APPLY_CONCURRENCY
 * (32), BENCH_RECONCILE_CONCURRENCY (the worker's default), BENCH_SIM=inline (simulator on the
 * bench's thread), BENCH_DEBUG=1 (where the time goes), BENCH_PROFILE=<file> (CPU profile of the
 * lws-fleet phase), BENCH_SHARED_AGENT=1 (experiment: one HTTP agent per cluster on both sides).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

import * as k8s from '@kubernetes/client-node';

import { KubeSim } from '../libs/kube-sim/src';
import { PROFILES } from '../libs/kube-sim/src/controllers';
import {
  LABEL_MANAGED_BY,
  MANAGED_BY_VALUE,
  bindOwnerUid,
  ownerKey,
  plan,
  type CreateAction,
} from '../libs/planner/src';
import { loadDesired } from '../apps/worker/src/reconcile/desired-state';
import { Reconciler } from '../apps/worker/src/reconcile/reconciler';
import { EXECUTOR_CONCURRENCY } from '../apps/worker/src/reconcile/executor';
import { RECONCILE_CONCURRENCY } from '../apps/worker/src/cluster-runtime';
import { EventStore } from '../libs/events/src';
import { readModelProjections } from '../apps/api/src/app.module';
import { createLogger } from '../apps/api/src/logger';
import { FleetWorker } from '../apps/worker/src/fleet-worker';
import { APPLY, REGISTER, codes, startApi } from '../test/support/api-harness';
import { connectCluster } from '../libs/kube/src';

const LWS_COUNT = Number(process.env.BENCH_LWS ?? 200);
const REPLICAS = 4;
const SIZE = 4;
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const RESYNC_MS = Number(process.env.BENCH_RESYNC_MS ?? 5000);
const CONCURRENCY = process.env.BENCH_RECONCILE_CONCURRENCY
  ? Number(process.env.BENCH_RECONCILE_CONCURRENCY)
  : undefined;
/** GraphQL applies in flight (a CI pipeline applying manifests). */
const APPLY_CONCURRENCY = Number(process.env.BENCH_APPLY_CONCURRENCY ?? 32);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);
const CLUSTERS = ['east', 'west'];
const SIM_MODE = process.env.BENCH_SIM === 'inline' ? 'inline' : 'thread';
const TARGET_TIME_RATIO = 1.5;
const TARGET_WRITES_PER_OBJECT = 1.05;

/** The fast profile with a kubelet that starts and readies pods at once. */
const PROFILE = { ...PROFILES.fast, podStartDelayMs: 0, podReadyDelayMs: 0 };

const name = (i: number) => `bench-${String(i).padStart(3, '0')}`;
const clusterOf = (i: number) => CLUSTERS[i % CLUSTERS.length];

function manifest(i: number): string {
  return `apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata:
  name: ${name(i)}
spec:
  replicas: ${REPLICAS}
  leaderWorkerTemplate:
    size: ${SIZE}
    workerTemplate:
      spec:
        containers:
        - name: server
          image: registry.example/llm-serving:1.0
          resources:
            requests:
              cpu: "10m"
              memory: "16Mi"
`;
}

/** Runs `work(i)` for i in [0, count) with at most `lanes` in flight. */
async function pool(
  count: number,
  lanes: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
}

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const loadAverage = async (): Promise<string> =>
  (await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function managedObjects(sim: KubeSim): number {
  const selector = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;
  let n = 0;
  for (const c of sim.clusters)
    for (const resource of ['pods', 'services', 'configmaps', 'persistentvolumeclaims'])
      n += c.store.list(resource, { labelSelector: selector }).items.length;
  return n;
}

function readyPods(sim: KubeSim): number {
  let n = 0;
  for (const c of sim.clusters)
    for (const pod of c.store.rawList('pods').items as k8s.V1Pod[])
      if (pod.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) n++;
  return n;
}

/** What the bench asks of a simulated fleet, wherever it runs. */
const simOps = (sim: KubeSim) => ({
  readyPods: () => readyPods(sim),
  managedObjects: () => managedObjects(sim),
  writesByResource: () => {
    const out: Record<string, number> = {};
    for (const c of sim.clusters)
      for (const [resource, counts] of Object.entries(c.writeCounts))
        out[resource] = (out[resource] ?? 0) + counts.total;
    return out;
  },
  resetWrites: () => sim.clusters.forEach((c) => c.resetWriteCounts()),
  /** How long this thread's event loop has been busy (ms): about its CPU time. */
  busyMs: () => performance.eventLoopUtilization().active,
});

/**
 * CPU time (ms) so far of the whole machine (/proc/stat: everything but idle and iowait) and of
 * the Postgres and Redis processes (/proc/<pid>/stat), for where the time of a phase went.
 * Zeros where /proc is not there.
 */
function systemCpu(): { machineMs: number; servicesMs: number; redisMs: number } {
  const tick = 10; // USER_HZ is 100 on Linux
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    let servicesMs = 0;
    let redisMs = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (!/^(postgres|redis-server)/.test(comm)) continue;
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ms = (Number(rest[11]) + Number(rest[12])) * tick; // utime, stime
        servicesMs += ms;
        if (comm.startsWith('redis')) redisMs += ms;
      } catch {
        // the process ended meanwhile
      }
    }
    return {
      machineMs: (user + nice + system + irq + softirq + (steal ?? 0)) * tick,
      servicesMs,
      redisMs,
    };
  } catch {
    return { machineMs: 0, servicesMs: 0, redisMs: 0 };
  }
}

interface PhaseCpu {
  /** This process (all its threads). */
  processMs: number;
  /** The simulator's thread (when it has one). */
  simMs: number;
  /** Postgres and Redis. */
  servicesMs: number;
  /** Redis alone. */
  redisMs: number;
  /** Everything on the machine. */
  machineMs: number;
}

/** Starts measuring a phase's CPU; the returned function ends it. */
async function cpuMeter(sim: SimFleet): Promise<() => Promise<PhaseCpu>> {
  const process0 = process.cpuUsage();
  const sim0 = await sim.call('busyMs');
  const system0 = systemCpu();
  return async () => {
    const system1 = systemCpu();
    return {
      processMs: cpuTotal(process.cpuUsage(process0)),
      simMs: SIM_MODE === 'inline' ? 0 : (await sim.call('busyMs')) - sim0,
      servicesMs: system1.servicesMs - system0.servicesMs,
      redisMs: system1.redisMs - system0.redisMs,
      machineMs: system1.machineMs - system0.machineMs,
    };
  };
}
type SimOp = keyof ReturnType<typeof simOps>;

interface SimFleet {
  clusters: Array<{ name: string; kubeconfigPath: string }>;
  call<K extends SimOp>(op: K): Promise<ReturnType<ReturnType<typeof simOps>[K]>>;
  stop(): Promise<void>;
}

/**
 * The simulated clusters: on a thread of their own (default; BENCH_SIM=thread), as real API
 * servers run apart from the control plane, or in the bench's own thread (BENCH_SIM=inline).
 */
async function startSim(kubeconfigDir: string): Promise<SimFleet> {
  if (SIM_MODE === 'inline') {
    const sim = await KubeSim.start({ clusters: CLUSTERS, profile: PROFILE, kubeconfigDir });
    const ops = simOps(sim);
    return {
      clusters: sim.clusters.map((c) => ({ name: c.name, kubeconfigPath: c.kubeconfigPath })),
      call: async (op) => ops[op]() as never,
      stop: () => sim.stop(),
    };
  }
  const thread = new Worker(__filename, { workerData: { simThread: true, kubeconfigDir } });
  const replies = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  const ready = new Promise<SimFleet['clusters']>((resolve, reject) => {
    thread.once('error', reject);
    thread.on(
      'message',
      (m: { id?: number; result?: unknown; clusters?: SimFleet['clusters'] }) => {
        if (m.clusters) resolve(m.clusters);
        else replies.get(m.id!)?.(m.result);
      },
    );
  });
  const clusters = await ready;
  const request = (op: string) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      replies.set(id, (value) => {
        replies.delete(id);
        resolve(value);
      });
      thread.postMessage({ id, op });
    });
  return {
    clusters,
    call: (op) => request(op) as never,
    async stop() {
      await request('stop');
      await thread.terminate();
    },
  };
}

/** The body of the simulator thread. */
async function simThread(): Promise<void> {
  const { kubeconfigDir } = workerData as { kubeconfigDir: string };
  const sim = await KubeSim.start({ clusters: CLUSTERS, profile: PROFILE, kubeconfigDir });
  const ops = simOps(sim);
  parentPort!.on('message', async ({ id, op }: { id: number; op: SimOp | 'stop' }) => {
    if (op === 'stop') {
      await sim.stop();
      parentPort!.postMessage({ id });
      return;
    }
    parentPort!.postMessage({ id, result: ops[op]() });
  });
  parentPort!.postMessage({
    clusters: sim.clusters.map((c) => ({ name: c.name, kubeconfigPath: c.kubeconfigPath })),
  });
}

/** The product as `npm start` runs it (API and fleet worker), with the clusters registered. */
async function startControlPlane(sim: SimFleet) {
  const api = await startApi('bench_converge');
  for (const cluster of sim.clusters) {
    const res = await api.gql(REGISTER, {
      input: { name: cluster.name, kubeconfig: readFileSync(cluster.kubeconfigPath, 'utf8') },
    });
    if (codes(res).length)
      throw new Error(`registerCluster ${cluster.name}: ${JSON.stringify(res.errors)}`);
  }
  const worker = new FleetWorker({
    db: api.server.dataSource,
    store: new EventStore(api.server.dataSource, { projections: readModelProjections }),
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    secretBox: api.secretBox,
    logger: createLogger(process.env.LOG_LEVEL ?? 'silent'),
    prefix: `lws-bench-${randomBytes(4).toString('hex')}`,
    resyncMs: RESYNC_MS,
    ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}),
  });
  await worker.start();
  return {
    api,
    worker,
    async close() {
      await worker.stop().catch(() => undefined);
      await api.close();
    },
  };
}

interface FleetResult {
  ms: number;
  /** CPU time of this process (user + system) while converging. */
  cpu: PhaseCpu;
  allPodsReadyMs: number;
  writes: number;
  objects: number;
  writesByResource: Record<string, number>;
  eventsByType: Record<string, number>;
  idleWrites: number;
  idleEvents: number;
  idleEventsByType: Record<string, number>;
  /** Per cluster, the create actions the planner wants for each LWS from an empty cluster. */
  creates: Map<string, CreateAction[][]>;
}

async function runFleet(
  dir: string,
  /** Seconds of the idle phase (0: none). */
  idleSeconds: number,
  /** Whether BENCH_PROFILE and BENCH_DEBUG apply to this run. */
  first: boolean,
): Promise<FleetResult> {
  const stats = first && process.env.BENCH_DEBUG ? instrument() : undefined;
  const sim = await startSim(dir);
  const fleet = await startControlPlane(sim).catch(async (error) => {
    await sim.stop();
    throw error;
  });
  try {
    // The worker takes its clusters' leases and starts their runtimes in the background.
    await until('the worker runs both clusters', () => fleet.worker.ownedClusters().length === 2);
    const db = fleet.api.server.dataSource;
    const eventsAt = async (): Promise<number> =>
      Number((await db.query(`SELECT coalesce(max(global_position), 0) AS n FROM events`))[0].n);
    const eventTypes = async (after: number): Promise<Record<string, number>> => {
      const rows: Array<{ type: string; n: string }> = await db.query(
        `SELECT type, count(*) AS n FROM events WHERE global_position > $1 GROUP BY type ORDER BY type`,
        [after],
      );
      return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
    };
    const totalWrites = async () =>
      Object.values(await sim.call('writesByResource')).reduce((n, w) => n + w, 0);
    await sim.call('resetWrites');
    const before = await eventsAt();

    const profiler = first && process.env.BENCH_PROFILE ? await startProfile() : undefined;
    const cpu = await cpuMeter(sim);
    const start = performance.now();
    const startedAt = Date.now();
    await pool(LWS_COUNT, APPLY_CONCURRENCY, async (i) => {
      const res = await fleet.api.gql(APPLY, {
        input: { manifest: manifest(i), cluster: clusterOf(i) },
      });
      if (codes(res).length) throw new Error(`apply ${name(i)}: ${JSON.stringify(res.errors)}`);
    });
    if (process.env.BENCH_DEBUG)
      console.log(`  debug applies done ${fmt(performance.now() - start)}`);
    const pods = LWS_COUNT * REPLICAS * SIZE;
    let allPodsReadyMs = 0;
    await until('every LWS Available', async () => {
      if (!allPodsReadyMs && (await sim.call('readyPods')) === pods)
        allPodsReadyMs = performance.now() - start;
      const rows = await db.query(
        `SELECT count(*) AS n FROM leader_worker_sets
          WHERE deleted_at IS NULL AND status -> 'conditions' @> '[{"type":"Available","status":"True"}]'`,
      );
      return Number(rows[0].n) === LWS_COUNT;
    });
    const ms = performance.now() - start;
    allPodsReadyMs ||= ms;
    const cpuUsed = await cpu();
    if (stats) console.log(`  debug ${stats()}`);
    if (profiler) await profiler(process.env.BENCH_PROFILE!);
    if (process.env.BENCH_DEBUG) {
      const rows: Array<{ type: string; first: number; p50: number; last: number; n: string }> =
        await db.query(
          `SELECT type, count(*) AS n,
                  min(extract(epoch FROM created_at) * 1000 - $2) AS first,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at) * 1000 - $2) AS p50,
                  max(extract(epoch FROM created_at) * 1000 - $2) AS last
             FROM events WHERE global_position > $1 GROUP BY type ORDER BY first`,
          [before, startedAt],
        );
      for (const r of rows)
        console.log(
          `  debug ${r.type.padEnd(24)} n=${r.n} first ${fmt(r.first)} p50 ${fmt(r.p50)} last ${fmt(r.last)}`,
        );
    }

    const writesByResource = await sim.call('writesByResource');
    const writes = await totalWrites();
    const objects = await sim.call('managedObjects');
    const converged = await eventsAt();
    const eventsByType = await eventTypes(before);

    // Idle: resyncs keep running; nothing may be written to a cluster or to the store.
    const idleFrom = await eventsAt();
    const idleWritesFrom = await totalWrites();
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idleWrites = (await totalWrites()) - idleWritesFrom;
    const idleEvents = (await eventsAt()) - idleFrom;
    const idleEventsByType = await eventTypes(idleFrom);
    void converged;

    // What the planner creates for each LWS in an empty cluster: the floor creates exactly that.
    const creates = new Map<string, CreateAction[][]>(CLUSTERS.map((c) => [c, []]));
    const rows: Array<{ uid: string; cluster: string }> = await db.query(
      `SELECT uid, cluster FROM leader_worker_sets WHERE deleted_at IS NULL ORDER BY name`,
    );
    for (const row of rows) {
      const snapshot = await loadDesired(db, row.uid);
      if (!snapshot) throw new Error(`LWS ${row.uid} vanished`);
      const result = plan(
        { ...snapshot.desired, status: undefined },
        { namespaceExists: true, pods: [], services: [], pvcs: [], now: new Date().toISOString() },
      );
      creates
        .get(row.cluster)!
        .push(result.actions.filter((a): a is CreateAction => a.type === 'create'));
    }
    return {
      ms,
      cpu: cpuUsed,
      allPodsReadyMs,
      writes,
      objects,
      writesByResource,
      eventsByType,
      idleWrites,
      idleEvents,
      idleEventsByType,
      creates,
    };
  } finally {
    await fleet.close();
    await sim.stop();
  }
}

async function create(core: k8s.CoreV1Api, action: CreateAction, body: CreateAction['object']) {
  const namespace = action.namespace;
  switch (action.kind) {
    case 'Pod':
      return core.createNamespacedPod({ namespace, body: body as k8s.V1Pod });
    case 'Service':
      return core.createNamespacedService({ namespace, body: body as k8s.V1Service });
    case 'ConfigMap':
      return core.createNamespacedConfigMap({ namespace, body: body as k8s.V1ConfigMap });
    case 'PersistentVolumeClaim':
      return core.createNamespacedPersistentVolumeClaim({
        namespace,
        body: body as k8s.V1PersistentVolumeClaim,
      });
  }
}

/** Creates every object with `lanes` calls in flight per cluster, owners before dependents. */
async function runFloor(
  dir: string,
  creates: Map<string, CreateAction[][]>,
  lanes: number,
  /** `client-node`: CoreV1Api as makeApiClient builds it; `lws-fleet`: as lws-fleet connects (connectCluster). */
  client: 'client-node' | 'lws-fleet' = 'client-node',
): Promise<{ ms: number; cpu: PhaseCpu; objects: number }> {
  const sim = await startSim(dir);
  try {
    const pods = [...creates.values()].flat(2).filter((a) => a.kind === 'Pod').length;
    const cpu = await cpuMeter(sim);
    const start = performance.now();
    await Promise.all(
      sim.clusters.map(async (cluster) => {
        const core =
          client === 'lws-fleet'
            ? connectCluster(cluster.name, readFileSync(cluster.kubeconfigPath, 'utf8')).core
            : (() => {
                const kc = new k8s.KubeConfig();
                kc.loadFromFile(cluster.kubeconfigPath);
                return kc.makeApiClient(k8s.CoreV1Api);
              })();
        // Owners first (anchors, then leaders and Services, then workers); a dependent waits for
        // its owner's uid, as the executor does.
        const perLws = creates.get(cluster.name) ?? [];
        const depth = (a: CreateAction, actions: CreateAction[]): number => {
          const owner = a.ownerPending;
          const o = owner && actions.find((x) => x.kind === owner.kind && x.name === owner.name);
          return o ? 1 + depth(o, actions) : 0;
        };
        const items = perLws
          .flatMap((actions, lws) => actions.map((a) => ({ a, lws, d: depth(a, actions) })))
          .sort((x, y) => x.d - y.d);
        const uids = perLws.map(() => new Map<string, string>());
        const done = new Map<string, Promise<void>>();
        const resolvers = new Map<string, () => void>();
        for (const { a, lws } of items) {
          const key = `${lws}:${ownerKey(a.kind, a.name)}`;
          done.set(key, new Promise((r) => resolvers.set(key, r)));
        }
        await pool(items.length, lanes, async (i) => {
          const { a, lws } = items[i];
          if (a.ownerPending)
            await done.get(`${lws}:${ownerKey(a.ownerPending.kind, a.ownerPending.name)}`);
          const created = await create(core, a, bindOwnerUid(a, uids[lws]));
          uids[lws].set(ownerKey(a.kind, a.name), created.metadata!.uid!);
          resolvers.get(`${lws}:${ownerKey(a.kind, a.name)}`)!();
        });
      }),
    );
    if (process.env.BENCH_DEBUG)
      console.log(`  debug floor creates done ${fmt(performance.now() - start)}`);
    await until('every pod Ready', async () => (await sim.call('readyPods')) === pods);
    return {
      ms: performance.now() - start,
      cpu: await cpu(),
      objects: await sim.call('managedObjects'),
    };
  } finally {
    await sim.stop();
  }
}

/** BENCH_PROFILE=file: a CPU profile of the lws-fleet phase (apply to all Available). */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** BENCH_DEBUG: time spent in each reconcile and in its settle wait. */
function instrument(): () => string {
  const stats = new Map<string, { n: number; ms: number; max: number }>();
  const wrap = (proto: Record<string, unknown>, method: string, label: string) => {
    const original = proto[method] as (...args: unknown[]) => Promise<unknown>;
    proto[method] = async function (this: unknown, ...args: unknown[]) {
      const t = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        const d = performance.now() - t;
        const s = stats.get(label) ?? { n: 0, ms: 0, max: 0 };
        s.n++;
        s.ms += d;
        s.max = Math.max(s.max, d);
        stats.set(label, s);
      }
    };
  };
  const count = (label: string) => {
    const s = stats.get(label) ?? { n: 0, ms: 0, max: 0 };
    s.n++;
    stats.set(label, s);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pg = require('pg') as { Client: { prototype: Record<string, unknown> } };
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    count(`sql ${String(text).replace(/\s+/g, ' ').slice(0, 50)}`);
    return query.apply(this, args);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Redis = require('ioredis') as { prototype: Record<string, unknown> };
  const send = Redis.prototype.sendCommand as (...args: unknown[]) => unknown;
  Redis.prototype.sendCommand = function (this: unknown, ...args: unknown[]) {
    const command = args[0] as { name?: string; args?: unknown[] };
    count(`redis ${command?.name}`);
    return send.apply(this, args);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  wrap(require('../apps/worker/src/reconcile/executor'), 'executeActions', 'executeActions');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  wrap(require('../apps/worker/src/reconcile/desired-state'), 'loadDesired', 'loadDesired');
  const proto = Reconciler.prototype as unknown as Record<string, unknown>;
  wrap(proto, 'reconcile', 'reconcile');
  wrap(proto, 'settle', 'settle');
  wrap(proto, 'append', 'append');
  wrap(proto, 'saveGroups', 'saveGroups');
  return () =>
    [...stats]
      .sort((a, b) => b[1].n - a[1].n)
      .map(([k, s]) =>
        s.ms
          ? `${k} n=${s.n} avg ${(s.ms / s.n).toFixed(0)} ms max ${s.max.toFixed(0)} ms`
          : `${k} n=${s.n}`,
      )
      .join('\n    ');
}

const cpuTotal = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pad = (s: string, n = 12) => s.padStart(n);

/**
 * BENCH_SHARED_AGENT=1 (an experiment, both sides): one undici Agent per cluster and options
 * instead of client-node's new Agent (a new connection) for every request.
 */
function shareAgents(): void {
  const proto = k8s.KubeConfig.prototype as unknown as Record<string, unknown>;
  const original = proto.createDispatcher as (...args: unknown[]) => unknown;
  const agents = new Map<string, unknown>();
  proto.createDispatcher = function (
    this: unknown,
    cluster: { server?: string },
    options: unknown,
  ) {
    const key = `${cluster?.server} ${JSON.stringify(options)}`;
    if (!agents.has(key)) agents.set(key, original.call(this, cluster, options));
    return agents.get(key);
  };
}

async function main(): Promise<void> {
  if (process.env.BENCH_SHARED_AGENT) shareAgents();
  const dir = mkdtempSync(join(tmpdir(), 'lws-converge-bench-'));
  try {
    const reconcileConcurrency = CONCURRENCY ?? RECONCILE_CONCURRENCY;
    const lanes = reconcileConcurrency * EXECUTOR_CONCURRENCY;
    const loadBefore = await loadAverage();
    const fleet = await runFleet(join(dir, 'fleet-1'), IDLE_SECONDS, true);
    // As the floor: a second run in a fresh fleet (without the idle phase), and the faster one
    // counts, so that noise on the machine weighs the same on both sides.
    const rerun = await runFleet(join(dir, 'fleet-2'), 0, false);
    const fastest = rerun.ms < fleet.ms ? rerun : fleet;
    // The floor is cheap: run it twice, each time in a fresh fleet, and keep the faster one, so a
    // burst of load from elsewhere on the machine does not flatter lws-fleet.
    const floors = [
      await runFloor(join(dir, 'floor-1'), fleet.creates, lanes),
      await runFloor(join(dir, 'floor-2'), fleet.creates, lanes),
    ];
    const floor = floors[0].ms <= floors[1].ms ? floors[0] : floors[1];
    // For reference: the same creates through lws-fleet's own connection (connectCluster: one
    // keep-alive agent per cluster, and client-node on undici's request instead of fetch).
    const leanFloor = await runFloor(join(dir, 'floor-3'), fleet.creates, lanes, 'lws-fleet');
    const loadAfter = await loadAverage();

    const ratio = fastest.ms / floor.ms;
    const perObject = fleet.writes / fleet.objects;
    const pods = LWS_COUNT * REPLICAS * SIZE;
    console.log(
      `converge: ${LWS_COUNT} LWSs × ${REPLICAS} groups × ${SIZE} pods (${pods} pods) on ${CLUSTERS.join(' + ')}, kubelet delay 0, simulator on ${SIM_MODE === 'inline' ? "the bench's thread" : 'a thread of its own'}`,
    );
    console.log(
      `  budget per cluster: ${reconcileConcurrency} reconciles × ${EXECUTOR_CONCURRENCY} calls = ${lanes} calls in flight; load ${loadBefore} → ${loadAfter}`,
    );
    console.log('');
    console.log(`  ${'measure'.padEnd(44)}${pad('value')}${pad('target')}`);
    console.log(
      `  ${'lws-fleet: apply → all Available'.padEnd(44)}${pad(fmt(fastest.ms))}${pad('')}  (best of ${fmt(fleet.ms)}, ${fmt(rerun.ms)})`,
    );
    console.log(
      `  ${'  (of which: all pods Ready in the clusters)'.padEnd(44)}${pad(fmt(fastest.allPodsReadyMs))}${pad('')}`,
    );
    console.log(
      `  ${'floor: client-node creates → all pods Ready'.padEnd(44)}${pad(fmt(floor.ms))}${pad('')}  (best of ${floors.map((f) => fmt(f.ms)).join(', ')})`,
    );
    const cpuLine = (what: string, key: keyof PhaseCpu) =>
      console.log(
        `  ${`CPU, lws-fleet / floor: ${what}`.padEnd(44)}${pad(`${fmt(fastest.cpu[key])} / ${fmt(floor.cpu[key])}`, 20)}`,
      );
    cpuLine('this process', 'processMs');
    if (SIM_MODE !== 'inline') cpuLine("  of which the simulator's thread", 'simMs');
    cpuLine('Postgres and Redis', 'servicesMs');
    cpuLine('  of which Redis', 'redisMs');
    cpuLine('the whole machine', 'machineMs');
    console.log(
      `  ${'time ratio'.padEnd(44)}${pad(ratio.toFixed(2))}${pad(`≤ ${TARGET_TIME_RATIO}`)}`,
    );
    console.log(
      `  ${"  (reference: floor through lws-fleet's connection)".padEnd(44)}${pad(fmt(leanFloor.ms))}${pad('')}  ratio ${(fastest.ms / leanFloor.ms).toFixed(2)}, CPU ${fmt(leanFloor.cpu.processMs)} (process) / ${fmt(leanFloor.cpu.machineMs)} (machine)`,
    );
    console.log(
      `  ${`API writes / object created (${fleet.writes} / ${fleet.objects})`.padEnd(44)}${pad(perObject.toFixed(3))}${pad(`≤ ${TARGET_WRITES_PER_OBJECT}`)}`,
    );
    console.log(
      `  ${`idle ${IDLE_SECONDS} s (resync ${RESYNC_MS / 1000} s): API writes`.padEnd(44)}${pad(String(fleet.idleWrites))}${pad('0')}`,
    );
    console.log(
      `  ${`idle ${IDLE_SECONDS} s: events appended`.padEnd(44)}${pad(String(fleet.idleEvents))}${pad('0')}`,
    );
    console.log('');
    console.log(`  writes by resource: ${JSON.stringify(fleet.writesByResource)}`);
    console.log(`  events while converging: ${JSON.stringify(fleet.eventsByType)}`);
    if (fleet.idleEvents) console.log(`  idle events: ${JSON.stringify(fleet.idleEventsByType)}`);
    if (floor.objects !== fleet.objects)
      console.log(`  note: floor created ${floor.objects} objects, lws-fleet ${fleet.objects}`);
    const ok =
      ratio <= TARGET_TIME_RATIO &&
      perObject <= TARGET_WRITES_PER_OBJECT &&
      fleet.idleWrites === 0 &&
      fleet.idleEvents === 0;
    console.log(`  ${ok ? 'all targets met' : 'TARGETS MISSED'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else if ((workerData as { simThread?: boolean })?.simThread) {
  void simThread();
}
