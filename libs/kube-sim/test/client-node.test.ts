/**
 * @kubernetes/client-node 2.0.1 conformance: typed CRUD, optimistic concurrency, every patch type,
 * list chunking, and informers across a clean close, both forms of 410 and a 500 (then restart).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as k8s from '@kubernetes/client-node';

import type { SimCluster } from '../src/sim';
import { eventually, sleep, startFleet, type TestFleet } from './helpers';

function pod(name: string, labels: Record<string, string> = {}): k8s.V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      containers: [
        { name: 'app', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }] },
        { name: 'side', image: 'busybox:1.36' },
      ],
    },
  };
}

async function expectApiError(p: Promise<unknown>, code: number, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof k8s.ApiException, `expected ApiException, got ${String(err)}`);
    assert.equal(err.code, code);
    const status = JSON.parse(err.body as string) as { kind: string; reason: string; code: number };
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, reason);
    assert.equal(status.code, code);
    return true;
  });
}

describe('client-node conformance', { timeout: 120_000 }, () => {
  let fleet: TestFleet;
  let east: SimCluster;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    // No controllers: objects change only when the test changes them.
    fleet = await startFleet({ controllers: false });
    east = fleet.sim.cluster('east');
    kc = new k8s.KubeConfig();
    kc.loadFromFile(east.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    for (const ns of ['crud', 'patch', 'chunk', 'inf']) {
      await core.createNamespace({ body: { metadata: { name: ns } } });
    }
  });

  after(async () => {
    await fleet.stop();
  });

  test('typed CRUD', async () => {
    const created = await core.createNamespacedPod({
      namespace: 'crud',
      body: pod('p1', { app: 'x' }),
    });
    assert.equal(created.metadata?.namespace, 'crud');
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(created.status?.phase, 'Pending');
    const read = await core.readNamespacedPod({ name: 'p1', namespace: 'crud' });
    assert.ok(read.metadata?.creationTimestamp instanceof Date);
    assert.equal(read.spec?.restartPolicy, 'Always');
    await core.createNamespacedPod({ namespace: 'crud', body: pod('p2', { app: 'y' }) });
    const list = await core.listNamespacedPod({ namespace: 'crud', labelSelector: 'app=x' });
    assert.deepEqual(
      list.items.map((p) => p.metadata?.name),
      ['p1'],
    );
    assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/);
    read.metadata!.labels = { app: 'x', v: '2' };
    const replaced = await core.replaceNamespacedPod({ name: 'p1', namespace: 'crud', body: read });
    assert.equal(replaced.metadata?.labels?.v, '2');
    assert.notEqual(replaced.metadata?.resourceVersion, read.metadata?.resourceVersion);
    await expectApiError(
      core.createNamespacedPod({ namespace: 'crud', body: pod('p1') }),
      409,
      'AlreadyExists',
    );
    await core.deleteNamespacedPod({ name: 'p1', namespace: 'crud' });
    await expectApiError(
      core.readNamespacedPod({ name: 'p1', namespace: 'crud' }),
      404,
      'NotFound',
    );
    await expectApiError(
      core.createNamespacedPod({ namespace: 'missing', body: pod('p3') }),
      404,
      'NotFound',
    );
  });

  test('a stale update gets 409 Conflict', async () => {
    const a = await core.readNamespacedPod({ name: 'p2', namespace: 'crud' });
    const b = await core.readNamespacedPod({ name: 'p2', namespace: 'crud' });
    a.metadata!.labels = { ...a.metadata!.labels, writer: 'a' };
    await core.replaceNamespacedPod({ name: 'p2', namespace: 'crud', body: a });
    b.metadata!.labels = { ...b.metadata!.labels, writer: 'b' };
    await expectApiError(
      core.replaceNamespacedPod({ name: 'p2', namespace: 'crud', body: b }),
      409,
      'Conflict',
    );
    const now = await core.readNamespacedPod({ name: 'p2', namespace: 'crud' });
    assert.equal(now.metadata?.labels?.writer, 'a');
  });

  test('every patch type', async () => {
    await core.createNamespacedPod({ namespace: 'patch', body: pod('p', { app: 'p' }) });
    // JSON patch is client-node's default media type.
    let p = await core.patchNamespacedPod({
      name: 'p',
      namespace: 'patch',
      body: [{ op: 'add', path: '/metadata/labels/j', value: '1' }],
    });
    assert.equal(p.metadata?.labels?.j, '1');
    const jsonPatchLog = east.requestLog.filter((e) => e.verb === 'patch').pop();
    assert.match(jsonPatchLog?.contentType ?? '', /json-patch\+json/);
    await expectApiError(
      core.patchNamespacedPod({
        name: 'p',
        namespace: 'patch',
        body: [{ op: 'test', path: '/metadata/labels/j', value: 'nope' }],
      }),
      422,
      'Invalid',
    );

    p = await core.patchNamespacedPod(
      { name: 'p', namespace: 'patch', body: { metadata: { labels: { m: '2', j: null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(p.metadata?.labels?.m, '2');
    assert.equal(p.metadata?.labels?.j, undefined);

    p = await core.patchNamespacedPod(
      {
        name: 'p',
        namespace: 'patch',
        body: { spec: { containers: [{ name: 'side', image: 'busybox:1.37' }] } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    // Containers merge by name: only side's image changed.
    assert.deepEqual(
      p.spec!.containers.map((c) => `${c.name}=${c.image}`),
      ['app=nginx:1.25', 'side=busybox:1.37'],
    );
    assert.deepEqual(
      p.spec!.containers[0].env?.map((e) => `${e.name}=${e.value}`),
      ['A=1'],
    );
    // The same change as a merge patch replaces the whole list, which a pod refuses (spec is immutable).
    await expectApiError(
      core.patchNamespacedPod(
        {
          name: 'p',
          namespace: 'patch',
          body: { spec: { containers: [{ name: 'side', image: 'busybox:1.38' }] } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
      422,
      'Invalid',
    );
    const svc = await core.createNamespacedService({
      namespace: 'patch',
      body: {
        metadata: { name: 's' },
        spec: { selector: { app: 'p' }, ports: [{ name: 'a', port: 80 }] },
      },
    });
    const merged = await core.patchNamespacedService(
      { name: 's', namespace: 'patch', body: { spec: { ports: [{ name: 'b', port: 81 }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(
      merged.spec?.ports?.map((x) => `${x.name}:${x.port}`),
      ['a:80', 'b:81'],
    );
    assert.equal(merged.spec?.clusterIP, svc.spec?.clusterIP);

    p = await core.patchNamespacedPod(
      { name: 'p', namespace: 'patch', body: { metadata: { annotations: { a: 'b' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(p.metadata?.annotations?.a, 'b');

    // The status subresource: main-resource patches ignore status, /status patches change only status.
    p = await core.patchNamespacedPod(
      { name: 'p', namespace: 'patch', body: { status: { phase: 'Running' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(p.status?.phase, 'Pending');
    p = await core.patchNamespacedPodStatus(
      {
        name: 'p',
        namespace: 'patch',
        body: { status: { phase: 'Running' }, metadata: { labels: { no: 'x' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(p.status?.phase, 'Running');
    assert.equal(p.metadata?.labels?.no, undefined);

    // A resourceVersion in a patch is a precondition.
    await expectApiError(
      core.patchNamespacedPod(
        {
          name: 'p',
          namespace: 'patch',
          body: { metadata: { resourceVersion: '1', labels: { x: 'y' } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
      409,
      'Conflict',
    );
    assert.equal(east.writes('pods') >= 6, true);
  });

  test('list chunking with limit and continue, and 410 for an expired token', async () => {
    for (let i = 0; i < 25; i++) {
      await core.createNamespacedConfigMap({
        namespace: 'chunk',
        body: { metadata: { name: `cm-${String(i).padStart(2, '0')}` }, data: { i: String(i) } },
      });
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    let firstToken: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({
        namespace: 'chunk',
        limit: 10,
        _continue: token,
      });
      pages++;
      names.push(...page.items.map((c) => c.metadata!.name!));
      token = page.metadata?._continue || undefined;
      if (pages === 1) {
        firstToken = token;
        assert.equal(page.metadata?.remainingItemCount, 15);
      }
    } while (token);
    assert.equal(pages, 3);
    assert.equal(names.length, 25);
    assert.deepEqual(names, [...names].sort());
    assert.equal(new Set(names).size, 25);
    east.compact();
    await expectApiError(
      core.listNamespacedConfigMap({ namespace: 'chunk', limit: 10, _continue: firstToken }),
      410,
      'Expired',
    );
  });

  test('dryRun, binding, logs, deletecollection and the generic KubernetesObjectApi', async () => {
    const dry = await core.createNamespacedPod({
      namespace: 'crud',
      body: pod('dry'),
      dryRun: 'All',
    });
    assert.equal(dry.metadata?.name, 'dry');
    await expectApiError(
      core.readNamespacedPod({ name: 'dry', namespace: 'crud' }),
      404,
      'NotFound',
    );

    await core.createNamespacedPod({ namespace: 'crud', body: pod('bind-me') });
    await core.createNamespacedPodBinding({
      name: 'bind-me',
      namespace: 'crud',
      body: {
        metadata: { name: 'bind-me' },
        target: { apiVersion: 'v1', kind: 'Node', name: 'east-a-r1-gpu-1' },
      },
    });
    const bound = await core.readNamespacedPod({ name: 'bind-me', namespace: 'crud' });
    assert.equal(bound.spec?.nodeName, 'east-a-r1-gpu-1');
    assert.equal(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    await expectApiError(
      core.createNamespacedPodBinding({
        name: 'bind-me',
        namespace: 'crud',
        body: {
          metadata: { name: 'bind-me' },
          target: { apiVersion: 'v1', kind: 'Node', name: 'other' },
        },
      }),
      409,
      'Conflict',
    );
    const log = await core.readNamespacedPodLog({
      name: 'bind-me',
      namespace: 'crud',
      container: 'app',
    });
    assert.match(String(log), /simulated/);
    // A bound pod is deleted gracefully: it stays (Terminating) until deleted with grace 0.
    const terminating = await core.deleteNamespacedPod({ name: 'bind-me', namespace: 'crud' });
    assert.ok(terminating.metadata?.deletionTimestamp);
    await core.deleteNamespacedPod({ name: 'bind-me', namespace: 'crud', gracePeriodSeconds: 0 });
    await expectApiError(
      core.readNamespacedPod({ name: 'bind-me', namespace: 'crud' }),
      404,
      'NotFound',
    );

    for (const [name, tier] of [
      ['c1', 'x'],
      ['c2', 'x'],
      ['c3', 'y'],
    ]) {
      await core.createNamespacedConfigMap({
        namespace: 'crud',
        body: { metadata: { name, labels: { tier } } },
      });
    }
    await core.deleteCollectionNamespacedConfigMap({ namespace: 'crud', labelSelector: 'tier=x' });
    const left = await core.listNamespacedConfigMap({ namespace: 'crud' });
    assert.deepEqual(
      left.items.map((c) => c.metadata?.name),
      ['c3'],
    );
    assert.equal(east.writeCounts.configmaps.deletecollection, 2);

    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'generic', namespace: 'crud' },
      spec: { clusterIP: 'None', selector: { app: 'g' }, ports: [{ name: 'a', port: 80 }] },
    };
    await objects.create(svc);
    const patched = (await objects.patch({
      ...svc,
      spec: { ports: [{ name: 'b', port: 81 }] },
    } as never)) as k8s.V1Service;
    assert.deepEqual(
      patched.spec?.ports?.map((x) => x.port),
      [80, 81],
    );
    const leases = await objects.list('coordination.k8s.io/v1', 'Lease', 'kube-node-lease');
    assert.ok(Array.isArray(leases.items));
  });

  test('events.k8s.io/v1 is a view of the core/v1 events', async () => {
    const events = kc.makeApiClient(k8s.EventsV1Api);
    const created = await events.createNamespacedEvent({
      namespace: 'crud',
      body: {
        metadata: { name: 'e1' },
        eventTime: new Date('2026-01-01T00:00:00Z') as unknown as k8s.V1MicroTime,
        reason: 'Tested',
        note: 'written through events.k8s.io',
        type: 'Normal',
        action: 'Test',
        reportingController: 'lws-fleet',
        reportingInstance: 'lws-fleet-0',
        regarding: { kind: 'Pod', namespace: 'crud', name: 'p2', apiVersion: 'v1' },
      },
    });
    assert.equal(created.note, 'written through events.k8s.io');
    const core1 = await core.readNamespacedEvent({ name: 'e1', namespace: 'crud' });
    assert.equal(core1.message, 'written through events.k8s.io');
    assert.equal(core1.involvedObject.name, 'p2');
    assert.equal(core1.reportingComponent, 'lws-fleet');
    await core.createNamespacedEvent({
      namespace: 'crud',
      body: {
        metadata: { name: 'e2' },
        involvedObject: { kind: 'Pod', namespace: 'crud', name: 'p2' },
        reason: 'Core',
        message: 'written through core/v1',
      },
    });
    const list = await events.listNamespacedEvent({
      namespace: 'crud',
      fieldSelector: 'involvedObject.name=p2',
    });
    assert.deepEqual(
      list.items.map((e) => `${e.metadata?.name}:${e.note}:${e.regarding?.name}`),
      ['e1:written through events.k8s.io:p2', 'e2:written through core/v1:p2'],
    );
    const disc = (await (await fetch(`${east.url}/apis/events.k8s.io/v1`)).json()) as {
      resources: Array<{ name: string; kind: string }>;
    };
    assert.deepEqual(
      disc.resources.map((r) => `${r.name}/${r.kind}`),
      ['events/Event'],
    );
  });

  test('informer: events, clean close, 410 as an ERROR event, HTTP 410, and 500 then restart', async () => {
    const path = '/api/v1/namespaces/inf/pods';
    const informer = k8s.makeInformer(kc, path, () => core.listNamespacedPod({ namespace: 'inf' }));
    const added: string[] = [];
    const updated: string[] = [];
    const deleted: string[] = [];
    const errors: Array<{ statusCode?: number; message?: string }> = [];
    let stopping = false;
    informer.on('add', (o) => added.push(o.metadata!.name!));
    informer.on('update', (o) => updated.push(o.metadata!.name!));
    informer.on('delete', (o) => deleted.push(o.metadata!.name!));
    informer.on('error', (err) => {
      if (!stopping) errors.push(err as { statusCode?: number });
    });
    const lists = (): number =>
      east.requestLog.filter(
        (e) => e.verb === 'list' && e.namespace === 'inf' && e.resource === 'pods',
      ).length;
    const watches = (): number =>
      east.requestLog.filter((e) => e.verb === 'watch' && e.namespace === 'inf').length +
      east.activeWatches;
    const create = (name: string) =>
      core.createNamespacedPod({ namespace: 'inf', body: pod(name) });
    try {
      await informer.start();
      assert.equal(lists(), 1);
      await create('a');
      await eventually(() => added.includes('a'), 5_000, 'add of a');
      await core.patchNamespacedPod(
        { name: 'a', namespace: 'inf', body: { metadata: { labels: { v: '2' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually(() => updated.includes('a'), 5_000, 'update of a');

      // Clean close: the informer re-watches from its resourceVersion without listing again.
      const w0 = watches();
      assert.equal(east.closeWatches({ resource: 'pods', namespace: 'inf' }), 1);
      await eventually(() => east.activeWatches === 1 && watches() > w0, 5_000, 're-watch');
      await create('b');
      await eventually(() => added.includes('b'), 5_000, 'add of b');
      assert.equal(lists(), 1, 'no re-list after a clean close');

      // 410 as an ERROR event on the stream: the informer re-lists.
      assert.equal(east.expireWatches({ resource: 'pods' }), 1);
      await create('c');
      await eventually(
        () => added.includes('c') && lists() === 2,
        10_000,
        'relist after ERROR 410',
      );

      // 410 as the HTTP status of the watch request: re-list again.
      east.failNextWatch(410);
      await eventually(() => east.activeWatches === 1, 5_000, 'watch open');
      east.closeWatches();
      await eventually(
        () => lists() === 3 && east.activeWatches === 1,
        10_000,
        'relist after HTTP 410',
      );
      await core.deleteNamespacedPod({ name: 'b', namespace: 'inf' });
      await eventually(() => deleted.includes('b'), 5_000, 'delete of b');

      // 500 on the watch: the error callback fires and the informer stops until started again.
      east.failNextWatch(500);
      east.closeWatches();
      await eventually(() => errors.length > 0, 10_000, 'error callback');
      assert.equal(errors[0].statusCode, 500);
      await create('d');
      await sleep(300);
      assert.equal(added.includes('d'), false, 'a stopped informer sees nothing');
      assert.equal(east.activeWatches, 0);
      await informer.start();
      await eventually(() => added.includes('d'), 10_000, 'add of d after restart');
      await create('e');
      await eventually(() => added.includes('e'), 5_000, 'add of e');
      assert.deepEqual(
        informer
          .list('inf')
          .map((p) => p.metadata!.name)
          .sort(),
        ['a', 'c', 'd', 'e'],
      );
    } finally {
      stopping = true;
      await informer.stop();
    }
  });

  test('watch with a label selector sees selector transitions as ADDED and DELETED', async () => {
    await core.createNamespacedPod({ namespace: 'inf', body: pod('t', { role: 'worker' }) });
    const list = await core.listNamespacedPod({ namespace: 'inf', labelSelector: 'role=worker' });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      '/api/v1/namespaces/inf/pods',
      { labelSelector: 'role=worker', resourceVersion: list.metadata!.resourceVersion },
      (type, obj: k8s.V1Pod) =>
        events.push(`${type} ${obj.metadata?.name} ${obj.metadata?.labels?.role}`),
      () => undefined,
    );
    try {
      const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
      await core.patchNamespacedPod(
        { name: 't', namespace: 'inf', body: { metadata: { labels: { role: 'leader' } } } },
        merge,
      );
      await core.patchNamespacedPod(
        { name: 't', namespace: 'inf', body: { metadata: { labels: { role: 'worker' } } } },
        merge,
      );
      await eventually(() => events.length >= 2, 5_000, 'two events');
      assert.deepEqual(events, ['DELETED t worker', 'ADDED t worker']);
    } finally {
      req.abort();
    }
  });
});
