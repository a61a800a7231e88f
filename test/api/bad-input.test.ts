import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  APPLY,
  REGISTER,
  codes,
  startApi,
  tokenKubeconfig,
  type ApiHarness,
} from '../support/api-harness';
import { examplesDir } from '../support/paths';

const sampleText = readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8');
const sample = parse(sampleText);
const variant = (patch: (doc: any) => void): string => {
  const doc = structuredClone(sample);
  patch(doc);
  return JSON.stringify(doc);
};

interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  code: string;
  /** Expected in the message or in one of the field errors. */
  expect: RegExp;
  field?: string;
}

const applyCase = (
  name: string,
  manifest: string,
  expect: RegExp,
  field?: string,
  extra: Record<string, unknown> = {},
): Case => ({
  name,
  query: APPLY,
  variables: { input: { manifest, ...extra } },
  code: 'BAD_USER_INPUT',
  expect,
  field,
});

const corpus: Case[] = [
  applyCase(
    'malformed YAML',
    'apiVersion: leaderworkerset.x-k8s.io/v1\nkind: [unclosed',
    /yaml|YAML|line/,
  ),
  applyCase(
    'malformed JSON',
    '{"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": ',
    /line|JSON|YAML/,
  ),
  applyCase(
    'wrong kind',
    variant((d) => (d.kind = 'Deployment')),
    /kind/,
    'kind',
  ),
  applyCase(
    'wrong apiVersion',
    variant((d) => (d.apiVersion = 'leaderworkerset.x-k8s.io/v2')),
    /apiVersion/,
    'apiVersion',
  ),
  applyCase(
    '5 MiB manifest',
    sampleText + '\n# ' + 'x'.repeat(5 * 1024 * 1024),
    /MiB|bytes|too large|limit/i,
  ),
  applyCase(
    'invalid name',
    variant((d) => (d.metadata.name = '2cube')),
    /metadata\.name/,
    'metadata.name',
  ),
  applyCase(
    'name with capitals',
    variant((d) => (d.metadata.name = 'Sample')),
    /metadata\.name/,
    'metadata.name',
  ),
  applyCase(
    'replicas of the wrong type',
    variant((d) => (d.spec.replicas = 'three')),
    /spec\.replicas/,
    'spec.replicas',
  ),
  applyCase(
    'negative size',
    variant((d) => (d.spec.leaderWorkerTemplate.size = -1)),
    /spec\.leaderWorkerTemplate\.size/,
    'spec.leaderWorkerTemplate.size',
  ),
  applyCase('empty manifest', '', /empty|required|manifest/i),
  applyCase(
    'unknown cluster',
    sampleText.replace(/name: (\S+)/, 'name: $1-elsewhere'),
    /cluster nowhere is not registered/,
    'cluster',
    { cluster: 'nowhere' },
  ),
  applyCase(
    'moving a placed LWS to another cluster',
    sampleText,
    /placed on cluster east; moving it to west is not supported/,
    'cluster',
    { cluster: 'west' },
  ),
  {
    name: 'malformed kubeconfig',
    query: `mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { name } }`,
    variables: { input: { name: 'west', kubeconfig: 'this: [is not' } },
    code: 'BAD_USER_INPUT',
    expect: /not valid YAML/,
    field: 'kubeconfig',
  },
  {
    name: 'kubeconfig without credentials',
    query: `mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { name } }`,
    variables: {
      input: { name: 'west', kubeconfig: tokenKubeconfig('west').replace(/token: .*/, 'foo: bar') },
    },
    code: 'BAD_USER_INPUT',
    expect: /no credentials/,
    field: 'kubeconfig.users[west-admin].user',
  },
  {
    name: 'invalid cluster name',
    query: `mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { name } }`,
    variables: { input: { name: 'West_1', kubeconfig: tokenKubeconfig('west') } },
    code: 'BAD_USER_INPUT',
    expect: /DNS-1123/,
    field: 'name',
  },
  {
    name: 'over-deep query',
    query: `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`,
    variables: {},
    code: 'GRAPHQL_VALIDATION_FAILED',
    expect: /exceeds maximum operation depth of 12/,
  },
  {
    name: 'oversize query (aliases)',
    query: `{ ${Array.from({ length: 2500 }, (_, i) => `a${i}: clusters { name }`).join(' ')} }`,
    variables: {},
    code: 'GRAPHQL_VALIDATION_FAILED',
    expect: /selects 5000 fields; the limit is 2000/,
  },
  {
    name: 'negative page size',
    query: `{ leaderWorkerSets(first: -1) { edges { cursor } } }`,
    variables: {},
    code: 'BAD_USER_INPUT',
    expect: /first must be a non-negative integer/,
    field: 'first',
  },
  {
    name: 'forged cursor',
    query: `{ leaderWorkerSets(after: "not-a-cursor") { edges { cursor } } }`,
    variables: {},
    code: 'BAD_USER_INPUT',
    expect: /after is not a cursor/,
    field: 'after',
  },
];

describe('bad input gets a clear error and changes nothing', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi('bad_input');
    assert.deepEqual(
      codes(
        await api.gql(REGISTER, { input: { name: 'east', kubeconfig: tokenKubeconfig('east') } }),
      ),
      [],
    );
    assert.deepEqual(codes(await api.gql(APPLY, { input: { manifest: sampleText } })), []);
  });
  after(async () => api?.close());

  for (const c of corpus) {
    test(c.name, async () => {
      const before = await api.snapshot();
      const res = await api.gql(c.query, c.variables);
      assert.equal(res.data?.applyLeaderWorkerSet ?? res.data?.registerCluster ?? null, null);
      assert.deepEqual(codes(res), [c.code], JSON.stringify(res.errors));
      const error = res.errors![0];
      const texts = [
        error.message,
        ...((error.extensions?.fieldErrors as any[]) ?? []).map((f) => f.message),
      ];
      assert.ok(
        texts.some((t) => c.expect.test(t)),
        `expected ${c.expect} in ${JSON.stringify(texts).slice(0, 500)}`,
      );
      if (c.field) {
        const fields = ((error.extensions?.fieldErrors as any[]) ?? []).map((f) => f.field);
        assert.ok(
          fields.includes(c.field),
          `expected field ${c.field} in ${JSON.stringify(fields)}`,
        );
      }
      assert.ok(!JSON.stringify(res).includes('sim-token'), 'no secret in an error');
      assert.deepEqual(await api.snapshot(), before, 'the event log and read models are unchanged');
    });
  }

  test('several violations in one manifest are all reported, each with its path', async () => {
    const res = await api.gql(APPLY, {
      input: {
        manifest: variant((d) => {
          d.metadata.name = 'multi';
          d.spec.replicas = -1;
          d.spec.leaderWorkerTemplate.size = 0;
        }),
      },
    });
    assert.deepEqual(codes(res), ['BAD_USER_INPUT']);
    const fields = res.errors![0].extensions!.fieldErrors.map((f: any) => f.field);
    assert.ok(fields.includes('spec.replicas'), JSON.stringify(fields));
    assert.ok(fields.includes('spec.leaderWorkerTemplate.size'), JSON.stringify(fields));
  });
});
