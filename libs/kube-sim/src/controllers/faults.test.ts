import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { pod } from './test-builders';
import { condition, nodeOf, phase, testCluster } from './test-cluster';

type Rec = Record<string, unknown>;

describe('pause and resume', () => {
  test('scheduler: pods stay unbound while paused, bound on resume', () => {
    const c = testCluster();
    c.ctl.pause('scheduler');
    assert.deepEqual(c.ctl.paused(), ['scheduler']);
    c.create(pod('p').obj());
    c.advance(10_000);
    assert.equal(nodeOf(c.pod('p')), undefined);
    c.ctl.resume('scheduler');
    assert.deepEqual(c.ctl.paused(), []);
    assert.ok(nodeOf(c.pod('p')));
    c.stop();
  });

  test('kubelet: a bound pod stays Pending while paused and catches up on resume', () => {
    const c = testCluster();
    c.ctl.pause('kubelet');
    c.create(pod('p').obj());
    c.advance(10_000);
    assert.ok(nodeOf(c.pod('p')));
    assert.equal((c.pod('p')!.status as Rec).podIP, undefined);
    c.ctl.resume('kubelet');
    c.advance(2000);
    assert.equal(phase(c.pod('p')), 'Running');
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'True');
    c.stop();
  });

  test('gc: dependents survive their owner while paused, collected on resume', () => {
    const c = testCluster();
    const cm = c.create(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } },
      'configmaps',
    );
    c.create(pod('dep').ownedBy(cm).obj());
    c.ctl.pause('gc');
    c.store.delete('configmaps', 'default', 'a');
    c.advance(10_000);
    assert.equal(c.pod('dep')?.metadata.deletionTimestamp, undefined);
    c.ctl.resume('gc');
    c.advance(10_000);
    assert.equal(c.pod('dep'), undefined);
    c.stop();
  });

  test('nodeLifecycle: a lost node keeps looking Ready while paused', () => {
    const c = testCluster();
    const node = c.nodes[0].metadata.name!;
    c.ctl.pause('nodeLifecycle');
    c.ctl.faults.loseNode(node);
    c.advance(60_000);
    assert.equal(condition(c.store.get('nodes', undefined, node), 'Ready')?.status, 'True');
    c.ctl.resume('nodeLifecycle');
    assert.equal(condition(c.store.get('nodes', undefined, node), 'Ready')?.status, 'Unknown');
    c.stop();
  });

  test('pvcBinder: claims stay Pending while paused', () => {
    const c = testCluster();
    c.ctl.pause('pvcBinder');
    c.create(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
      'persistentvolumeclaims',
    );
    const phaseOf = () =>
      (c.store.get('persistentvolumeclaims', 'default', 'data')!.status as Rec).phase;
    assert.equal(phaseOf(), 'Pending');
    c.ctl.resume('pvcBinder');
    assert.equal(phaseOf(), 'Bound');
    c.stop();
  });

  test('namespace: a deleted namespace stays Terminating while paused', () => {
    const c = testCluster();
    c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }, 'namespaces');
    c.create(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'team' } },
      'configmaps',
    );
    c.ctl.pause('namespace');
    c.store.delete('namespaces', undefined, 'team');
    c.advance(5000);
    assert.ok(c.store.get('configmaps', 'team', 'cfg'));
    c.ctl.resume('namespace');
    c.advance(1000);
    assert.equal(c.store.get('configmaps', 'team', 'cfg'), undefined);
    assert.equal(c.store.get('namespaces', undefined, 'team'), undefined);
    c.stop();
  });

  test('unknown controller names are refused', () => {
    const c = testCluster();
    assert.throws(() => c.ctl.pause('statefulset' as never));
    c.stop();
  });
});

describe('namespace controller', () => {
  test('Terminating while pods terminate, then gone with everything in it', () => {
    const c = testCluster();
    c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }, 'namespaces');
    c.create(pod('p', 'team').obj());
    c.create(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'team' } },
      'configmaps',
    );
    c.advance(2000);
    c.store.delete('namespaces', undefined, 'team');
    c.ctl.flush();
    const ns = c.store.get('namespaces', undefined, 'team');
    assert.equal((ns?.status as Rec).phase, 'Terminating');
    assert.ok(c.pod('p', 'team')?.metadata.deletionTimestamp);
    assert.equal(c.store.get('configmaps', 'team', 'cfg'), undefined);
    c.advance(1000);
    assert.equal(c.pod('p', 'team'), undefined);
    assert.equal(c.store.get('namespaces', undefined, 'team'), undefined);
    c.stop();
  });
});

describe('PVC protection', () => {
  test('a claim in use stays Terminating until its pod is gone', () => {
    const c = testCluster();
    c.create(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
      'persistentvolumeclaims',
    );
    c.create(pod('db').claim('data').obj());
    c.advance(2000);
    const claim = () => c.store.get('persistentvolumeclaims', 'default', 'data');
    assert.deepEqual(claim()?.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    c.store.delete('persistentvolumeclaims', 'default', 'data');
    c.advance(5000);
    assert.ok(claim()?.metadata.deletionTimestamp, 'Terminating while db uses it');
    c.store.delete('pods', 'default', 'db');
    c.advance(1000);
    assert.equal(c.pod('db'), undefined);
    assert.equal(claim(), undefined);
    c.stop();
  });

  test('an unused claim goes at once', () => {
    const c = testCluster();
    c.create(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'x', namespace: 'default' },
        spec: {},
      },
      'persistentvolumeclaims',
    );
    c.store.delete('persistentvolumeclaims', 'default', 'x');
    c.ctl.flush();
    assert.equal(c.store.get('persistentvolumeclaims', 'default', 'x'), undefined);
    c.stop();
  });
});

describe('stop', () => {
  test('stops every timer and reaction; the store stays', () => {
    const c = testCluster();
    c.create(pod('p').obj());
    assert.ok(c.clock.pendingTimers() > 0);
    c.stop();
    assert.equal(c.clock.pendingTimers(), 0);
    c.store.create('pods', pod('q').obj());
    c.clock.advance(10_000);
    assert.equal(nodeOf(c.store.get('pods', 'default', 'q')), undefined);
    assert.equal(phase(c.pod('p')), 'Pending');
  });
});
