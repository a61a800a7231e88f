import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import {
  apply,
  expectedPodNames,
  managedObjects,
  podNames,
  podsOf,
  waitAvailable,
  waitPods,
} from '../support/lws-e2e';

const manifest = `
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata:
  name: big
spec:
  replicas: 16
  leaderWorkerTemplate:
    size: 4
    workerTemplate:
      spec:
        containers:
        - name: server
          image: nginxinc/nginx-unprivileged:1.27
          resources:
            requests:
              cpu: "100m"
`;

/** A fleet worker in a process of its own, resolved once it runs `cluster`. */
async function spawnWorker(fleet: FleetHarness, cluster: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'support', 'worker-process.js')], {
    env: {
      ...process.env,
      DATABASE_URL: fleet.api.db.url,
      LWS_ENCRYPTION_KEY: fleet.api.encryptionKey,
      LWS_TEST_REDIS_PREFIX: fleet.redisPrefix,
      LWS_TEST_LEASE_MS: '3000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`owns ${cluster}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
  return child;
}

describe('crash safety', () => {
  let fleet: FleetHarness;
  let child: ChildProcess | undefined;
  before(async () => {
    fleet = await startFleet('fleet_crash');
  });
  after(async () => {
    child?.kill('SIGKILL');
    await fleet?.close();
  });

  test('a worker process killed while creating a large LWS leaves nothing a new worker cannot finish', async () => {
    const east = fleet.sim.cluster('east');
    // The worker that will crash runs in its own process; the in-process one steps aside.
    await fleet.worker.stop();
    child = await spawnWorker(fleet, 'east');

    // 16 groups × 4 pods, every pod create slowed down: the kill lands in the middle of creating it.
    const slow = east.injectLatency({
      verbs: ['create'],
      resources: ['pods'],
      latencyMs: 150,
      jitterMs: 300,
    });
    const lws = await apply(fleet, manifest, 'east');
    await eventually(
      () => podsOf(east, 'big').length >= 16,
      'a quarter of the pods created',
      30_000,
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = undefined;
    const atCrash = podsOf(east, 'big').length;
    assert.ok(atCrash < 64, `the crash interrupted the creation (${atCrash} of 64 pods)`);

    const started = Date.now();
    await fleet.startWorker();
    const expected = expectedPodNames('big', 16, 4);
    const pods = await waitPods(east, 'big', expected, 'default', 30_000);
    east.removeFault(slow);
    const took = Date.now() - started;
    assert.deepEqual(podNames(pods), expected, 'no duplicate, no missing pod');

    // Every worker belongs to the leader that exists now (no stray pod of an older group).
    const leaders = new Map(
      pods.filter((p) => !/-\d+-\d+$/.test(p.metadata!.name!)).map((p) => [p.metadata!.name!, p]),
    );
    for (const pod of pods.filter((p) => /-\d+-\d+$/.test(p.metadata!.name!))) {
      const leader = leaders.get(pod.metadata!.name!.replace(/-\d+$/, ''))!;
      assert.equal(pod.metadata!.ownerReferences?.[0]?.uid, leader.metadata!.uid);
    }
    assert.deepEqual(
      managedObjects(east, lws.uid).filter((o) => !o.startsWith('pods/')),
      ['configmaps/big.lws-fleet', 'services/big'],
      'one anchor, one Service',
    );
    await waitAvailable(fleet, 'big', 16);
    assert.ok(
      took < 30_000,
      `converged ${took} ms after the new worker started (${atCrash} pods at the crash)`,
    );
  });
});
