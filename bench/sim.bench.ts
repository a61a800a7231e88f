/**
 * Pod create throughput over HTTP from @kubernetes/client-node (CoreV1Api.createNamespacedPod,
 * fixed concurrency) against kube-sim, compared in the same run with a bare node:http server that
 * answers the same requests (parse the body, add metadata, answer 201): the floor of the HTTP stack.
 *
 *   npm run bench:sim            BENCH_PODS=4000 BENCH_CONCURRENCY=32 npm run bench:sim
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as k8s from '@kubernetes/client-node';

import { KubeSim } from '../libs/kube-sim/src/sim';

const PODS = Number(process.env.BENCH_PODS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const WARMUP = Math.min(300, Math.floor(PODS / 10));
const FLEET_CLUSTERS = Number(process.env.BENCH_FLEET_CLUSTERS ?? 10);
const FLEET_PODS = Number(process.env.BENCH_FLEET_PODS ?? 2000);

function podBody(name: string): k8s.V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench', 'leaderworkerset.sigs.k8s.io/name': 'bench' } },
    spec: {
      containers: [
        {
          name: 'worker',
          image: 'registry.example/llm-serving:1.0',
          env: [{ name: 'LWS_LEADER_ADDRESS', value: 'bench-0.bench.default' }],
          resources: {
            requests: { cpu: '100m', memory: '64Mi' },
            limits: { cpu: '100m', memory: '64Mi' },
          },
        },
      ],
    },
  };
}

function client(server: string): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'bench', server, skipTLSVerify: true },
    { name: 'bench', token: 'x' },
  );
  return kc.makeApiClient(k8s.CoreV1Api);
}

async function run(core: k8s.CoreV1Api, prefix: string, count: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await core.createNamespacedPod({ namespace: 'default', body: podBody(`${prefix}-${i}`) });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return count / ((performance.now() - start) / 1000);
}

/** The same creates from a lean keep-alive node:http client, so the server's own cost shows. */
async function runRaw(server: string, prefix: string, count: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const url = new URL('/api/v1/namespaces/default/pods', server);
  const post = (name: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(podBody(name));
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 201 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await post(`${prefix}-${i}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const rate = count / ((performance.now() - start) / 1000);
  agent.destroy();
  return rate;
}

/** The floor: node:http answering a create with what an apiserver minimally adds. */
function bareServer(): Promise<{ server: Server; url: string }> {
  let rv = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const pod = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      pod.metadata.namespace = 'default';
      pod.metadata.uid = randomUUID();
      pod.metadata.resourceVersion = String(++rv);
      pod.metadata.creationTimestamp = new Date().toISOString();
      pod.status = { phase: 'Pending' };
      const body = JSON.stringify(pod);
      res.writeHead(201, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${addr.port}` });
    }),
  );
}

/**
 * The fleet at scale: N clusters × M pods in one process, with a client-node informer per cluster
 * watching its pods from before they exist until every one is Running in the informer's cache.
 */
