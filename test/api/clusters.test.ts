import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  APPLY,
  REGISTER,
  codes,
  startApi,
  tokenKubeconfig,
  type ApiHarness,
} from '../support/api-harness';
import { examplesDir } from '../support/paths';

const TOKEN = 'very-secret-token-4711';

describe('clusters', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi('clusters');
  });
  after(async () => api?.close());

  test('registerCluster validates, stores the kubeconfig sealed, and never returns it', async () => {
    const res = await api.gql(REGISTER, {
      input: { name: 'east', kubeconfig: tokenKubeconfig('east', 'http://127.0.0.1:7001', TOKEN) },
    });
    assert.deepEqual(codes(res), []);
    assert.deepEqual(
      { ...res.data!.registerCluster, registeredAt: undefined },
      {
        name: 'east',
        server: 'http://127.0.0.1:7001',
        credentialKind: 'token',
        registeredBy: 'tester',
        registeredAt: undefined,
      },
    );
    const list = await api.gql(`{ clusters { name server healthy nodes lastSeen } }`);
    assert.deepEqual(list.data!.clusters, [
      { name: 'east', server: 'http://127.0.0.1:7001', healthy: null, nodes: null, lastSeen: null },
    ]);
    const introspection = await api.gql(`{ __type(name: "Cluster") { fields { name } } }`);
    assert.ok(
      !introspection.data!.__type.fields.some((f: any) => /kubeconfig|token/i.test(f.name)),
    );
    // At rest: neither the read model nor the event log holds the token in the clear.
    const stored = JSON.stringify(
      await api.server.dataSource.query(
        `SELECT c.*, e.data FROM clusters c, events e WHERE e.stream_id = 'Cluster-east'`,
      ),
    );
    assert.ok(stored.includes('v1:'), 'sealed form is stored');
    assert.ok(!stored.includes(TOKEN), 'the token is not stored in the clear');
  });

  test('registering a name twice is a CONFLICT', async () => {
    const res = await api.gql(REGISTER, {
      input: { name: 'east', kubeconfig: tokenKubeconfig('east') },
    });
    assert.deepEqual(codes(res), ['CONFLICT']);
    assert.match(res.errors![0].message, /already registered/);
  });

  test('removeCluster refuses while an LWS is placed on it, and works once it is gone', async () => {
    const manifest = readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8');
    const applied = await api.gql(APPLY, { input: { manifest } });
    assert.deepEqual(codes(applied), []);
    const refused = await api.gql(`mutation { removeCluster(name: "east") }`);
    assert.deepEqual(codes(refused), ['CONFLICT']);
    assert.match(refused.errors![0].message, /still has 1 LeaderWorkerSet placed on it/);
    assert.equal((await api.gql(`{ clusters { name } }`)).data!.clusters.length, 1);

    await api.gql(
      `mutation { deleteLeaderWorkerSet(name: "${applied.data!.applyLeaderWorkerSet.name}") }`,
    );
    const removed = await api.gql(`mutation { removeCluster(name: "east") }`);
    assert.deepEqual(codes(removed), []);
    assert.deepEqual((await api.gql(`{ clusters { name } }`)).data!.clusters, []);
    const missing = await api.gql(`mutation { removeCluster(name: "east") }`);
    assert.deepEqual(codes(missing), ['NOT_FOUND']);
  });

  test('with no cluster registered, apply says to register one', async () => {
    const res = await api.gql(APPLY, {
      input: { manifest: readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8') },
    });
    assert.deepEqual(codes(res), ['BAD_USER_INPUT']);
    assert.match(res.errors![0].message, /no cluster is registered/);
  });
});
