/**
 * The wire protocol at the HTTP level: discovery (legacy and aggregated), /version, OpenAPI,
 * content negotiation and Tables, Status errors, watch starting points and timeouts, and the
 * manual clock seen through ages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { SimCluster } from '../src/sim';
import { startFleet, type TestFleet } from './helpers';

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

type Json = Record<string, unknown> & {
  kind?: string;
  items?: Json[];
  metadata?: Json;
  code?: number;
  reason?: string;
  message?: string;
};

describe('HTTP API', { timeout: 60_000 }, () => {
  let fleet: TestFleet;
  let east: SimCluster;
  let base: string;
  const get = async (
    path: string,
    accept?: string,
  ): Promise<{ status: number; type: string; body: Json }> => {
    const r = await fetch(base + path, { headers: accept ? { Accept: accept } : {} });
    return {
      status: r.status,
      type: r.headers.get('content-type') ?? '',
      body: (await r.json()) as Json,
    };
  };
  const send = async (
    method: string,
    path: string,
    body: unknown,
    contentType = 'application/json',
  ) => {
    const r = await fetch(base + path, {
      method,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'Content-Type': contentType },
    });
    return {
      status: r.status,
      type: r.headers.get('content-type') ?? '',
      body: (await r.json()) as Json,
    };
  };

  before(async () => {
    fleet = await startFleet({
      controllers: false,
      clock: 'manual',
      startTime: Date.parse('2026-03-01T12:00:00Z'),
    });
    east = fleet.sim.cluster('east');
    base = east.url;
  });

  after(async () => {
    await fleet.stop();
  });

  test('legacy and aggregated discovery, /version, health', async () => {
    let r = await get('/api');
    assert.equal(r.body.kind, 'APIVersions');
    assert.deepEqual(r.body.versions, ['v1']);
    r = await get('/apis');
    assert.equal(r.body.kind, 'APIGroupList');
    const groups = (r.body.groups as Array<{ name: string }>).map((g) => g.name);
    assert.deepEqual(groups.sort(), ['coordination.k8s.io', 'events.k8s.io']);
    r = await get('/api', AGGREGATED_ACCEPT);
    assert.match(r.type, /g=apidiscovery\.k8s\.io;v=v2;as=APIGroupDiscoveryList/);
    const core = (r.body.items as Array<{ versions: Array<{ resources: Array<Json> }> }>)[0];
    const pods = core.versions[0].resources.find((x) => x.resource === 'pods')!;
    assert.equal(pods.scope, 'Namespaced');
    assert.deepEqual(pods.shortNames, ['po']);
    assert.deepEqual(
      (pods.subresources as Array<{ subresource: string }>).map((s) => s.subresource),
      ['status', 'binding', 'log'],
    );
    r = await get('/api/v1');
    assert.equal(r.body.kind, 'APIResourceList');
    const names = (r.body.resources as Array<{ name: string }>).map((x) => x.name);
    for (const n of [
      'pods',
      'pods/status',
      'pods/binding',
      'nodes',
      'services',
      'persistentvolumeclaims',
      'configmaps',
      'events',
      'namespaces',
    ]) {
      assert.ok(names.includes(n), n);
    }
    r = await get('/apis/coordination.k8s.io');
    assert.equal(r.body.kind, 'APIGroup');
    r = await get('/version');
    assert.equal(r.body.major, '1');
    assert.equal(r.body.minor, '32');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    r = await get('/apis/apps/v1');
    assert.equal(r.status, 404);
    assert.equal(r.body.reason, 'NotFound');
  });

  test('OpenAPI v3 declares field validation for every kind', async () => {
    const index = await get('/openapi/v3');
    const paths = index.body.paths as Record<string, { serverRelativeURL: string }>;
    assert.ok(paths['api/v1']);
    const doc = await get(paths['api/v1'].serverRelativeURL);
    const podPatch = (doc.body.paths as Record<string, Json>)[
      '/api/v1/namespaces/{namespace}/pods/{name}'
    ].patch as Json;
    assert.deepEqual(podPatch['x-kubernetes-group-version-kind'], {
      group: '',
      version: 'v1',
      kind: 'Pod',
    });
    assert.ok(
      (podPatch.parameters as Array<{ name: string }>).some((p) => p.name === 'fieldValidation'),
    );
    const v2 = await fetch(`${base}/openapi/v2`, {
      headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
    });
    assert.equal(v2.status, 200);
    assert.equal(
      Buffer.from(await v2.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
      '\n\x032.0',
    );
  });

  test('Tables for lists and single objects, with ages from the simulated clock', async () => {
    await send('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 't-0', labels: { rack: 'r1' } },
      spec: {
        containers: [
          { name: 'a', image: 'nginx' },
          { name: 'b', image: 'nginx' },
        ],
      },
    });
    fleet.sim.advanceClock(125_000);
    let r = await get('/api/v1/namespaces/default/pods', TABLE_ACCEPT);
    assert.equal(r.body.kind, 'Table');
    assert.deepEqual(
      (r.body.columnDefinitions as Array<{ name: string; priority: number }>)
        .filter((c) => c.priority === 0)
        .map((c) => c.name),
      ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
    );
    const row = (r.body.rows as Array<{ cells: unknown[]; object: Json }>)[0];
    assert.deepEqual(row.cells.slice(0, 5), ['t-0', '0/2', 'Pending', '0', '2m5s']);
    assert.equal(row.object.kind, 'PartialObjectMetadata');
    assert.deepEqual((row.object.metadata as Json).labels, { rack: 'r1' });
    r = await get('/api/v1/namespaces/default/pods/t-0', TABLE_ACCEPT);
    assert.equal((r.body.rows as unknown[]).length, 1);
    r = await get('/api/v1/namespaces/default/pods?includeObject=None', TABLE_ACCEPT);
    assert.equal((r.body.rows as Array<{ object?: unknown }>)[0].object, undefined);
    r = await get('/api/v1/namespaces/default/pods', 'application/json, */*;q=0.8');
    assert.equal(r.body.kind, 'PodList');
    assert.equal(r.type, 'application/json');
  });

  test('Status errors: 404, 405, 409, 400, 415, 422', async () => {
    let r = await get('/api/v1/namespaces/default/pods/nope');
    assert.deepEqual(
      [r.status, r.body.reason, r.body.message],
      [404, 'NotFound', 'pods "nope" not found'],
    );
    assert.deepEqual(r.body.details, { name: 'nope', kind: 'pods' });
    r = await get('/apis/coordination.k8s.io/v1/namespaces/default/leases/x');
    assert.equal(r.body.message, 'leases.coordination.k8s.io "x" not found');
    r = await send('PUT', '/api/v1/namespaces/default/pods', {});
    assert.equal(r.status, 405);
    r = await send('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 't-0' },
      spec: { containers: [{ name: 'a', image: 'x' }] },
    });
    assert.deepEqual([r.status, r.body.reason], [409, 'AlreadyExists']);
    r = await send('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'x', namespace: 'other' },
      spec: {},
    });
    assert.deepEqual([r.status, r.body.reason], [400, 'BadRequest']);
    assert.match(r.body.message!, /does not match the namespace/);
    r = await send('POST', '/api/v1/namespaces/default/pods', '{not json');
    assert.equal(r.status, 400);
    r = await send('PATCH', '/api/v1/namespaces/default/pods/t-0', '{}', 'text/plain');
    assert.deepEqual([r.status, r.body.reason], [415, 'UnsupportedMediaType']);
    r = await get('/api/v1/namespaces/default/pods?fieldSelector=spec.bogus%3D1');
    assert.deepEqual([r.status, r.body.message], [400, 'field label not supported: spec.bogus']);
    r = await get('/api/v1/namespaces/default/pods?labelSelector=a%3D(');
    assert.equal(r.status, 400);
    r = await send('POST', '/api/v1/namespaces/default/services', {
      metadata: { name: 'Bad.Name' },
      spec: {},
    });
    assert.deepEqual([r.status, r.body.reason], [422, 'Invalid']);
    assert.equal(
      ((r.body.details as Json).causes as Array<{ field: string }>)[0].field,
      'metadata.name',
    );
  });

  test('server-side apply (approximated): creates when absent, merges when present; needs a fieldManager', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { a: '1' } };
    let r = await send(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/ssa',
      cm,
      'application/apply-patch+yaml',
    );
    assert.equal(r.status, 400);
    r = await send(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/ssa?fieldManager=t',
      cm,
      'application/apply-patch+yaml',
    );
    assert.equal(r.status, 201);
    r = await send(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/ssa?fieldManager=t',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {b: "2"}\n',
      'application/apply-patch+yaml',
    );
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { a: '1', b: '2' });
  });

  test('watch starting points: none/0 replay current objects, N replays changes after N; timeoutSeconds ends it', async () => {
    const read = async (url: string): Promise<Array<{ type: string; object: Json }>> => {
      const r = await fetch(base + url);
      return (await r.text())
        .trim()
        .split('\n')
        .filter((l) => l)
        .map((l) => JSON.parse(l));
    };
    const rv = east.store.resourceVersion;
    await send('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'w1' } });
    await send('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'w2' } });
    const t = performance.now();
    let events = await read('/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1');
    assert.ok(performance.now() - t >= 900, 'the watch lasted timeoutSeconds');
    assert.deepEqual(
      events.map((e) => `${e.type}:${(e.object.metadata as Json).name}`),
      ['ADDED:ssa', 'ADDED:w1', 'ADDED:w2'],
    );
    events = await read(
      `/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&resourceVersion=${rv + 1}`,
    );
    assert.deepEqual(
      events.map((e) => `${e.type}:${(e.object.metadata as Json).name}`),
      ['ADDED:w2'],
    );
    events = await read(
      '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&resourceVersion=0&fieldSelector=metadata.name%3Dw1',
    );
    assert.deepEqual(
      events.map((e) => `${e.type}:${(e.object.metadata as Json).name}`),
      ['ADDED:w1'],
    );
    const r = await fetch(
      `${base}/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&resourceVersion=0`,
      {
        headers: { Accept: TABLE_ACCEPT },
      },
    );
    const tables = (await r.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { object: { kind: string; columnDefinitions: unknown[] } });
    assert.ok(tables.every((e) => e.object.kind === 'Table'));
    assert.ok(tables[0].object.columnDefinitions.length > 0, 'headers on the first event');
    assert.ok(
      tables.slice(1).every((e) => e.object.columnDefinitions.length === 0),
      'rows only afterwards',
    );
  });

  test('WatchList (sendInitialEvents) ends the initial events with an annotated BOOKMARK; Exact list of an old RV is 410', async () => {
    const r = await fetch(
      `${base}/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dw1`,
    );
    const events = (await r.text())
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            object: { metadata: { name?: string; annotations?: Record<string, string> } };
          },
      );
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'BOOKMARK'],
    );
    assert.equal(events[1].object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
    const old = await get(
      `/api/v1/namespaces/default/configmaps?resourceVersion=1&resourceVersionMatch=Exact`,
    );
    assert.deepEqual([old.status, old.body.reason], [410, 'Expired']);
  });

  test('field validation: Strict refuses unknown fields, Warn drops them with a Warning header', async () => {
    const body = JSON.stringify({
      metadata: { name: 'fv', labelz: { a: 'b' } },
      dta: { a: '1' },
      data: { b: '2' },
    });
    let r = await fetch(`${base}/api/v1/namespaces/default/configmaps?fieldValidation=Strict`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(r.status, 400);
    assert.equal(
      ((await r.json()) as { message: string }).message,
      'strict decoding error: unknown field "dta", unknown field "metadata.labelz"',
    );
    r = await fetch(`${base}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(r.status, 201);
    assert.match(r.headers.get('warning') ?? '', /299 - "unknown field \\"dta\\""/);
    const stored = east.store.get('configmaps', 'default', 'fv')!;
    assert.equal(stored.dta, undefined);
    assert.deepEqual(stored.data, { b: '2' });
    const p = await send(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/fv?fieldValidation=Strict',
      { bogus: 1 },
      'application/merge-patch+json',
    );
    assert.equal(p.status, 400);
  });

  test('the manual clock moves through the admin API', async () => {
    const before = (await get('/__sim/clock')).body;
    assert.equal(before.mode, 'manual');
    const r = await send('POST', '/__sim/clock/advance', { ms: 60_000 });
    assert.equal(r.status, 200);
    assert.equal(Date.parse(r.body.now as string) - Date.parse(before.now as string), 60_000);
  });
});
