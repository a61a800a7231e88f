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
  type ApiHarness,
  tokenKubeconfig,
} from '../support/api-harness';
import { examplesDir } from '../support/paths';

describe('lists resolve their children in a bounded number of SQL statements', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi('dataloader');
    await api.gql(REGISTER, { input: { name: 'east', kubeconfig: tokenKubeconfig('east') } });
    const sample = parse(readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8'));
    for (let i = 0; i < 40; i++) {
      const res = await api.gql(APPLY, {
        input: {
          manifest: JSON.stringify({
            ...sample,
            metadata: { name: `lws-${String(i).padStart(2, '0')}` },
          }),
        },
      });
      assert.deepEqual(codes(res), []);
    }
  });
  after(async () => api?.close());

  /** Observed state as a worker would have written it: one group of 4 pods per LWS. */
  async function seedObserved(): Promise<void> {
    const rows: Array<{ uid: string; name: string }> = await api.server.dataSource.query(
      `SELECT uid, name FROM leader_worker_sets`,
    );
    for (const { uid, name } of rows) {
      const workers = [1, 2, 3].map((j) => `${name}-0-${j}`);
      const group = {
        index: 0,
        ready: true,
        revision: 'h1',
        updated: true,
        surge: false,
        leader: `${name}-0`,
        workers,
        subGroups: [],
      };
      await api.server.dataSource.query(
        `INSERT INTO lws_groups (lws_uid, cluster, groups) VALUES ($1, 'east', $2)`,
        [uid, JSON.stringify([group])],
      );
      for (const [i, pod] of [`${name}-0`, ...workers].entries()) {
        await api.server.dataSource.query(
          `INSERT INTO pods (cluster, namespace, name, lws_uid, uid, group_index, worker_index, phase, ready, node_name)
           VALUES ('east', 'default', $1, $2, $3, 0, $4, 'Running', true, 'east-node')`,
          [pod, uid, `${pod}-uid`, i],
        );
      }
    }
  }

  async function countStatements(query: string): Promise<{ statements: number; data: any }> {
    const ds = api.server.dataSource;
    const original = ds.query.bind(ds);
    let statements = 0;
    ds.query = ((...args: Parameters<typeof original>) => {
      statements++;
      return original(...args);
    }) as typeof ds.query;
    try {
      const res = await api.gql(query);
      assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
      return { statements, data: res.data };
    } finally {
      ds.query = original;
    }
  }

  test('40 LWSs with revisions, events, groups and pods: five statements, as for 5', async () => {
    await seedObserved();
    const query = (n: number) =>
      `{ leaderWorkerSets(first: ${n}) { edges { node { name revisions { revision templateHash } events(first: 5) { edges { node { type } } }
         groups { index ready leader { name phase } workers { name workerIndex nodeName } } pods { name } } } } }`;
    const many = await countStatements(query(40));
    assert.equal(many.data.leaderWorkerSets.edges.length, 40);
    for (const { node } of many.data.leaderWorkerSets.edges) {
      assert.equal(node.revisions.length, 1);
      assert.equal(node.events.edges.length, 2);
      assert.equal(node.groups[0].leader.name, `${node.name}-0`);
      assert.deepEqual(
        node.groups[0].workers.map((w: any) => w.workerIndex),
        [1, 2, 3],
      );
      assert.equal(node.pods.length, 4);
    }
    const few = await countStatements(query(5));
    assert.equal(many.statements, 5);
    assert.equal(few.statements, many.statements);
  });

  test('pages are keyset-paginated, capped at 100, and cover every LWS exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await api.gql(
        `query($after: String) { leaderWorkerSets(first: 15, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      seen.push(...res.data.leaderWorkerSets.edges.map((e: any) => e.node.name));
      if (!res.data.leaderWorkerSets.pageInfo.hasNextPage) break;
      after = res.data.leaderWorkerSets.pageInfo.endCursor;
    }
    assert.equal(seen.length, 40);
    assert.deepEqual(seen, [...seen].sort());
    const capped = await api.gql(`{ leaderWorkerSets(first: 1000) { edges { cursor } } }`);
    assert.equal(capped.data!.leaderWorkerSets.edges.length, 40);
    const filtered = await api.gql(`{ leaderWorkerSets(cluster: "west") { edges { cursor } } }`);
    assert.equal(filtered.data!.leaderWorkerSets.edges.length, 0);
  });
});
