import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { MemoryStore } from './memory-store';
import { matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors';
import { StoreError, type KubeObject, type StoreEvent } from './types';

function manualClock(start = Date.parse('2026-01-01T00:00:00Z')): {
  now(): number;
  advance(ms: number): void;
} {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function pod(name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
    ...extra,
  };
}

function storeError(fn: () => unknown, code: number, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StoreError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.reason, reason);
    return true;
  });
}

describe('label selectors', () => {
  const labels = { app: 'web', role: 'worker', tier: 'front' };
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['missing notin (db)', true],
    ['role', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web, role in ( worker ),tier', true],
    ['app=web,role=leader', false],
  ];
  for (const [selector, expected] of cases) {
    test(`"${selector}" → ${expected}`, () => {
      assert.equal(matchesLabels(parseLabelSelector(selector), labels), expected);
    });
  }
  test('parse errors are 400 BadRequest', () => {
    storeError(() => parseLabelSelector('app=('), 400, 'BadRequest');
    storeError(() => parseFieldSelector('metadata.name'), 400, 'BadRequest');
  });
});

describe('MemoryStore', () => {
  test('create assigns identity, defaults, and a global monotonic resourceVersion', () => {
    const clock = manualClock();
    const store = new MemoryStore({ clock });
    const rv0 = store.resourceVersion;
    const a = store.create('pods', pod('a'));
    assert.match(a.metadata.uid!, /^[0-9a-f-]{36}$/);
    assert.equal(a.metadata.creationTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(a.metadata.resourceVersion, String(rv0 + 1));
    assert.equal(a.metadata.generation, 1);
    assert.equal((a.spec as { restartPolicy: string }).restartPolicy, 'Always');
    assert.equal((a.status as { phase: string }).phase, 'Pending');
    const forged = store.create(
      'pods',
      pod('forged', { status: { phase: 'Running', podIP: '1.2.3.4' } }),
    );
    assert.deepEqual(
      forged.status,
      { phase: 'Pending', qosClass: 'BestEffort' },
      'create ignores the status',
    );
    const g = store.create('pods', {
      ...pod(''),
      metadata: { generateName: 'web-', namespace: 'default' },
    });
    assert.match(g.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const svc = store.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'default' },
      spec: { ports: [{ port: 80 }] },
    });
    assert.match((svc.spec as { clusterIP: string }).clusterIP, /^10\.96\.\d+\.\d+$/);
    assert.equal((svc.spec as { ports: Array<{ targetPort: number }> }).ports[0].targetPort, 80);
    storeError(() => store.create('pods', pod('a')), 409, 'AlreadyExists');
    storeError(
      () => store.create('pods', { ...pod('x'), metadata: { name: 'x', namespace: 'nope' } }),
      404,
      'NotFound',
    );
    storeError(() => store.create('pods', { ...pod('Bad_Name') }), 422, 'Invalid');
    storeError(() => store.create('pods', { ...pod('nospec'), spec: {} }), 422, 'Invalid');
    for (const containers of [
      [{ name: 'c' }],
      [{ name: 'Bad_Name', image: 'x' }],
      [
        { name: 'c', image: 'x' },
        { name: 'c', image: 'y' },
      ],
    ]) {
      storeError(
        () => store.create('pods', { ...pod('bad'), spec: { containers } }),
        422,
        'Invalid',
      );
    }
  });

  test('metadata validation: label keys and values, owner references', () => {
    const store = new MemoryStore();
    const withMeta = (metadata: Record<string, unknown>) => ({
      ...pod('m'),
      metadata: { name: 'm', namespace: 'default', ...metadata },
    });
    storeError(
      () => store.create('pods', withMeta({ labels: { app: 'has space' } })),
      422,
      'Invalid',
    );
    storeError(
      () => store.create('pods', withMeta({ labels: { app: 'x'.repeat(64) } })),
      422,
      'Invalid',
    );
    storeError(
      () => store.create('pods', withMeta({ labels: { 'bad key!': 'x' } })),
      422,
      'Invalid',
    );
    const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'u1', controller: true };
    storeError(
      () =>
        store.create(
          'pods',
          withMeta({ ownerReferences: [owner, { ...owner, name: 'b', uid: 'u2' }] }),
        ),
      422,
      'Invalid',
    );
    storeError(
      () => store.create('pods', withMeta({ ownerReferences: [{ ...owner, uid: '' }] })),
      422,
      'Invalid',
    );
    const ok = store.create(
      'pods',
      withMeta({
        labels: { 'leaderworkerset.sigs.k8s.io/name': 'x', empty: '' },
        ownerReferences: [owner],
      }),
    );
    assert.equal(ok.metadata.ownerReferences?.length, 1);
  });

  test('returns deep copies', () => {
    const store = new MemoryStore();
    const a = store.create('pods', pod('a'));
    a.metadata.labels!.app = 'changed';
    assert.equal(store.get('pods', 'default', 'a')!.metadata.labels!.app, 'web');
    const got = store.get('pods', 'default', 'a')!;
    got.metadata.labels!.app = 'changed';
    assert.equal(store.list('pods').items[0].metadata.labels!.app, 'web');
  });

  test('update: conflict on a stale resourceVersion, status split, generation, no-op', () => {
    const store = new MemoryStore();
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    const a = store.create('pods', pod('a'));
    const stale = structuredClone(a);
    const b = store.update('pods', { ...a, metadata: { ...a.metadata, labels: { app: 'x' } } });
    assert.equal(b.metadata.generation, 1, 'metadata changes keep the generation');
    storeError(() => store.update('pods', stale), 409, 'Conflict');
    // A main-resource update ignores status; a status update changes only status.
    const c = store.update('pods', { ...b, status: { phase: 'Running' } });
    assert.equal((c.status as { phase: string }).phase, 'Pending');
    const d = store.update(
      'pods',
      { ...c, spec: { ...(c.spec as object), nodeName: 'n1' }, status: { phase: 'Running' } },
      { subresource: 'status' },
    );
    assert.equal((d.status as { phase: string }).phase, 'Running');
    assert.equal((d.spec as { nodeName?: string }).nodeName, undefined);
    const e = store.update('pods', {
      ...d,
      spec: { ...(d.spec as object), activeDeadlineSeconds: 5 },
    });
    assert.equal(e.metadata.generation, 2, 'spec changes bump the generation');
    const count = events.length;
    const same = store.update('pods', e);
    assert.equal(
      same.metadata.resourceVersion,
      e.metadata.resourceVersion,
      'a no-op update does not write',
    );
    assert.equal(events.length, count);
    const m = store.mutate('pods', 'default', 'a', () => undefined);
    assert.equal(m.metadata.resourceVersion, e.metadata.resourceVersion);
    assert.equal(events.length, count);
  });

  test('graceful deletion of bound pods, immediate deletion of unbound ones', () => {
    const clock = manualClock();
    const store = new MemoryStore({ clock });
    store.create('pods', pod('unbound'));
    const removed = store.delete('pods', 'default', 'unbound');
    assert.equal(store.get('pods', 'default', 'unbound'), undefined);
    assert.equal(removed.metadata.name, 'unbound');

    store.create(
      'pods',
      pod('bound', { spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] } }),
    );
    const terminating = store.delete('pods', 'default', 'bound');
    assert.equal(terminating.metadata.deletionTimestamp, '2026-01-01T00:00:30Z');
    assert.equal(terminating.metadata.deletionGracePeriodSeconds, 30);
    assert.ok(store.get('pods', 'default', 'bound'));
    // The kubelet's status write during termination keeps the pod.
    store.mutate(
      'pods',
      'default',
      'bound',
      (p) => ((p.status as { phase: string }).phase = 'Running'),
    );
    assert.ok(store.get('pods', 'default', 'bound'));
    store.delete('pods', 'default', 'bound', { gracePeriodSeconds: 0 });
    assert.equal(store.get('pods', 'default', 'bound'), undefined);
  });

  test('finalizers, foreground and orphan deletion', () => {
    const store = new MemoryStore();
    store.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'f', namespace: 'default', finalizers: ['example.com/hold'] },
    });
    const deleting = store.delete('configmaps', 'default', 'f');
    assert.ok(deleting.metadata.deletionTimestamp);
    storeError(
      () =>
        store.update('configmaps', {
          ...deleting,
          metadata: { ...deleting.metadata, finalizers: ['example.com/hold', 'new'] },
        }),
      422,
      'Invalid',
    );
    store.mutate('configmaps', 'default', 'f', (o) => (o.metadata.finalizers = []));
    assert.equal(store.get('configmaps', 'default', 'f'), undefined);

    for (const [policy, finalizer] of [
      ['Foreground', 'foregroundDeletion'],
      ['Orphan', 'orphan'],
    ] as const) {
      store.create('configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'o', namespace: 'default' },
      });
      const o = store.delete('configmaps', 'default', 'o', { propagationPolicy: policy });
      assert.deepEqual(o.metadata.finalizers, [finalizer]);
      assert.equal(o.metadata.deletionGracePeriodSeconds, 0);
      const last = store.mutate('configmaps', 'default', 'o', (x) => (x.metadata.finalizers = []));
      assert.ok(last.metadata.deletionTimestamp);
      assert.equal(store.get('configmaps', 'default', 'o'), undefined);
    }
    store.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'p', namespace: 'default' },
    });
    storeError(
      () => store.delete('configmaps', 'default', 'p', { preconditions: { uid: 'other' } }),
      409,
      'Conflict',
    );
  });

  test('namespaces terminate, and refuse new content while they do', () => {
    const store = new MemoryStore();
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } });
    const ns = store.delete('namespaces', undefined, 'gone');
    assert.equal((ns.status as { phase: string }).phase, 'Terminating');
    storeError(
      () => store.create('pods', { ...pod('x'), metadata: { name: 'x', namespace: 'gone' } }),
      403,
      'Forbidden',
    );
    store.mutate(
      'namespaces',
      undefined,
      'gone',
      (o) => ((o.spec as { finalizers: string[] }).finalizers = []),
    );
    assert.equal(store.get('namespaces', undefined, 'gone'), undefined);
  });

  test('list filters by namespace, labels and fields, and pages in key order', () => {
    const store = new MemoryStore();
    store.create('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'other' },
    });
    for (const n of ['c', 'a', 'b']) store.create('pods', pod(n));
    store.create('pods', {
      ...pod('z'),
      metadata: { name: 'z', namespace: 'other', labels: { app: 'db' } },
    });
    assert.deepEqual(
      store.list('pods', { namespace: 'default' }).items.map((p) => p.metadata.name),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      store.list('pods', { labelSelector: 'app=db' }).items.map((p) => p.metadata.name),
      ['z'],
    );
    assert.deepEqual(
      store
        .list('pods', { fieldSelector: 'metadata.namespace!=default,status.phase=Pending' })
        .items.map((p) => p.metadata.name),
      ['z'],
    );
    storeError(() => store.list('pods', { fieldSelector: 'spec.bogus=1' }), 400, 'BadRequest');
    const page1 = store.rawList('pods', { namespace: 'default', limit: 2 });
    assert.deepEqual(
      page1.items.map((p) => p.metadata.name),
      ['a', 'b'],
    );
    assert.equal(page1.remaining, 1);
    const page2 = store.rawList('pods', {
      namespace: 'default',
      limit: 2,
      startAfter: page1.lastKey,
    });
    assert.deepEqual(
      page2.items.map((p) => p.metadata.name),
      ['c'],
    );
    assert.equal(page2.lastKey, undefined);
  });

  test('history: replay after a resourceVersion, 410 once evicted or compacted', () => {
    const store = new MemoryStore({ historySize: 4, namespaces: ['default'] });
    const start = store.resourceVersion;
    for (let i = 0; i < 3; i++)
      store.create('configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `c${i}`, namespace: 'default' },
      });
    assert.deepEqual(
      store.history('configmaps', start).map((e) => e.object.metadata.name),
      ['c0', 'c1', 'c2'],
    );
    assert.deepEqual(
      store.history('configmaps', start + 2).map((e) => e.object.metadata.name),
      ['c2'],
    );
    for (let i = 3; i < 6; i++)
      store.create('configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `c${i}`, namespace: 'default' },
      });
    storeError(() => store.history('configmaps', start), 410, 'Expired');
    assert.equal(store.history('configmaps', start + 2).length, 4);
    const now = store.resourceVersion;
    store.compact();
    storeError(() => store.history('configmaps', now - 1), 410, 'Expired');
    assert.deepEqual(store.history('configmaps', now), []);
    assert.equal(store.continueExpired('configmaps', now), true);
  });

  test('events are delivered in resourceVersion order, also for writes made by listeners', () => {
    const store = new MemoryStore();
    const seen: number[] = [];
    store.subscribe((e) => {
      if (e.type === 'ADDED' && e.object.metadata.name === 'a')
        store.mutate('pods', 'default', 'a', (p) => (p.metadata.labels = { x: 'y' }));
    });
    store.subscribe((e) => seen.push(e.rv));
    store.create('pods', pod('a'));
    assert.equal(seen.length, 2);
    assert.ok(seen[0] < seen[1]);
  });
});