async function fleetScale(dir: string): Promise<void> {
  const names = Array.from({ length: FLEET_CLUSTERS }, (_, i) => `fleet-${i}`);
  const sim = await KubeSim.start({
    clusters: names,
    profile: 'fast',
    kubeconfigDir: join(dir, 'fleet'),
  });
  const informers: Array<k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>> = [];
  let events = 0;
  try {
    for (const c of sim.clusters) {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(c.kubeconfigPath);
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () =>
        core.listNamespacedPod({ namespace: 'default' }),
      );
      informer.on('add', () => events++);
      informer.on('update', () => events++);
      await informer.start();
      informers.push(informer);
    }
    const start = performance.now();
    for (const c of sim.clusters) {
      for (let i = 0; i < FLEET_PODS; i++) {
        c.store.create('pods', {
          ...podBody(`p-${i}`),
          metadata: { name: `p-${i}`, namespace: 'default', labels: { app: 'fleet' } },
        } as never);
      }
    }
    const created = performance.now() - start;
    const runningInCaches = (): number =>
      informers.reduce(
        (n, inf) => n + inf.list('default').filter((p) => p.status?.phase === 'Running').length,
        0,
      );
    const total = FLEET_CLUSTERS * FLEET_PODS;
    const deadline = Date.now() + 180_000;
    while (runningInCaches() < total && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const converged = performance.now() - start;
    const mem = process.memoryUsage();
    const seen = runningInCaches();
    console.log(
      `fleet scale: ${FLEET_CLUSTERS} clusters × ${FLEET_PODS} pods, one client-node informer per cluster`,
    );
    console.log(
      `  ${total} pods created in ${created.toFixed(0)} ms; ${seen}/${total} Running in the informers' caches after ${(converged / 1000).toFixed(1)} s`,
    );
    console.log(
      `  ${events} watch events delivered; rss ${(mem.rss / 1e6).toFixed(0)} MB, heap ${(mem.heapUsed / 1e6).toFixed(0)} MB`,
    );
    if (seen < total) process.exitCode = 1;
  } finally {
    for (const inf of informers) {
      inf.on('error', () => undefined);
      await inf.stop();
    }
    await sim.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-bench-'));
  const bare = await bareServer();
  const sim = await KubeSim.start({ clusters: ['bench'], controllers: false, kubeconfigDir: dir });
  const simWithControllers = await KubeSim.start({
    clusters: ['bench-controllers'],
    profile: 'fast',
    kubeconfigDir: join(dir, 'c'),
    events: false,
  });
  try {
    const bareClient = client(bare.url);
    const simClient = client(sim.clusters[0].url);
    const ctlClient = client(simWithControllers.clusters[0].url);
    await run(bareClient, 'warm', WARMUP);
    await run(simClient, 'warm', WARMUP);
    await run(ctlClient, 'warm', WARMUP);
    // Interleave two rounds so machine noise hits both sides alike; keep the best of each.
    let floor = 0;
    let api = 0;
    let withControllers = 0;
    for (let round = 0; round < 2; round++) {
      floor = Math.max(floor, await run(bareClient, `r${round}`, PODS));
      api = Math.max(api, await run(simClient, `r${round}`, PODS));
      withControllers = Math.max(withControllers, await run(ctlClient, `r${round}`, PODS));
    }
    let rawFloor = 0;
    let rawApi = 0;
    for (let round = 0; round < 2; round++) {
      rawFloor = Math.max(rawFloor, await runRaw(bare.url, `raw${round}`, PODS));
      rawApi = Math.max(rawApi, await runRaw(sim.clusters[0].url, `raw${round}`, PODS));
    }
    const ratio = api / floor;
    console.log(
      `kube-sim pod create throughput (client-node CoreV1Api.createNamespacedPod, ${PODS} pods, concurrency ${CONCURRENCY})`,
    );
    console.log(`  bare node:http floor           ${floor.toFixed(0).padStart(6)} pods/s`);
    console.log(
      `  kube-sim API (no controllers)  ${api.toFixed(0).padStart(6)} pods/s   ratio ${ratio.toFixed(2)} (target >= 0.30)`,
    );
    console.log(
      `  kube-sim + controllers (fast)  ${withControllers.toFixed(0).padStart(6)} pods/s   ratio ${(withControllers / floor).toFixed(2)}  (${simWithControllers.clusters[0].store.count('pods')} pods held)`,
    );
    console.log(`same creates from a lean keep-alive node:http client (the server's own cost):`);
    console.log(`  bare node:http floor           ${rawFloor.toFixed(0).padStart(6)} pods/s`);
    console.log(
      `  kube-sim API (no controllers)  ${rawApi.toFixed(0).padStart(6)} pods/s   ratio ${(rawApi / rawFloor).toFixed(2)}`,
    );
    if (ratio < 0.3) process.exitCode = 1;
  } finally {
    await sim.stop();
    await simWithControllers.stop();
    await new Promise((r) => bare.server.close(r));
  }
  try {
    if (process.env.BENCH_FLEET !== '0') await fleetScale(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
