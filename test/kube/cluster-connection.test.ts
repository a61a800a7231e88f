import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeSim } from '../../libs/kube-sim/src';
import { connectCluster } from '../../libs/kube/src';

describe('connectCluster', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await KubeSim.start({
      clusters: ['east'],
      controllers: false,
      kubeconfigDir: mkdtempSync(join(tmpdir(), 'lws-conn-')),
    });
  });
  after(async () => sim?.stop());

  test('reuses connections across requests (client-node alone opens one per request)', async () => {
    const east = sim.cluster('east');
    const { core } = connectCluster('east', readFileSync(east.kubeconfigPath, 'utf8'));
    const before = east.server.connectionsAccepted;
    for (let i = 0; i < 30; i++) await core.readNamespace({ name: 'default' });
    await Promise.all(
      Array.from({ length: 10 }, () => core.listNamespacedPod({ namespace: 'default' })),
    );
    const opened = east.server.connectionsAccepted - before;
    assert.ok(opened <= 11, `40 requests opened ${opened} connections`);
  });
});
