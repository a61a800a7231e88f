/**
 * API faults and the admin API: every fault observably happens, and is undone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { SimCluster } from '../src/sim';
import { StoreError } from '../src/store/types';
import { eventually, sleep, startFleet, type TestFleet } from './helpers';

interface OpenWatch {
  status: number;
  lines: string[];
  events: Array<{
    type: string;
    object: {
      metadata?: { name?: string; resourceVersion?: string };
      code?: number;
      reason?: string;
    };
  }>;
  ended: Promise<void>;
  isEnded(): boolean;
  abort(): void;
}

async function openWatch(url: string): Promise<OpenWatch> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  const w: OpenWatch = {
    status: res.status,
    lines: [],
    events: [],
    ended: Promise.resolve(),
    isEnded: () => ended,
    abort: () => ac.abort(),
  };
  let ended = false;
  w.ended = (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          w.lines.push(line);
          if (res.status === 200) w.events.push(JSON.parse(line));
        }
      }
      if (buf.trim()) w.lines.push(buf);
    } catch {
      // aborted
    } finally {
      ended = true;
    }
  })();
  return w;
}

const cm = (name: string): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });

describe('API faults and the admin API', { timeout: 120_000 }, () => {
  let fleet: TestFleet;
  let east: SimCluster;
  let west: SimCluster;
  let base: string;
  let n = 0;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(base + path, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
  const createCm = () => post('/api/v1/namespaces/default/configmaps', cm(`cm-${n++}`));
  const admin = async (method: string, path: string, body?: unknown, on: SimCluster = east) => {
    const res = await fetch(`${on.url}/__sim/${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    fleet = await startFleet({ clusters: ['east', 'west'] });
    east = fleet.sim.cluster('east');
    west = fleet.sim.cluster('west');
    base = east.url;
  });

  after(async () => {
    await fleet.stop();
  });

  test('error rules by verb and resource, with a count', async () => {
    east.injectError({ status: 503, verbs: ['list'], resources: ['pods'], count: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${base}/api/v1/namespaces/default/pods`);
      assert.equal(r.status, 503);
      const s = (await r.json()) as { kind: string; reason: string; code: number };
      assert.equal(s.kind, 'Status');
      assert.equal(s.reason, 'ServiceUnavailable');
      assert.equal(s.code, 503);
    }
    assert.equal((await fetch(`${base}/api/v1/namespaces/default/pods`)).status, 200);
    assert.equal(east.listFaults().length, 0, 'a counted rule removes itself');
    const other = east.injectError({ status: 500, verbs: ['get'], resources: ['nodes'] });
    assert.equal(
      (await fetch(`${base}/api/v1/namespaces/default/configmaps`)).status,
      200,
      'other resources unaffected',
    );
    const r = await fetch(`${base}/api/v1/nodes/east-a-r1-gpu-1`);
    assert.equal(r.status, 500);
    assert.equal(((await r.json()) as { reason: string }).reason, 'InternalError');
    assert.equal(east.removeFault(other), true);
    assert.equal((await fetch(`${base}/api/v1/nodes/east-a-r1-gpu-1`)).status, 200);
    // A rule with a duration removes itself.
    east.injectError({ status: 500, verbs: ['list'], resources: ['configmaps'], durationMs: 200 });
    assert.equal((await fetch(`${base}/api/v1/namespaces/default/configmaps`)).status, 500);
    await eventually(() => east.listFaults().length === 0, 3_000, 'the timed rule to expire');
    assert.equal((await fetch(`${base}/api/v1/namespaces/default/configmaps`)).status, 200);
  });

  test('429 carries Retry-After; 409 forced on writes; a rate hits about that fraction', async () => {
    const id = east.injectError({ status: 429, verbs: ['create'], retryAfterSeconds: 2 });
    let r = await createCm();
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '2');
    const s = (await r.json()) as { reason: string; details: { retryAfterSeconds: number } };
    assert.equal(s.reason, 'TooManyRequests');
    assert.equal(s.details.retryAfterSeconds, 2);
    east.removeFault(id);
    r = await createCm();
    assert.equal(r.status, 201);
    const created = (await r.json()) as { metadata: { name: string } };

    east.injectError({ status: 409, verbs: ['update', 'patch'], resources: ['configmaps'] });
    r = await fetch(`${base}/api/v1/namespaces/default/configmaps/${created.metadata.name}`, {
      method: 'PATCH',
      body: '{"data":{"b":"2"}}',
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    assert.equal(r.status, 409);
    assert.equal(((await r.json()) as { reason: string }).reason, 'Conflict');
    east.clearFaults();

    east.injectError({ status: 500, verbs: ['get'], resources: ['namespaces'], rate: 0.5 });
    let failed = 0;
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${base}/api/v1/namespaces/default`)).status === 500) failed++;
    }
    east.clearFaults();
    assert.ok(failed > 25 && failed < 75, `about half failed, got ${failed}`);
    assert.equal((await fetch(`${base}/api/v1/namespaces/default`)).status, 200);
  });

  test('latency', async () => {
    const before = east.requestLog.filter((e) => e.verb === 'get' && e.name === 'default').length;
    const id = east.injectLatency({ latencyMs: 250, verbs: ['get'] });
    const t = performance.now();
    assert.equal((await fetch(`${base}/api/v1/namespaces/default`)).status, 200);
    assert.ok(performance.now() - t >= 240, 'slowed down');
    east.removeFault(id);
    await fetch(`${base}/api/v1/namespaces/default`);
    // Server-side latency from the request log: immune to client-side scheduling noise.
    const gets = () => east.requestLog.filter((e) => e.verb === 'get' && e.name === 'default');
    await eventually(() => gets().length >= before + 2, 2_000, 'both requests logged');
    const [slow, fast] = gets().slice(before, before + 2);
    assert.ok(slow.latencyMs >= 240, `slow request took ${slow.latencyMs} ms`);
    assert.ok(fast.latencyMs < 100, `fast request took ${fast.latencyMs} ms`);
  });

  test('watch close, expire (ERROR 410 event), stall, bookmarks', async () => {
    const watchUrl = (rv: string, extra = '') =>
      `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}${extra}`;
    const rv = () => String(east.store.resourceVersion);

    let w = await openWatch(watchUrl(rv()));
    assert.equal(w.status, 200);
    await createCm();
    await eventually(() => w.events.length === 1, 3_000, 'event');
    assert.equal(w.events[0].type, 'ADDED');
    assert.equal(east.closeWatches({ resource: 'configmaps' }), 1);
    await w.ended;
    assert.equal(w.events.length, 1, 'a clean close sends nothing more');

    w = await openWatch(watchUrl(rv()));
    await eventually(() => east.activeWatches >= 1, 3_000, 'watch registered');
    east.expireWatches({ resource: 'configmaps' });
    await w.ended;
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0].type, 'ERROR');
    assert.equal(w.events[0].object.code, 410);
    assert.equal(w.events[0].object.reason, 'Expired');

    w = await openWatch(watchUrl(rv(), '&allowWatchBookmarks=true'));
    east.stallWatches(true);
    await createCm();
    await sleep(300);
    assert.equal(w.events.length, 0, 'a stalled watch delivers nothing');
    east.stallWatches(false);
    await eventually(() => w.events.length === 1, 3_000, 'backlog after un-stall');
    assert.ok(east.sendBookmarks() >= 1);
    await eventually(() => w.events.some((e) => e.type === 'BOOKMARK'), 3_000, 'bookmark');
    w.abort();
    await w.ended;
  });

  test('watch event lag, and connections reset mid-stream', async () => {
    const rv = String(east.store.resourceVersion);
    const w = await openWatch(
      `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`,
    );
    east.setWatchDelay(300);
    const t = performance.now();
    await createCm();
    await eventually(() => w.events.length === 1, 3_000, 'delayed event');
    assert.ok(performance.now() - t >= 280, 'the event arrived late');
    east.setWatchDelay(0);
    assert.ok(east.resetConnections() >= 1);
    await w.ended;
    assert.equal(w.isEnded(), true);
    const again = await fetch(`${base}/api/v1/namespaces/default/configmaps`);
    assert.equal(again.status, 200, 'new connections work');
  });

  test('compaction: watches from before it get 410 (ERROR event); failNextWatch gives HTTP 410', async () => {
    const old = String(east.store.resourceVersion);
    await createCm();
    east.compact();
    let w = await openWatch(
      `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${old}`,
    );
    await w.ended;
    assert.equal(w.status, 200);
    assert.deepEqual(
      w.events.map((e) => [e.type, e.object.code]),
      [['ERROR', 410]],
    );
    const current = String(east.store.resourceVersion);
    w = await openWatch(
      `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${current}`,
    );
    await createCm();
    await eventually(
      () => w.events.length === 1 && w.events[0].type === 'ADDED',
      3_000,
      'resume from now works',
    );
    w.abort();

    east.failNextWatch(410);
    w = await openWatch(
      `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${current}`,
    );
    await w.ended;
    assert.equal(w.status, 410);
    assert.equal(JSON.parse(w.lines[0]).reason, 'Expired');
    w = await openWatch(
      `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${current}`,
    );
    assert.equal(w.status, 200, 'only the next watch fails');
    w.abort();
  });

  test('resourceVersion jump and API server restart with lost history', async () => {
    const before = east.store.resourceVersion;
    east.jumpResourceVersion(1000);
    const list = (await (await fetch(`${base}/api/v1/namespaces/default/configmaps`)).json()) as {
      metadata: { resourceVersion: string };
    };
    assert.ok(Number(list.metadata.resourceVersion) >= before + 1000);
    const w = await openWatch(
      `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${before}`,
    );
    await eventually(() => east.activeWatches >= 1, 3_000, 'watch open');
    east.restartApiServer({ loseHistory: true });
    await w.ended;
    const again = await openWatch(
      `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${before}`,
    );
    await again.ended;
    assert.equal(again.events[0]?.object.code, 410);
  });

  test('refused connections, then healed', async () => {
    await east.refuseConnections();
    await assert.rejects(fetch(`${base}/version`), (err: Error & { cause?: { code?: string } }) => {
      assert.equal(err.cause?.code, 'ECONNREFUSED');
      return true;
    });
    await east.heal();
    assert.equal((await fetch(`${base}/version`)).status, 200);
  });

  test('black-holed connections hang, the admin API still answers, and heal', async () => {
    await east.blackhole();
    await assert.rejects(
      fetch(`${base}/api/v1/namespaces`, { signal: AbortSignal.timeout(300) }),
      /aborted|timeout/i,
    );
    const info = await admin('GET', '');
    assert.equal(info.body.connectionMode, 'blackhole');
    await east.heal();
    assert.equal((await fetch(`${base}/api/v1/namespaces`)).status, 200);
  });

  test('a partitioned cluster keeps running its controllers; heal shows the changes', async () => {
    await west.partition();
    await assert.rejects(
      fetch(`${west.url}/api/v1/namespaces/default/pods`, { signal: AbortSignal.timeout(300) }),
    );
    west.store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'during-partition', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    await west.waitFor(
      (s) =>
        (s.peek('pods', 'default', 'during-partition')?.status as { phase?: string })?.phase ===
        'Running',
      10_000,
    );
    await west.heal();
    const pod = (await (
      await fetch(`${west.url}/api/v1/namespaces/default/pods/during-partition`)
    ).json()) as {
      status: { phase: string };
    };
    assert.equal(pod.status.phase, 'Running');
  });

  test('admin API: faults, request log, write counters, other clusters, timed refusal', async () => {
    let r = await admin('POST', 'faults', {
      status: 500,
      verbs: ['get'],
      resources: ['namespaces'],
    });
    assert.equal(r.status, 200);
    const id = r.body.id as string;
    assert.equal((await fetch(`${base}/api/v1/namespaces/default`)).status, 500);
    r = await admin('GET', 'faults');
    assert.equal((r.body.faults as unknown[]).length, 1);
    r = await admin('DELETE', `faults/${id}`);
    assert.equal(r.body.removed, true);
    assert.equal((await fetch(`${base}/api/v1/namespaces/default`)).status, 200);
    r = await admin('POST', 'faults', { kind: 'latency', latencyMs: 10 });
    assert.match(r.body.id as string, /^latency-/);
    await admin('DELETE', 'faults');
    assert.equal(east.listFaults().length, 0);
    assert.equal((await admin('POST', 'faults', { status: 'x' })).status, 400);

    await admin('DELETE', 'writes');
    await admin('DELETE', 'requests');
    const created = (await (await createCm()).json()) as { metadata: { name: string } };
    await fetch(`${base}/api/v1/namespaces/default/configmaps/${created.metadata.name}`, {
      method: 'PATCH',
      body: '[{"op":"add","path":"/data/x","value":"y"}]',
      headers: { 'Content-Type': 'application/json-patch+json' },
    });
    await fetch(`${base}/api/v1/namespaces/default/configmaps/${created.metadata.name}`, {
      method: 'DELETE',
    });
    await fetch(`${base}/api/v1/namespaces/default/configmaps`);
    r = await admin('GET', 'writes');
    const writes = r.body.writes as Record<string, Record<string, number>>;
    assert.deepEqual(writes.configmaps, {
      create: 1,
      update: 0,
      patch: 1,
      delete: 1,
      deletecollection: 0,
      total: 3,
    });
    assert.equal(east.writes('configmaps'), 3);
    r = await admin('GET', 'requests?resource=configmaps');
    const verbs = (r.body.requests as Array<{ verb: string; status: number }>).map(
      (e) => `${e.verb}:${e.status}`,
    );
    assert.deepEqual(verbs, ['create:201', 'patch:200', 'delete:200', 'list:200']);

    // Refuse east for a while, reach it through west's admin API, and watch it heal by itself.
    r = await admin('POST', 'clusters/east/connections', { mode: 'refuse', durationMs: 400 }, west);
    assert.equal(r.status, 200);
    await eventually(() => east.connectionMode === 'refuse', 2_000, 'refusing');
    await assert.rejects(fetch(`${base}/version`));
    await eventually(
      async () => (await fetch(`${base}/version`)).status === 200,
      5_000,
      'auto heal',
    );
    assert.equal((await admin('GET', 'nope')).status, 404);
  });

  test('admission hooks refuse or mutate API writes, and are removable', async () => {
    const removeQuota = east.addAdmissionHook((req) => {
      if (
        req.verb === 'create' &&
        req.resource === 'configmaps' &&
        req.object?.metadata.name?.startsWith('big-')
      ) {
        throw new StoreError(
          403,
          'Forbidden',
          `configmaps "${req.object.metadata.name}" is forbidden: exceeded quota: q`,
        );
      }
    });
    const removeLabel = east.addAdmissionHook((req) => {
      if (req.object && req.resource === 'configmaps') {
        req.object.metadata.labels = { ...req.object.metadata.labels, admitted: 'yes' };
      }
    });
    let r = await post('/api/v1/namespaces/default/configmaps', cm('big-1'));
    assert.equal(r.status, 403);
    assert.match(((await r.json()) as { message: string }).message, /exceeded quota/);
    r = await post('/api/v1/namespaces/default/configmaps', cm('small-1'));
    assert.equal(r.status, 201);
    assert.equal(
      ((await r.json()) as { metadata: { labels: Record<string, string> } }).metadata.labels
        .admitted,
      'yes',
    );
    removeQuota();
    removeLabel();
    r = await post('/api/v1/namespaces/default/configmaps', cm('big-2'));
    assert.equal(r.status, 201);
    assert.equal(
      ((await r.json()) as { metadata: { labels?: Record<string, string> } }).metadata.labels,
      undefined,
    );
  });

  test('the DNS view resolves Services and pods by hostname.subdomain', async () => {
    const svc = (name: string, headless: boolean) =>
      JSON.stringify({
        metadata: { name },
        spec: {
          ...(headless ? { clusterIP: 'None', publishNotReadyAddresses: true } : {}),
          selector: { app: 'dns' },
          ports: [{ port: 80 }],
        },
      });
    assert.equal((await post('/api/v1/namespaces/default/services', svc('lws', true))).status, 201);
    assert.equal(
      (await post('/api/v1/namespaces/default/services', svc('front', false))).status,
      201,
    );
    const pod = JSON.stringify({
      metadata: { name: 'lws-0', labels: { app: 'dns' } },
      spec: { hostname: 'lws-0', subdomain: 'lws', containers: [{ name: 'c', image: 'nginx' }] },
    });
    assert.equal((await post('/api/v1/namespaces/default/pods', pod)).status, 201);
    await east.waitFor(
      () => !!(east.store.peek('pods', 'default', 'lws-0')?.status as { podIP?: string })?.podIP,
      10_000,
    );
    const ip = (east.store.get('pods', 'default', 'lws-0')!.status as { podIP: string }).podIP;
    const records = (await admin('GET', 'dns')).body.records as Record<string, string[]>;
    assert.deepEqual(records['lws-0.lws.default.svc.cluster.local'], [ip]);
    assert.deepEqual(records['lws.default.svc.cluster.local'], [ip]);
    const clusterIP = (
      east.store.get('services', 'default', 'front')!.spec as { clusterIP: string }
    ).clusterIP;
    assert.deepEqual(records['front.default.svc.cluster.local'], [clusterIP]);
    assert.deepEqual(east.dns(), records);
  });

  test('admin API routes controller faults and clock', async () => {
    const node = 'east-a-r1-gpu-1';
    let r = await admin('POST', `nodes/${node}/cordon`);
    assert.equal(r.status, 200);
    assert.equal(
      (east.store.get('nodes', undefined, node)!.spec as { unschedulable?: boolean }).unschedulable,
      true,
    );
    await admin('POST', `nodes/${node}/uncordon`);
    assert.notEqual(
      (east.store.get('nodes', undefined, node)!.spec as { unschedulable?: boolean }).unschedulable,
      true,
    );

    r = await admin('POST', 'controllers/scheduler/pause');
    assert.deepEqual(r.body.paused, ['scheduler']);
    const res = await post(
      '/api/v1/namespaces/default/pods',
      JSON.stringify({
        metadata: { name: 'paused-0' },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      }),
    );
    assert.equal(res.status, 201);
    await sleep(200);
    assert.equal(
      (east.store.get('pods', 'default', 'paused-0')!.spec as { nodeName?: string }).nodeName,
      undefined,
    );
    r = await admin('POST', 'controllers/scheduler/resume');
    assert.deepEqual(r.body.paused, []);
    await east.waitFor(
      (s) =>
        (s.peek('pods', 'default', 'paused-0')?.status as { phase?: string })?.phase === 'Running',
      10_000,
    );

    r = await admin('POST', 'pods/default/paused-0/crash', { exitCode: 137, reason: 'OOMKilled' });
    assert.equal(r.status, 200);
    await east.waitFor(() => {
      const statuses = (
        east.store.peek('pods', 'default', 'paused-0')?.status as {
          containerStatuses?: Array<{
            restartCount: number;
            lastState?: { terminated?: { exitCode: number; reason: string } };
          }>;
        }
      )?.containerStatuses;
      const t = statuses?.[0]?.lastState?.terminated;
      return (
        (statuses?.[0]?.restartCount ?? 0) >= 1 && t?.exitCode === 137 && t.reason === 'OOMKilled'
      );
    }, 10_000);
    assert.equal((await admin('POST', 'pods/default/nope/crash')).status, 404);
    assert.equal((await admin('POST', 'controllers/nope/pause')).status, 404);

    r = await admin('POST', 'clock/advance', { ms: 1000 });
    assert.equal(r.status, 409, 'a real clock cannot be advanced');
    r = await admin('GET', 'clock');
    assert.equal(r.body.mode, 'real');
  });
});
