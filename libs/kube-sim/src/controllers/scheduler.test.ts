import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { pod } from './test-builders';
import { condition, nodeOf, phase, testCluster, TWO_ZONES } from './test-cluster';
import { buildNode, GPU_NODE } from './topology';

describe('scheduler controller', () => {
  test('binds a pending pod: nodeName, PodScheduled=True, a Scheduled event', () => {
    const c = testCluster();
    c.create(pod('p').gpus(8).obj());
    const p = c.pod('p');
    assert.equal(nodeOf(p), 'test-a-r1-gpu-1');
    assert.equal(condition(p, 'PodScheduled')?.status, 'True');
    assert.equal(phase(p), 'Pending');
    const [ev] = c.events('Scheduled', 'p');
    assert.equal(ev.message, 'Successfully assigned default/p to test-a-r1-gpu-1');
    c.stop();
  });

  test('spreads equal pods over nodes (least allocated, then name)', () => {
    const c = testCluster();
    for (let i = 0; i < 4; i++) c.create(pod(`p${i}`).requests({ cpu: '10' }).obj());
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => nodeOf(c.pod(`p${i}`))),
      ['test-a-r1-gpu-1', 'test-a-r1-gpu-2', 'test-a-r2-gpu-1', 'test-a-r2-gpu-2'],
    );
    c.stop();
  });

  test('Unschedulable condition and one FailedScheduling event; retried when a node is added', () => {
    const c = testCluster();
    c.create(pod('big').gpus(16).obj());
    const p = c.pod('big');
    assert.equal(nodeOf(p), undefined);
    assert.deepEqual(
      {
        status: condition(p, 'PodScheduled')?.status,
        reason: condition(p, 'PodScheduled')?.reason,
      },
      { status: 'False', reason: 'Unschedulable' },
    );
    assert.equal(
      condition(p, 'PodScheduled')?.message,
      '0/4 nodes are available: 4 Insufficient nvidia.com/gpu. ' +
        'preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.',
    );
    assert.equal(c.events('FailedScheduling', 'big').length, 1);
    assert.equal(c.events('FailedScheduling', 'big')[0].type, 'Warning');
    // Unrelated churn retries it, but an unchanged verdict writes no new event.
    c.create(pod('small').obj());
    assert.equal(c.events('FailedScheduling', 'big').length, 1);
    c.ctl.faults.addNode(buildNode('test-big-1', { ...GPU_NODE, gpus: 16 }, {}, 50, c.clock.now()));
    c.ctl.flush();
    assert.equal(nodeOf(c.pod('big')), undefined, 'waits for its back-off (1 s)');
    c.advance(1000);
    assert.equal(nodeOf(c.pod('big')), 'test-big-1');
    assert.equal(condition(c.pod('big'), 'PodScheduled')?.status, 'True');
    c.stop();
  });

  test('a deleted pod frees room for an unschedulable one', () => {
    const c = testCluster();
    for (let i = 0; i < 4; i++) c.create(pod(`full${i}`).gpus(8).obj());
    c.create(pod('waiting').gpus(8).obj());
    assert.equal(nodeOf(c.pod('waiting')), undefined);
    const freed = nodeOf(c.pod('full2'));
    c.store.delete('pods', 'default', 'full2', { gracePeriodSeconds: 0 });
    c.advance(1000);
    assert.equal(nodeOf(c.pod('waiting')), freed);
    c.stop();
  });

  test('cordon keeps new pods off; uncordon lets them back', () => {
    const c = testCluster();
    for (const n of c.nodes) c.ctl.faults.cordon(n.metadata.name!);
    c.create(pod('p').obj());
    assert.equal(nodeOf(c.pod('p')), undefined);
    assert.match(
      String(condition(c.pod('p'), 'PodScheduled')?.message),
      /^0\/4 nodes are available: 4 node\(s\) were unschedulable\./,
    );
    c.ctl.faults.uncordon('test-a-r2-gpu-2');
    c.advance(1000);
    assert.equal(nodeOf(c.pod('p')), 'test-a-r2-gpu-2');
    c.stop();
  });

  test('pods with a missing claim wait for it; the binder binds it and the pod schedules', () => {
    const c = testCluster();
    c.create(pod('db').claim('data-db').obj());
    assert.match(
      String(condition(c.pod('db'), 'PodScheduled')?.message),
      /persistentvolumeclaim "data-db" not found/,
    );
    c.create(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data-db', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      },
      'persistentvolumeclaims',
    );
    c.advance(1000);
    const claim = c.store.get('persistentvolumeclaims', 'default', 'data-db')!;
    assert.equal((claim.status as { phase: string }).phase, 'Bound');
    assert.equal((claim.spec as { volumeName: string }).volumeName, `pvc-${claim.metadata.uid}`);
    assert.deepEqual((claim.status as { capacity: unknown }).capacity, { storage: '10Gi' });
    assert.ok(nodeOf(c.pod('db')));
    c.stop();
  });

  test('LWS exclusive placement: each group gets a rack of its own, the rest wait', () => {
    const c = testCluster({ topology: TWO_ZONES });
    const groupKey = 'leaderworkerset.sigs.k8s.io/group-key';
    const member = (name: string, key: string) =>
      pod(name)
        .labels({ [groupKey]: key })
        .gpus(8)
        .podAffinity('rack', groupKey, 'In', [key])
        .podAntiAffinityTerm({
          topologyKey: 'rack',
          labelSelector: {
            matchExpressions: [
              { key: groupKey, operator: 'Exists' },
              { key: groupKey, operator: 'NotIn', values: [key] },
            ],
          },
        })
        .obj();
    const rackOf = (name: string) =>
      c.store.get('nodes', undefined, nodeOf(c.pod(name))!)?.metadata.labels?.rack;
    for (const g of ['g0', 'g1', 'g2', 'g3', 'g4']) {
      c.create(member(`${g}-0`, g)); // leader first: the self-affinity rule lets it land
      c.create(member(`${g}-1`, g));
    }
    const racks = ['g0', 'g1', 'g2', 'g3'].map((g) => {
      assert.equal(rackOf(`${g}-0`), rackOf(`${g}-1`), `${g} split over racks`);
      return rackOf(`${g}-0`);
    });
    assert.equal(new Set(racks).size, 4);
    assert.equal(nodeOf(c.pod('g4-0')), undefined);
    assert.match(
      String(condition(c.pod('g4-0'), 'PodScheduled')?.message),
      /Insufficient nvidia.com\/gpu|anti-affinity/,
    );
    // Group 0 goes away: group 4 takes its rack.
    c.store.delete('pods', 'default', 'g0-0', { gracePeriodSeconds: 0 });
    c.store.delete('pods', 'default', 'g0-1', { gracePeriodSeconds: 0 });
    c.advance(10_000);
    assert.equal(rackOf('g4-0'), racks[0]);
    assert.equal(rackOf('g4-1'), racks[0]);
    c.stop();
  });

  test('scale: 1,000 unschedulable pods are not retried on every one of 100 deletions (per-pod back-off)', () => {
    const c = testCluster(); // 4 nodes × 8 gpus
    for (let i = 0; i < 4; i++) c.create(pod(`full${i}`).gpus(8).obj());
    c.advance(2000);
    for (let i = 0; i < 100; i++) c.create(pod(`small${i}`).requests({ cpu: '10m' }).obj());
    c.advance(2000);
    for (let i = 0; i < 1000; i++) c.store.create('pods', pod(`gpu${i}`).gpus(1).obj());
    c.ctl.flush();
    const before = c.ctl.reconcileCounts().scheduler ?? 0;
    for (let i = 0; i < 100; i++) c.store.delete('pods', 'default', `small${i}`);
    c.advance(1000); // the kubelet removes all 100 at the same instant, one event each
    const retries = (c.ctl.reconcileCounts().scheduler ?? 0) - before;
    assert.ok(retries <= 2 * 1000 + 100, `scheduler ran ${retries} times`);
    assert.ok(retries >= 1000, `unschedulable pods were retried (${retries})`);
    assert.equal(c.store.list('pods').items.filter((p) => !nodeOf(p)).length, 1000);
    c.stop();
  });

  test('addNode with only a name and labels gets a whole node of its instance type', () => {
    const c = testCluster();
    c.ctl.faults.addNode({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'extra-1',
        labels: { 'node.kubernetes.io/instance-type': 'gpu-8x', rack: 'r9' },
      },
    });
    c.ctl.flush();
    const n = c.store.get('nodes', undefined, 'extra-1')!;
    assert.equal(
      (n.status as { allocatable: Record<string, string> }).allocatable['nvidia.com/gpu'],
      '8',
    );
    assert.equal(n.metadata.labels?.rack, 'r9');
    assert.equal(condition(n, 'Ready')?.status, 'True');
    c.create(pod('p').gpus(8).nodeSelector({ rack: 'r9' }).obj());
    assert.equal(nodeOf(c.pod('p')), 'extra-1');
    c.stop();
  });
});
