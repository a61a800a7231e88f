import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeSim } from '../../libs/kube-sim/src';
import { ClusterWatcher, classifyApiError, connectCluster } from '../../libs/kube/src';

const MANAGED = 'app.kubernetes.io/managed-by';
const OWNER = 'test.lws-fleet/owner';

function pod(name: string, owner: string | undefined): V1Pod {
  const labels: Record<string, string> = owner
    ? { [MANAGED]: 'lws-fleet', [OWNER]: owner }
    : { app: 'other' };
  return {
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('ClusterWatcher against a simulated cluster, through client-node', () => {
  let sim: KubeSim;
  let watcher: ClusterWatcher;
  const changes: string[] = [];
  const health: boolean[] = [];

  before(async () => {
    sim = await KubeSim.start({
      clusters: ['east'],
      kubeconfigDir: mkdtempSync(join(tmpdir(), 'lws-watch-')),
    });
    const connection = connectCluster(
      'east',
      readFileSync(sim.cluster('east').kubeconfigPath, 'utf8'),
    );
    watcher = new ClusterWatcher(connection, {
      labelSelector: `${MANAGED}=lws-fleet`,
      ownerOf: (o) => o.metadata?.labels?.[OWNER],
      onChange: (owner, kind, type, o) =>
        changes.push(`${owner} ${kind} ${type} ${o.metadata?.name}`),
      onHealth: (h) => health.push(h.healthy),
      restartDelayMs: 50,
    });
    await watcher.start();
  });
  after(async () => {
    await watcher?.stop();
    await sim?.stop();
  });

  test('lists the nodes, and caches only managed objects, per owner', async () => {
    assert.equal(watcher.nodeCount(), 40);
    const core = watcher.connection.core;
    await core.createNamespacedPod({ namespace: 'default', body: pod('a-0', 'lws-a') });
    await core.createNamespacedPod({ namespace: 'default', body: pod('b-0', 'lws-b') });
    await core.createNamespacedPod({ namespace: 'default', body: pod('stranger', undefined) });
    await eventually(
      () =>
        watcher.observed('lws-a').pods.length === 1 && watcher.observed('lws-b').pods.length === 1,
      'both pods',
    );
    assert.deepEqual(watcher.owners().sort(), ['lws-a', 'lws-b']);
    assert.ok(!changes.some((c) => c.includes('stranger')));
  });

  test('sees status changes made by the simulated kubelet', async () => {
    await eventually(
      () => watcher.observed('lws-a').pods[0]?.status?.phase === 'Running',
      'a-0 Running',
    );
    assert.ok(changes.includes('lws-a Pod update a-0'));
  });

  test('restarts after a 500 on the watch and resumes; a 410 makes it re-list', async () => {
    const cluster = sim.cluster('east');
    cluster.failNextWatch(500, 4);
    cluster.closeWatches();
    await eventually(() => health.includes(false), 'an unhealthy report');
    await watcher.connection.core.createNamespacedPod({
      namespace: 'default',
      body: pod('a-1', 'lws-a'),
    });
    await eventually(
      () => watcher.observed('lws-a').pods.some((p) => p.metadata?.name === 'a-1'),
      'a-1 after the restart',
    );
    // Healthy once every informer (not only the pods') is back.
    await eventually(() => watcher.health().healthy, 'healthy after the restarts');

    cluster.expireWatches();
    await watcher.connection.core.deleteNamespacedPod({
      namespace: 'default',
      name: 'b-0',
      gracePeriodSeconds: 0,
    });
    await eventually(() => watcher.observed('lws-b').pods.length === 0, 'b-0 gone after the 410');
    assert.ok(!watcher.owners().includes('lws-b'));
  });

  test('API errors are classified from real responses', async () => {
    const error = await watcher.connection.core
      .readNamespacedPod({ namespace: 'default', name: 'missing' })
      .catch((e: unknown) => e);
    assert.equal(classifyApiError(error).kind, 'notFound');
    const exists = await watcher.connection.core
      .createNamespacedPod({ namespace: 'default', body: pod('a-0', 'lws-a') })
      .catch((e: unknown) => e);
    assert.equal(classifyApiError(exists).kind, 'alreadyExists');
  });

  test('a quiet cluster is reported healthy again once every informer lists again', async () => {
    const cluster = sim.cluster('east');
    await cluster.refuseConnections();
    cluster.closeWatches();
    await eventually(() => !watcher.health().healthy, 'unhealthy while refused');
    const reports = health.length;
    await cluster.heal();
    // Nothing changes in the cluster: only the informers' own recovery can say it is back.
    await eventually(() => watcher.health().healthy, 'healthy again after the heal');
    assert.equal(health.at(-1), true);
    assert.ok(health.length > reports, 'the recovery was reported');
  });
});
