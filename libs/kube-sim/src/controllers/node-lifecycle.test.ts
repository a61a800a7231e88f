import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { KubeObject } from '../store/types';
import { pod } from './test-builders';
import { condition, nodeOf, testCluster } from './test-cluster';

type Rec = Record<string, unknown>;

function taints(node: KubeObject | undefined): string[] {
  return (
    ((node?.spec as Rec | undefined)?.taints as Array<{ key: string; effect: string }>) ?? []
  ).map((t) => `${t.key}:${t.effect}`);
}

describe('node lifecycle', () => {
  test('lost node: Unknown and unreachable taints at once, pods NotReady, evicted after the timeout, stay Terminating', () => {
    const c = testCluster(); // eviction timeout 300 s
    c.create(pod('p').gpus(8).obj());
    c.advance(2000);
    const node = nodeOf(c.pod('p'))!;
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'True');
    c.ctl.faults.loseNode(node);
    c.ctl.flush();
    const n = c.store.get('nodes', undefined, node);
    assert.equal(condition(n, 'Ready')?.status, 'Unknown');
    assert.equal(condition(n, 'Ready')?.reason, 'NodeStatusUnknown');
    assert.deepEqual(taints(n).sort(), [
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'False');
    c.advance(299_999);
    assert.equal(c.pod('p')?.metadata.deletionTimestamp, undefined);
    c.advance(1);
    assert.ok(c.pod('p')?.metadata.deletionTimestamp, 'evicted');
    assert.equal(condition(c.pod('p'), 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
    assert.equal(c.events('TaintManagerEviction', 'p').length, 1);
    c.advance(600_000);
    assert.ok(c.pod('p'), 'the kubelet is gone: the pod stays Terminating');
    // The node comes back: Ready, taints gone, and its kubelet finishes the termination.
    c.ctl.faults.recoverNode(node);
    c.advance(1000);
    assert.equal(condition(c.store.get('nodes', undefined, node), 'Ready')?.status, 'True');
    assert.deepEqual(taints(c.store.get('nodes', undefined, node)), []);
    assert.equal(c.pod('p'), undefined);
    c.stop();
  });

  test('unreachable node: nothing changes until nodeMonitorGracePeriod', () => {
    const c = testCluster(); // grace 40 s
    const node = c.nodes[0].metadata.name!;
    c.ctl.faults.failNode(node, 'Unreachable');
    c.advance(39_999);
    assert.equal(condition(c.store.get('nodes', undefined, node), 'Ready')?.status, 'True');
    c.advance(1);
    assert.equal(condition(c.store.get('nodes', undefined, node), 'Ready')?.status, 'Unknown');
    c.stop();
  });

  test('NotReady node: Ready=False with not-ready taints; new pods go elsewhere; recovery', () => {
    const c = testCluster();
    const node = 'test-a-r1-gpu-1';
    c.ctl.faults.failNode(node, 'NotReady');
    c.ctl.flush();
    const n = c.store.get('nodes', undefined, node);
    assert.equal(condition(n, 'Ready')?.status, 'False');
    assert.ok(taints(n).includes('node.kubernetes.io/not-ready:NoSchedule'));
    assert.ok(taints(n).includes('node.kubernetes.io/not-ready:NoExecute'));
    c.create(pod('p').obj());
    assert.notEqual(nodeOf(c.pod('p')), node);
    c.ctl.faults.recoverNode(node);
    c.ctl.flush();
    assert.equal(condition(c.store.get('nodes', undefined, node), 'Ready')?.status, 'True');
    assert.deepEqual(taints(c.store.get('nodes', undefined, node)), []);
    c.stop();
  });

  test('pods that tolerate the taint with tolerationSeconds leave on their own time; without it they stay', () => {
    const c = testCluster();
    c.create(
      pod('short')
        .gpus(4)
        .tolerate({
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 5,
        })
        .obj(),
    );
    c.create(
      pod('forever')
        .gpus(4)
        .tolerate({
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
        })
        .obj(),
    );
    c.advance(2000);
    for (const n of c.nodes) c.ctl.faults.loseNode(n.metadata.name!);
    c.advance(4999);
    assert.equal(c.pod('short')?.metadata.deletionTimestamp, undefined);
    c.advance(1);
    assert.ok(c.pod('short')?.metadata.deletionTimestamp);
    c.advance(3_600_000);
    assert.equal(c.pod('forever')?.metadata.deletionTimestamp, undefined);
    c.stop();
  });

  test('a NoExecute taint evicts pods that do not tolerate it; untaint stops nothing already evicted', () => {
    const c = testCluster();
    c.create(pod('p').gpus(8).obj());
    c.advance(2000);
    const node = nodeOf(c.pod('p'))!;
    c.ctl.faults.taint(node, { key: 'maintenance', effect: 'NoExecute' });
    c.ctl.flush();
    assert.ok(c.pod('p')?.metadata.deletionTimestamp);
    c.advance(1000);
    assert.equal(c.pod('p'), undefined);
    c.ctl.faults.untaint(node, 'maintenance');
    c.ctl.flush();
    assert.deepEqual(taints(c.store.get('nodes', undefined, node)), []);
    c.stop();
  });

  test('deleted node: its pods are force-deleted (PodGC)', () => {
    const c = testCluster();
    c.create(pod('p').gpus(8).obj());
    c.advance(2000);
    const node = nodeOf(c.pod('p'))!;
    c.ctl.faults.loseNode(node);
    c.ctl.faults.deleteNode(node);
    c.ctl.flush();
    assert.equal(c.store.get('nodes', undefined, node), undefined);
    assert.equal(c.pod('p'), undefined);
    c.stop();
  });

  test('setAllocatable shrinks a node so pods no longer fit', () => {
    const c = testCluster();
    for (const n of c.nodes)
      c.ctl.faults.setAllocatable(n.metadata.name!, { 'nvidia.com/gpu': '4' });
    c.create(pod('p').gpus(8).obj());
    assert.equal(nodeOf(c.pod('p')), undefined);
    c.ctl.faults.setAllocatable('test-a-r2-gpu-1', { 'nvidia.com/gpu': '8' });
    c.advance(1000);
    assert.equal(nodeOf(c.pod('p')), 'test-a-r2-gpu-1');
    c.stop();
  });

  test('heartbeats (when the profile asks): leases renewed, frozen for a lost node', () => {
    const c = testCluster({ profile: { nodeHeartbeatIntervalMs: 10_000 } });
    const [a, b] = c.nodes.map((n) => n.metadata.name!);
    c.advance(10_000);
    const renew = (n: string) =>
      (c.store.get('leases', 'kube-node-lease', n)?.spec as Rec | undefined)?.renewTime as
        string | undefined;
    const first = renew(a);
    assert.ok(first, 'lease created');
    c.ctl.faults.loseNode(b);
    const lost = renew(b);
    c.advance(10_000);
    assert.notEqual(renew(a), first);
    assert.equal(renew(b), lost);
    c.stop();
  });
});
