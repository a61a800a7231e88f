/**
 * A rolling update of 100 groups × 4 pods (maxSurge 10, maxUnavailable 0) through lws-fleet, with
 * a simulated pod start time of 200 ms, against the ideal: ⌈100 / 10⌉ waves × 200 ms.
 *
 *   npm run bench:rollout        BENCH_GROUPS=100 BENCH_SURGE=10 BENCH_START_MS=200 BENCH_STOP_MS=10 npm run bench:rollout
 *
 * The simulated cluster runs on a thread of its own (as a real API server runs apart from the
 * control plane; BENCH_SIM=inline puts it on the bench's thread); the API and the fleet worker run
 * as `npm start` runs them, on real Postgres and Redis. The kubelet starts pods after
 * BENCH_START_MS and readies them at once. The LWS is created and left to become Available; then
 * its template changes and the clock runs until every group is on the new revision and Ready and
 * the surge groups are gone (checked in the simulator's store). In the same run the simulator side
 * measures each new pod's creation → Ready time, the bursts of pod creations (pauses over half a
 * start time between them; a pipelined rollout shows few), and the fewest ready
 * groups (sampled every 50 ms). With maxUnavailable 0 no old group may go before the surge groups
 * are Ready, so 110 group starts need at least ⌈100 / 10⌉ + 1 = 11 start times: 1.1 of the ideal.
 *
 * Then, with lws-fleet's worker stopped, the floor (rollout-floor.ts): the same rollout by an
 * in-memory controller on the same simulated cluster and client, best of two. It shows what the
 * simulated cluster itself costs (termination, BENCH_STOP_MS; API and watch latency; workers created
 * after their leader), and lws-fleet's ratio against it is the control plane's own share.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { KubeSim } from '../libs/kube-sim/src';
import { PROFILES } from '../libs/kube-sim/src/controllers';
import { EventStore } from '../libs/events/src';
import { isRunningAndReady, isTerminating } from '../libs/planner/src';
import { readModelProjections } from '../apps/api/src/app.module';
import { createLogger } from '../apps/api/src/logger';
import { FleetWorker } from '../apps/worker/src/fleet-worker';
import { APPLY, REGISTER, codes, startApi } from '../test/support/api-harness';
import { floorRollout } from './rollout-floor';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 100);
const SIZE = 4;
const SURGE = Number(process.env.BENCH_SURGE ?? 10);
const START_MS = Number(process.env.BENCH_START_MS ?? 200);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 300_000);
const SIM_MODE = process.env.BENCH_SIM === 'inline' ? 'inline' : 'thread';
const TARGET_RATIO = 1.3;
const NAME = 'bench-rollout';
const REVISION_LABEL = 'leaderworkerset.sigs.k8s.io/template-revision-hash';
const GROUP_LABEL = 'leaderworkerset.sigs.k8s.io/group-index';
const FLOOR_NAMESPACE = 'bench-floor';

/** The simulated time from a pod's deletion to its containers' end (the `fast` profile's: 10 ms). */
const STOP_MS = Number(process.env.BENCH_STOP_MS ?? PROFILES.fast.podStopDelayMs ?? 0);
const PROFILE = {
  ...PROFILES.fast,
  podStartDelayMs: START_MS,
  podReadyDelayMs: 0,
  podStopDelayMs: STOP_MS,
};

