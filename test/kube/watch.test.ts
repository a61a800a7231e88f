import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeSim } from '../../libs/kube-sim/src';
import { UndiciWatch, connectCluster } from '../../libs/kube/src';

/** client-node's Watch contract (events through `callback`, one `done`), on lws-fleet's transport. */
describe('UndiciWatch', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await KubeSim.start({
      clusters: ['east'],
      controllers: false,
      kubeconfigDir: mkdtempSync(join(tmpdir(), 'lws-watch-')),
    });
  });
  after(async () => sim?.stop());

  const connect = () =>
    connectCluster('east', readFileSync(sim.cluster('east').kubeconfigPath, 'utf8'));

  test('delivers each event with its object, and calls done once when stopped', async () => {
    const { kubeConfig, core } = connect();
    const events: Array<[string, string | undefined]> = [];
    const dones: unknown[] = [];
    const controller = await new UndiciWatch(kubeConfig).watch(
      '/api/v1/namespaces/default/pods',
      { labelSelector: 'app=watched' },
      (type, object) =>
        events.push([type, (object as { metadata?: { name?: string } }).metadata?.name]),
      (err) => dones.push(err),
    );
    for (const [name, app] of [
      ['a', 'watched'],
      ['b', 'other'],
      ['c', 'watched'],
    ])
      await core.createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name, labels: { app } },
          spec: { containers: [{ name: 'c', image: 'i' }] },
        },
      });
    await core.deleteNamespacedPod({ namespace: 'default', name: 'a' });
    const deadline = Date.now() + 5000;
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events.slice(0, 3), [
      ['ADDED', 'a'],
      ['ADDED', 'c'],
      ['DELETED', 'a'],
    ]);
    controller.abort();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(dones.length, 1, 'done is called exactly once');
  });

  test('a refused watch ends at once with the status code', async () => {
    const { kubeConfig } = connect();
    const done = await new Promise<unknown>((resolve) => {
      void new UndiciWatch(kubeConfig).watch('/api/v1/nosuchresources', {}, () => {}, resolve);
    });
    assert.equal((done as { statusCode?: number }).statusCode, 404);
  });

  test('no byte for the inactivity timeout ends the watch with a TimeoutError', async () => {
    const { kubeConfig } = connect();
    const watch = new UndiciWatch(kubeConfig);
    watch.requestTimeoutMs = 200;
    const done = await new Promise<unknown>((resolve) => {
      void watch.watch(
        '/api/v1/namespaces/quiet/configmaps',
        { allowWatchBookmarks: false },
        () => {},
        resolve,
      );
    });
    assert.equal((done as Error).name, 'TimeoutError');
  });
});
