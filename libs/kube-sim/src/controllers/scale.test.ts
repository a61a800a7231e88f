import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { pod } from './test-builders';
import { condition, testCluster } from './test-cluster';
import { defaultTopology } from './topology';

describe('scale', () => {
  test('2,000 pods on the default topology: bounded work per pod, nothing left running when idle', () => {
    const c = testCluster({
      topology: defaultTopology(),
      profile: { podStartDelayMs: 20, podReadyDelayMs: 20 },
    });
    const groupKey = 'leaderworkerset.sigs.k8s.io/group-key';
    for (let g = 0; g < 500; g++) {
      for (let w = 0; w < 4; w++) {
        c.store.create(
          'pods',
          pod(`lws-${g}-${w}`)
            .labels({ [groupKey]: `k${g}` })
            .requests({ cpu: '100m', memory: '128Mi' })
            .podAffinity('rack', groupKey, 'In', [`k${g}`])
            .obj(),
        );
      }
    }
    c.advance(1000);
    const pods = c.store.list('pods').items;
    assert.equal(pods.length, 2000);
    assert.equal(pods.filter((p) => condition(p, 'Ready')?.status === 'True').length, 2000);
    const counts = c.ctl.reconcileCounts();
    assert.ok((counts.scheduler ?? 0) <= 2000 + 10, `scheduler reconciles: ${counts.scheduler}`);
    assert.ok((counts.kubelet ?? 0) <= 2000 * 4, `kubelet reconciles: ${counts.kubelet}`);
    assert.ok((counts.gc ?? 0) === 0, `gc reconciles: ${counts.gc}`);
    assert.equal(c.clock.pendingTimers(), 0);
    // Groups stay within one rack (required affinity by rack).
    for (let g = 0; g < 500; g += 97) {
      const racks = new Set(
        [0, 1, 2, 3].map(
          (w) =>
            c.store.get(
              'nodes',
              undefined,
              (c.pod(`lws-${g}-${w}`)!.spec as { nodeName: string }).nodeName,
            )!.metadata.labels?.rack,
        ),
      );
      assert.equal(racks.size, 1);
    }
    c.stop();
  });
});