function manifest(image: string): string {
  return `apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata:
  name: ${NAME}
spec:
  replicas: ${GROUPS}
  rolloutStrategy:
    type: RollingUpdate
    rollingUpdateConfiguration:
      maxSurge: ${SURGE}
      maxUnavailable: 0
  leaderWorkerTemplate:
    size: ${SIZE}
    workerTemplate:
      spec:
        containers:
        - name: server
          image: ${image}
          resources:
            requests:
              cpu: "10m"
              memory: "16Mi"
`;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const isReady = (p: any) => !isTerminating(p) && isRunningAndReady(p);

interface RolloutStats {
  started: number;
  meanStartMs: number;
  waves: number;
  minReady: number;
  /** From the update's apply (as the simulator saw it) to the first pod of the new revision. */
  firstCreateMs: number;
  /** From the last replaced group Ready to the last pod deletion (the surge groups gone). */
  tailMs: number;
  /** Medians over the replaced groups, in ms, of each stage of a replacement. */
  stages: {
    readyToDelete: number;
    deleteToGone: number;
    goneToCreate: number;
    createToReady: number;
  };
}

/** When each stage of one group's replacement happened (performance.now() on the simulator side). */
interface GroupTimes {
  deleteAt?: number;
  goneAt?: number;
  createAt?: number;
  readyAt?: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

/** The simulator side: the cluster, and what the bench reads from its store. */
class SimSide {
  private created = new Map<string, number>();
  private startTimes: number[] = [];
  private creationTimes: number[] = [];
  private minReady = Infinity;
  private hash = '';
  private readonly groups = new Map<number, GroupTimes>();
  private trackedAt = 0;
  /** The last DELETED pod event (the surge groups' removal ends the rollout). */
  private lastDeleteAt = 0;
  /** When each new-revision group became wholly Ready, in order. */
  private readonly groupReadyTimes: number[] = [];
  private sampler?: NodeJS.Timeout;

  /** The LWS's pods, kept from the store's events: reading them costs the simulator nothing. */
  private readonly live = new Map<string, any>();
  /** The same pods by group index: the per-event work stays per group, off the simulator's back. */
  private readonly byGroup = new Map<number, Map<string, any>>();

  constructor(readonly sim: KubeSim) {
    sim.cluster('east').store.subscribe((event: any) => {
      if (event.resource !== 'pods') return;
      const p = event.object;
      if (p.metadata?.labels?.['leaderworkerset.sigs.k8s.io/name'] !== NAME) return;
      if (p.metadata.namespace === FLOOR_NAMESPACE) return; // the floor's copies
      const index = Number(p.metadata.labels[GROUP_LABEL]);
      let group = this.byGroup.get(index);
      if (!group) this.byGroup.set(index, (group = new Map()));
      if (event.type === 'DELETED') {
        this.live.delete(p.metadata.uid);
        group.delete(p.metadata.uid);
      } else {
        this.live.set(p.metadata.uid, p);
        group.set(p.metadata.uid, p);
      }
      if (!this.hash) return;
      const now = performance.now();
      if (event.type === 'DELETED') this.lastDeleteAt = now;
      this.stage(event.type, p, now);
      if (event.type === 'ADDED' && p.metadata?.labels?.[REVISION_LABEL] === this.hash) {
        this.created.set(p.metadata.uid, now);
        this.creationTimes.push(now);
      } else if (this.created.has(p.metadata?.uid) && isReady(p)) {
        this.startTimes.push(now - this.created.get(p.metadata.uid)!);
        this.created.delete(p.metadata.uid);
      }
    });
  }

  /** Records the stages of group replacements: old pods deleted and gone, new ones created and Ready. */
  private stage(type: string, p: any, now: number): void {
    const index = Number(p.metadata.labels[GROUP_LABEL]);
    const times = this.groups.get(index) ?? {};
    this.groups.set(index, times);
    const current = p.metadata.labels[REVISION_LABEL] === this.hash;
    const members = [...(this.byGroup.get(index)?.values() ?? [])];
    if (!current) {
      if (times.deleteAt === undefined && (type === 'DELETED' || p.metadata.deletionTimestamp))
        times.deleteAt = now;
      if (
        type === 'DELETED' &&
        !members.some((q) => q.metadata.labels[REVISION_LABEL] !== this.hash)
      )
        times.goneAt = now;
      return;
    }
    if (type === 'ADDED' && times.createAt === undefined) times.createAt = now;
    if (
      times.readyAt === undefined &&
      members.filter((q) => q.metadata.labels[REVISION_LABEL] === this.hash && isReady(q))
        .length === SIZE
    ) {
      times.readyAt = now;
      this.groupReadyTimes.push(now);
    }
  }

  /** The leader and first worker of group 0 at `hash`, as bodies to create again (the floor's). */
  templates(hash: string): { leader: any; worker: any } {
    const group0 = this.pods().filter(
      (p) => p.metadata.labels[GROUP_LABEL] === '0' && p.metadata.labels[REVISION_LABEL] === hash,
    );
    const byWorker = (w: string) =>
      group0.find((p) => p.metadata.labels['leaderworkerset.sigs.k8s.io/worker-index'] === w);
    return { leader: byWorker('0'), worker: byWorker('1') };
  }

  private pods(): any[] {
    return [...this.live.values()];
  }

  /** Every group 0 … GROUPS-1 on `hash`, all pods Ready, and nothing else. */
  converged(hash: string): boolean {
    const all = this.pods();
    return (
      all.length === GROUPS * SIZE &&
      all.every(
        (p) =>
          isReady(p) &&
          p.metadata.labels[REVISION_LABEL] === hash &&
          Number(p.metadata.labels[GROUP_LABEL]) < GROUPS,
      )
    );
  }

  private readyGroups(): number {
    const byGroup = new Map<string, any[]>();
    for (const p of this.pods()) {
      const g = p.metadata.labels[GROUP_LABEL];
      byGroup.set(g, [...(byGroup.get(g) ?? []), p]);
    }
    let n = 0;
    for (const list of byGroup.values()) if (list.length === SIZE && list.every(isReady)) n++;
    return n;
  }

  track(hash: string): boolean {
    this.hash = hash;
    this.trackedAt = performance.now();
    this.sampler = setInterval(
      () => (this.minReady = Math.min(this.minReady, this.readyGroups())),
      50,
    );
    return true;
  }

  stats(): RolloutStats {
    clearInterval(this.sampler);
    const times = [...this.creationTimes].sort((a, b) => a - b);
    let waves = times.length ? 1 : 0;
    for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] > START_MS / 2) waves++;
    const replaced = [...this.groups.entries()].filter(
      ([index, t]) => index < GROUPS && t.deleteAt !== undefined && t.readyAt !== undefined,
    );
    const lastReadyBefore = (at: number) =>
      Math.max(...this.groupReadyTimes.filter((r) => r <= at), -Infinity);
    const stages = {
      readyToDelete: median(replaced.map(([, t]) => t.deleteAt! - lastReadyBefore(t.deleteAt!))),
      deleteToGone: median(replaced.map(([, t]) => t.goneAt! - t.deleteAt!)),
      goneToCreate: median(replaced.map(([, t]) => t.createAt! - t.goneAt!)),
      createToReady: median(replaced.map(([, t]) => t.readyAt! - t.createAt!)),
    };
    const firstCreate = Math.min(...[...this.groups.values()].map((t) => t.createAt ?? Infinity));
    const lastReady = Math.max(...replaced.map(([, t]) => t.readyAt!), -Infinity);
    return {
      firstCreateMs: firstCreate - this.trackedAt,
      tailMs: this.lastDeleteAt - lastReady,
      stages,
      started: this.startTimes.length,
      meanStartMs: this.startTimes.reduce((a, b) => a + b, 0) / Math.max(1, this.startTimes.length),
      waves,
      minReady: this.minReady,
    };
  }
}

