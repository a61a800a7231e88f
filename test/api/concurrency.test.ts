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

const sample = parse(readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8'));

function manifest(name: string, replicas: number): string {
  return JSON.stringify({
    ...sample,
    metadata: { ...sample.metadata, name },
    spec: { ...sample.spec, replicas },
  });
}

describe('concurrent applies', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi('concurrency');
    assert.deepEqual(
      codes(
        await api.gql(REGISTER, { input: { name: 'east', kubeconfig: tokenKubeconfig('east') } }),
      ),
      [],
    );
  });
  after(async () => api?.close());

  test('two applies with the same expectedGeneration at once: exactly one wins, the other gets CONFLICT', async () => {
    assert.deepEqual(codes(await api.gql(APPLY, { input: { manifest: manifest('race', 1) } })), []);
    for (let round = 0; round < 5; round++) {
      const generation = (await api.gql(`{ leaderWorkerSet(name: "race") { generation } }`)).data!
        .leaderWorkerSet.generation;
      const [a, b] = await Promise.all([
        api.gql(APPLY, {
          input: { manifest: manifest('race', 10 + round), expectedGeneration: generation },
        }),
        api.gql(APPLY, {
          input: { manifest: manifest('race', 20 + round), expectedGeneration: generation },
        }),
      ]);
      const outcome = [codes(a), codes(b)].map((c) => c.join(',')).sort();
      assert.deepEqual(
        outcome,
        ['', 'CONFLICT'],
        `round ${round}: ${JSON.stringify([a.errors, b.errors])}`,
      );
      const winner = (codes(a).length === 0 ? a : b).data!.applyLeaderWorkerSet;
      const now = (await api.gql(`{ leaderWorkerSet(name: "race") { generation spec } }`)).data!
        .leaderWorkerSet;
      assert.equal(now.generation, generation + 1);
      assert.equal(
        now.spec.replicas,
        winner.spec.replicas,
        'the stored state is the winner’s, nothing lost or mixed',
      );
    }
  });

  test('concurrent creates of one name without expectations make exactly one LWS and lose nothing', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => api.gql(APPLY, { input: { manifest: manifest('herd', 3) } })),
    );
    for (const r of results) assert.deepEqual(codes(r), [], JSON.stringify(r.errors));
    const uids = new Set(results.map((r) => r.data!.applyLeaderWorkerSet.uid));
    assert.equal(uids.size, 1);
    const rows = await api.server.dataSource.query(
      `SELECT count(*)::int AS n FROM leader_worker_sets WHERE name = 'herd'`,
    );
    assert.equal(rows[0].n, 1);
    const events = await api.server.dataSource.query(
      `SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_position`,
      [`LeaderWorkerSet-${[...uids][0]}`],
    );
    assert.deepEqual(
      events.map((e: { type: string }) => e.type),
      ['LeaderWorkerSetCreated', 'RevisionCreated'],
    );
  });

  test('concurrent updates without expectations all land, one after another', async () => {
    await api.gql(APPLY, { input: { manifest: manifest('counter', 1) } });
    const replicas = [2, 3, 4, 5, 6, 7];
    const results = await Promise.all(
      replicas.map((r) => api.gql(APPLY, { input: { manifest: manifest('counter', r) } })),
    );
    for (const r of results) assert.deepEqual(codes(r), [], JSON.stringify(r.errors));
    const lws = (
      await api.gql(
        `{ leaderWorkerSet(name: "counter") { generation events(first: 100) { edges { node { type data } } } } }`,
      )
    ).data!.leaderWorkerSet;
    const updates = lws.events.edges.filter((e: any) => e.node.type === 'LeaderWorkerSetUpdated');
    // Each apply that found a different replicas value recorded an update; none was lost silently.
    assert.equal(lws.generation, 1 + updates.length);
    assert.ok(updates.length >= 1 && updates.length <= replicas.length);
  });
});
