/**
 * A rolling update of 100 groups × 4 pods (maxSurge 10, maxUnavailable 0) through lws-fleet, with
 * a simulated pod start time of 200 ms, against the ideal: ⌈100 / 10⌉ waves × 200 ms.
 *
 *   npm run bench:rollout        BENCH_GROUPS=100 BENCH_SURGE=10 BENCH_START_MS=200 npm run bench:rollout
 *
 * API + fleet worker + one simulated cluster (kubelet: start after BENCH_START_MS, Ready at once)
 * on real Postgres and Redis. The LWS is created and left to become Available; then its template
 * changes and the clock runs until every group is on the new revision and Ready and the surge
 * groups are gone (read from the simulator's store, on every pod change). In the same run it
 * measures each new pod's creation → Ready time (the simulated start time as lws-fleet sees it),
 * the number of waves of pod creations, and the fewest ready groups seen during the rollout (sampled).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROFILES } from '../libs/kube-sim/src/controllers';
import { APPLY, codes } from '../test/support/api-harness';
import { startFleet, type FleetHarness } from '../test/support/fleet-harness';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 100);
const SIZE = 4;
const SURGE = Number(process.env.BENCH_SURGE ?? 10);
const START_MS = Number(process.env.BENCH_START_MS ?? 200);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 300_000);
const TARGET_RATIO = 1.3;
const NAME = 'bench-rollout';
const REVISION_LABEL = 'leaderworkerset.sigs.k8s.io/template-revision-hash';
const GROUP_LABEL = 'leaderworkerset.sigs.k8s.io/group-index';

const PROFILE = { ...PROFILES.fast, podStartDelayMs: START_MS, podReadyDelayMs: 0 };

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

const isReady = (p: any) =>
  !p.metadata?.deletionTimestamp &&
  p.status?.phase === 'Running' &&
  (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

function pods(fleet: FleetHarness): any[] {
  return fleet.sim.cluster('east').store.list('pods', {
    namespace: 'default',
    labelSelector: `leaderworkerset.sigs.k8s.io/name=${NAME}`,
  }).items;
}

/** Every group index in 0 … GROUPS-1 on `hash` with all its pods Ready, and nothing else. */
function converged(fleet: FleetHarness, hash: string): boolean {
  const all = pods(fleet);
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

function readyGroups(fleet: FleetHarness): number {
  const byGroup = new Map<string, any[]>();
  for (const p of pods(fleet)) {
    const g = p.metadata.labels[GROUP_LABEL];
    byGroup.set(g, [...(byGroup.get(g) ?? []), p]);
  }
  let n = 0;
  for (const list of byGroup.values()) if (list.length === SIZE && list.every(isReady)) n++;
  return n;
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function apply(fleet: FleetHarness, text: string): Promise<string> {
  const res = await fleet.api.gql(APPLY, { input: { manifest: text, cluster: 'east' } });
  if (codes(res).length) throw new Error(JSON.stringify(res.errors));
  return res.data!.applyLeaderWorkerSet.templateHash;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lws-bench-rollout-'));
  const fleet = await startFleet('bench_rollout', {
    clusters: ['east'],
    profile: PROFILE,
    kubeconfigDir: dir,
  });
  try {
    await until('the worker runs east', () => fleet.worker.ownedClusters().length === 1);
    const h1 = await apply(fleet, manifest('registry.example/llm-serving:1.0'));
    await until('revision 1 Ready', () => converged(fleet, h1));
    // Let the status settle (Available) before the update.
    await new Promise((r) => setTimeout(r, 500));

    const created = new Map<string, number>();
    const startTimes: number[] = [];
    const creationTimes: number[] = [];
    let minReady = Infinity;
    let h2 = '';
    const unsubscribe = fleet.sim.cluster('east').store.subscribe((event: any) => {
      if (event.resource !== 'pods') return;
      const p = event.object;
      const key = p.metadata?.uid;
      const now = performance.now();
      if (event.type === 'ADDED' && p.metadata?.labels?.[REVISION_LABEL] === h2) {
        created.set(key, now);
        creationTimes.push(now);
      } else if (created.has(key) && isReady(p)) {
        startTimes.push(now - created.get(key)!);
        created.delete(key);
      }
    });
    // Sampled, not on every pod change: the bench shares the process with the API, worker and simulator.
    const sampler = setInterval(() => (minReady = Math.min(minReady, readyGroups(fleet))), 50);

    const cpuFrom = process.cpuUsage();
    const start = performance.now();
    const next = manifest('registry.example/llm-serving:2.0');
    // The hash is known once the apply returns; pods created before that cannot exist (no reconcile yet).
    h2 = await apply(fleet, next);
    await until('revision 2 everywhere', () => converged(fleet, h2));
    const wall = performance.now() - start;
    const cpu = process.cpuUsage(cpuFrom);
    unsubscribe();
    clearInterval(sampler);

    // Waves: bursts of creations separated by more than half a start time.
    creationTimes.sort((a, b) => a - b);
    let waves = creationTimes.length ? 1 : 0;
    for (let i = 1; i < creationTimes.length; i++)
      if (creationTimes[i] - creationTimes[i - 1] > START_MS / 2) waves++;
    const meanStart = startTimes.reduce((a, b) => a + b, 0) / Math.max(1, startTimes.length);
    const idealWaves = Math.ceil(GROUPS / SURGE);
    const ideal = idealWaves * START_MS;
    const ratio = wall / ideal;
    // The rollout history is recorded by the reconciles that see the end (after the clock stopped).
    let rollout: any;
    const historyDeadline = Date.now() + 15_000;
    while (Date.now() < historyDeadline) {
      const l = await fleet.api.gql(
        `query { leaderWorkerSet(name: "${NAME}") { rollouts { state steps { kind timeToReadyMs } } } }`,
      );
      if (l.errors) throw new Error(JSON.stringify(l.errors));
      rollout = l.data?.leaderWorkerSet?.rollouts?.at(-1);
      if (rollout?.state === 'Complete') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(
      `rollout of ${GROUPS} groups × ${SIZE} pods, maxSurge ${SURGE}, maxUnavailable 0, pod start ${START_MS} ms`,
    );
    console.log(`  wall time              ${fmt(wall)}`);
    console.log(`  ideal                  ${fmt(ideal)} (${idealWaves} waves × ${START_MS} ms)`);
    console.log(`  ratio                  ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO})`);
    console.log(
      `  measured in this run   ${startTimes.length} new pods, creation → Ready mean ${meanStart.toFixed(0)} ms; ${waves} waves of creations (ratio against waves × measured start: ${(wall / (waves * meanStart)).toFixed(2)})`,
    );
    console.log(`  fewest ready groups    ${minReady} of ${GROUPS}`);
    console.log(
      `  rollout history        ${rollout?.state ?? '?'}, ${rollout?.steps?.filter((s: any) => s.kind === 'GroupReplaced').length ?? 0} groups replaced`,
    );
    console.log(
      `  process CPU            ${fmt((cpu.user + cpu.system) / 1000)} (API, worker and simulator share it)`,
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
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