type Call =
  | { op: 'converged'; hash: string }
  | { op: 'track'; hash: string }
  | { op: 'stats' }
  | { op: 'templates'; hash: string }
  | { op: 'busy' }
  | { op: 'stop' };

function handle(side: SimSide, call: Call): unknown {
  switch (call.op) {
    case 'converged':
      return side.converged(call.hash);
    case 'track':
      return side.track(call.hash);
    case 'stats':
      return side.stats();
    case 'templates':
      return side.templates(call.hash);
    case 'busy':
      // How long this thread's event loop has been busy (ms): about its CPU time.
      return performance.eventLoopUtilization().active;
    case 'stop':
      return undefined;
  }
}

interface SimHandle {
  kubeconfigPath: string;
  call<T>(call: Call): Promise<T>;
  stop(): Promise<void>;
}

async function startSim(kubeconfigDir: string): Promise<SimHandle> {
  if (SIM_MODE === 'inline') {
    const sim = await KubeSim.start({ clusters: ['east'], profile: PROFILE, kubeconfigDir });
    const side = new SimSide(sim);
    return {
      kubeconfigPath: sim.cluster('east').kubeconfigPath,
      call: async <T>(call: Call) => handle(side, call) as T,
      stop: () => sim.stop(),
    };
  }
  const thread = new Worker(__filename, { workerData: { kubeconfigDir } });
  const replies = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  const kubeconfigPath = await new Promise<string>((resolve, reject) => {
    thread.once('error', reject);
    thread.on('message', (m: { id?: number; result?: unknown; kubeconfigPath?: string }) => {
      if (m.kubeconfigPath) resolve(m.kubeconfigPath);
      else replies.get(m.id!)?.(m.result);
    });
  });
  const call = <T>(c: Call) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      replies.set(id, (value) => {
        replies.delete(id);
        resolve(value as T);
      });
      thread.postMessage({ id, call: c });
    });
  return {
    kubeconfigPath,
    call,
    async stop() {
      await call({ op: 'stop' });
      await thread.terminate();
    },
  };
}

