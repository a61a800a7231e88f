import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { KubeObject } from '../store/types';
import { pod } from './test-builders';
import { testCluster, type TestCluster } from './test-cluster';

function anchor(c: TestCluster, name = 'anchor'): KubeObject {
  return c.create(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
      data: { revision: '1' },
    },
    'configmaps',
  );
}

/** ConfigMap anchor → leader pod → 2 worker pods, all running. */
function ownerChain(c: TestCluster): { cm: KubeObject; leader: KubeObject } {
  const cm = anchor(c);
  const leader = c.create(pod('lws-0').ownedBy(cm).obj());
  c.create(pod('lws-0-1').ownedBy(leader).obj());
  c.create(pod('lws-0-2').ownedBy(leader).obj());
  c.advance(2000);
  return { cm, leader };
}

function deletedOrder(c: TestCluster): string[] {
  return c.log
    .filter((e) => e.type === 'DELETED' && e.resource !== 'events')
    .map((e) => e.object.metadata.name!);
}

describe('garbage collector', () => {
  test('background: the owner goes at once, then the chain cascades', () => {
    const c = testCluster();
    ownerChain(c);
    c.store.delete('configmaps', 'default', 'anchor'); // Background is the default
    c.ctl.flush();
    assert.equal(c.store.get('configmaps', 'default', 'anchor'), undefined);
    assert.ok(c.pod('lws-0')?.metadata.deletionTimestamp, 'leader is terminating');
    c.advance(1000);
    assert.equal(c.pod('lws-0'), undefined);
    c.advance(1000);
    assert.equal(c.pod('lws-0-1'), undefined);
    assert.equal(c.pod('lws-0-2'), undefined);
    assert.deepEqual(deletedOrder(c), ['anchor', 'lws-0', 'lws-0-1', 'lws-0-2']);
    c.stop();
  });

  test('foreground: the owner waits with foregroundDeletion until every blocking dependent is gone', () => {
    const c = testCluster();
    ownerChain(c);
    c.store.delete('configmaps', 'default', 'anchor', { propagationPolicy: 'Foreground' });
    c.ctl.flush();
    const cm = c.store.get('configmaps', 'default', 'anchor');
    assert.ok(cm?.metadata.deletionTimestamp);
    assert.deepEqual(cm?.metadata.finalizers, ['foregroundDeletion']);
    const leader = c.pod('lws-0');
    assert.ok(
      leader?.metadata.finalizers?.includes('foregroundDeletion'),
      'leader deleted in foreground too',
    );
    assert.ok(c.pod('lws-0-1')?.metadata.deletionTimestamp);
    c.advance(10_000);
    assert.equal(c.store.get('configmaps', 'default', 'anchor'), undefined);
    assert.equal(c.pod('lws-0'), undefined);
    // Workers first, then their owner the leader, then the anchor.
    assert.deepEqual(deletedOrder(c), ['lws-0-1', 'lws-0-2', 'lws-0', 'anchor']);
    c.stop();
  });

  test('foreground delete of a leader removes its group only', () => {
    const c = testCluster();
    ownerChain(c);
    c.store.delete('pods', 'default', 'lws-0', { propagationPolicy: 'Foreground' });
    c.advance(10_000);
    assert.equal(c.pod('lws-0'), undefined);
    assert.equal(c.pod('lws-0-1'), undefined);
    assert.ok(c.store.get('configmaps', 'default', 'anchor'));
    c.stop();
  });

  test('orphan: dependents stay, without the owner reference', () => {
    const c = testCluster();
    ownerChain(c);
    c.store.delete('configmaps', 'default', 'anchor', { propagationPolicy: 'Orphan' });
    c.advance(5000);
    assert.equal(c.store.get('configmaps', 'default', 'anchor'), undefined);
    const leader = c.pod('lws-0');
    assert.ok(leader);
    assert.equal(leader.metadata.deletionTimestamp, undefined);
    assert.equal(leader.metadata.ownerReferences, undefined);
    assert.equal(c.pod('lws-0-1')?.metadata.ownerReferences?.[0].name, 'lws-0');
    c.stop();
  });

  test('a dependent of an owner that does not exist is deleted', () => {
    const c = testCluster();
    const ghost = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'ghost',
        namespace: 'default',
        uid: '00000000-0000-0000-0000-00000000dead',
      },
    };
    c.create(pod('orphan').ownedBy(ghost).obj());
    c.advance(1000);
    assert.equal(c.pod('orphan'), undefined);
    c.stop();
  });

  test('a dependent with another live owner only loses the dead reference', () => {
    const c = testCluster();
    const a = anchor(c, 'a');
    const b = anchor(c, 'b');
    c.create(pod('shared').ownedBy(a).ownedBy(b, { controller: false }).obj());
    c.store.delete('configmaps', 'default', 'a');
    c.advance(1000);
    const p = c.pod('shared');
    assert.ok(p && !p.metadata.deletionTimestamp);
    assert.deepEqual(
      p.metadata.ownerReferences?.map((o) => o.name),
      ['b'],
    );
    c.stop();
  });

  test('foreground: a dependent kept by another owner only loses the reference, and the owner goes', () => {
    const c = testCluster();
    const a = anchor(c, 'a');
    const b = anchor(c, 'b');
    c.create(pod('shared').ownedBy(a).ownedBy(b, { controller: false }).obj());
    c.store.delete('configmaps', 'default', 'a', { propagationPolicy: 'Foreground' });
    c.advance(1000);
    assert.equal(c.store.get('configmaps', 'default', 'a'), undefined);
    const p = c.pod('shared');
    assert.ok(p && !p.metadata.deletionTimestamp);
    assert.deepEqual(
      p.metadata.ownerReferences?.map((o) => o.name),
      ['b'],
    );
    c.stop();
  });
});