async function simThread(): Promise<void> {
  const { kubeconfigDir } = workerData as { kubeconfigDir: string };
  const sim = await KubeSim.start({ clusters: ['east'], profile: PROFILE, kubeconfigDir });
  const side = new SimSide(sim);
  parentPort!.on('message', async ({ id, call }: { id: number; call: Call }) => {
    if (call.op === 'stop') await sim.stop();
    parentPort!.postMessage({ id, result: handle(side, call) });
  });
  parentPort!.postMessage({ kubeconfigPath: sim.cluster('east').kubeconfigPath });
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lws-bench-rollout-'));
  const sim = await startSim(dir);
  const api = await startApi('bench_rollout');
  const worker = new FleetWorker({
    db: api.server.dataSource,
    store: new EventStore(api.server.dataSource, { projections: readModelProjections }),
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    secretBox: api.secretBox,
    logger: createLogger(process.env.LOG_LEVEL ?? 'silent'),
    prefix: `lws-bench-rollout-${randomBytes(4).toString('hex')}`,
  });
  try {
    const res = await api.gql(REGISTER, {
      input: { name: 'east', kubeconfig: readFileSync(sim.kubeconfigPath, 'utf8') },
    });
    if (codes(res).length) throw new Error(JSON.stringify(res.errors));
    await worker.start();
    await until('the worker runs east', () => worker.ownedClusters().length === 1);
    const apply = async (text: string): Promise<string> => {
      const r = await api.gql(APPLY, { input: { manifest: text, cluster: 'east' } });
      if (codes(r).length) throw new Error(JSON.stringify(r.errors));
      return r.data!.applyLeaderWorkerSet.templateHash;
    };
    const h1 = await apply(manifest('registry.example/llm-serving:1.0'));
    await until('revision 1 Ready', () => sim.call<boolean>({ op: 'converged', hash: h1 }));
    // Let the status settle (Available) before the update.
    await new Promise((r) => setTimeout(r, 1000));

    const next = manifest('registry.example/llm-serving:2.0');
    const cpuFrom = process.cpuUsage();
    const simBusyFrom = await sim.call<number>({ op: 'busy' });
    const start = performance.now();
    // No pod of revision 2 can exist before the apply returns (no reconcile has seen it yet).
    const h2 = await apply(next);
    await sim.call({ op: 'track', hash: h2 });
    await until('revision 2 everywhere', () => sim.call<boolean>({ op: 'converged', hash: h2 }));
    const wall = performance.now() - start;
    const cpu = process.cpuUsage(cpuFrom);
    const simBusy = (await sim.call<number>({ op: 'busy' })) - simBusyFrom;
    const stats = await sim.call<RolloutStats>({ op: 'stats' });

    // The rollout history is recorded by the reconciles that see the end (after the clock stopped).
    let rollout: any;
    const historyDeadline = Date.now() + 15_000;
    while (Date.now() < historyDeadline) {
      const l = await api.gql(
        `query { leaderWorkerSet(name: "${NAME}") { rollouts { state steps { kind timeToReadyMs } } } }`,
      );
      if (l.errors) throw new Error(JSON.stringify(l.errors));
      rollout = l.data?.leaderWorkerSet?.rollouts?.at(-1);
      if (rollout?.state === 'Complete') break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // The floor: the same rollout by a controller with no database, queue or audit trail (see
    // rollout-floor.ts), on the same simulated cluster, with lws-fleet's worker stopped. Best of two.
    const templates = await sim.call<{ leader: any; worker: any }>({ op: 'templates', hash: h2 });
    if (!templates.leader || !templates.worker) throw new Error('no pods of group 0 to copy');
    await worker.stop();
    const floorOptions = {
      kubeconfig: readFileSync(sim.kubeconfigPath, 'utf8'),
      namespace: FLOOR_NAMESPACE,
      groups: GROUPS,
      size: SIZE,
      surge: SURGE,
      leader: templates.leader,
      worker: templates.worker,
      lwsName: NAME,
    };
    const floors: number[] = [];
    for (let run = 0; run < 2; run++)
      floors.push(await floorRollout(floorOptions, `floor-a${run}`, `floor-b${run}`));
    const floor = Math.min(...floors);

    const idealWaves = Math.ceil(GROUPS / SURGE);
    const ideal = idealWaves * START_MS;
    const ratio = wall / ideal;
    console.log(
      `rollout of ${GROUPS} groups × ${SIZE} pods, maxSurge ${SURGE}, maxUnavailable 0, pod start ${START_MS} ms, pod stop ${STOP_MS} ms, simulator on ${SIM_MODE === 'inline' ? "the bench's thread" : 'a thread of its own'}`,
    );
    console.log(`  wall time              ${fmt(wall)}`);
    console.log(`  ideal                  ${fmt(ideal)} (${idealWaves} waves × ${START_MS} ms)`);
    console.log(`  ratio                  ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO})`);
    console.log(
      `  floor                  ${fmt(floor)}, ratio ${(floor / ideal).toFixed(2)}: the same rollout by an in-memory controller (no database, queue or audit trail) through the same client and simulated cluster; best of ${floors.map(fmt).join(', ')}`,
    );
    console.log(`  against the floor      ${(wall / floor).toFixed(2)}`);
    console.log(
      `  measured in this run   ${stats.started} new pods, creation → Ready mean ${stats.meanStartMs.toFixed(0)} ms; ${stats.waves} bursts of creations; against (⌈groups ÷ surge⌉ + 1) × measured start, the fewest possible: ${(wall / ((Math.ceil(GROUPS / SURGE) + 1) * stats.meanStartMs)).toFixed(2)}`,
    );
    const st = stats.stages;
    console.log(
      `  a group's replacement  medians: a group Ready → next old group deleted ${st.readyToDelete.toFixed(0)} ms → its pods gone ${st.deleteToGone.toFixed(0)} ms → new pods created ${st.goneToCreate.toFixed(0)} ms → Ready ${st.createToReady.toFixed(0)} ms`,
    );
    console.log(
      `  start and end          update applied → first new pod ${stats.firstCreateMs.toFixed(0)} ms; last group Ready → surge groups gone ${stats.tailMs.toFixed(0)} ms`,
    );
    console.log(`  fewest ready groups    ${stats.minReady} of ${GROUPS} (sampled every 50 ms)`);
    console.log(
      `  rollout history        ${rollout?.state ?? '?'}, ${rollout?.steps?.filter((s: any) => s.kind === 'GroupReplaced').length ?? 0} groups replaced`,
    );
    console.log(
      SIM_MODE === 'inline'
        ? `  CPU                    ${fmt((cpu.user + cpu.system) / 1000)} (API, worker and simulator)`
        : `  CPU                    ${fmt((cpu.user + cpu.system) / 1000 - simBusy)} API and worker (this process ${fmt((cpu.user + cpu.system) / 1000)} less the simulator's thread ${fmt(simBusy)})`,
    );
    console.log(
      `  machine                ${cpus().length} CPUs, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} (1, 5, 15 min)`,
    );
    console.log(
      `RESULT ratio=${ratio.toFixed(2)} target=${TARGET_RATIO} ${ratio <= TARGET_RATIO ? 'PASS' : 'MISS'}`,
    );
  } finally {
    await worker.stop().catch(() => undefined);
    await api.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  void simThread();
}
