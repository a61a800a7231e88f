import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EventStore, rebuildReadModels } from '../../libs/events/src';
import { readModelProjections } from '../../apps/api/src/app.module';
import {
  APPLY,
  REGISTER,
  codes,
  startApi,
  tokenKubeconfig,
  type ApiHarness,
} from '../support/api-harness';
import { examplesDir } from '../support/paths';

const TABLES = ['clusters', 'leader_worker_sets', 'lws_revisions'];

async function dump(api: ApiHarness): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES)
    out[table] = await api.server.dataSource.query(`SELECT * FROM ${table} ORDER BY 1, 2`);
  return out;
}

describe('rebuilding the read models from the events', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi('rebuild');
  });
  after(async () => api?.close());

  test('after a scripted history, a rebuild gives identical rows', async () => {
    const ok = async (query: string, variables: Record<string, unknown>) => {
      const res = await api.gql(query, variables);
      assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
      return res;
    };
    await ok(REGISTER, { input: { name: 'east', kubeconfig: tokenKubeconfig('east') } });
    await ok(REGISTER, { input: { name: 'west', kubeconfig: tokenKubeconfig('west') } });
    await ok(REGISTER, { input: { name: 'gone', kubeconfig: tokenKubeconfig('gone') } });
    await ok(`mutation { removeCluster(name: "gone") }`, {});
    for (const file of [
      'sample.yaml',
      'multi-template.yaml',
      'subgroup.yaml',
      'rolling-update.yaml',
    ]) {
      await ok(APPLY, {
        input: {
          manifest: readFileSync(join(examplesDir(), file), 'utf8'),
          cluster: file === 'sample.yaml' ? 'east' : 'west',
        },
      });
    }
    const sample = parse(readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8'));
    sample.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].image = 'nginx:1.27';
    await ok(APPLY, { input: { manifest: JSON.stringify(sample) } });
    sample.metadata.labels = { team: 'inference' };
    await ok(APPLY, { input: { manifest: JSON.stringify(sample) } });
    await ok(
      `mutation { scaleLeaderWorkerSet(name: "${sample.metadata.name}", replicas: 6) { generation } }`,
      {},
    );
    await ok(`mutation { deleteLeaderWorkerSet(name: "${sample.metadata.name}") }`, {});
    await ok(APPLY, { input: { manifest: JSON.stringify(sample), cluster: 'east' } });

    const before = await dump(api);
    assert.equal(before.clusters.length, 2);
    assert.equal(before.leader_worker_sets.length, 5);
    assert.ok(before.lws_revisions.length >= 6);

    const result = await rebuildReadModels(
      new EventStore(api.server.dataSource),
      readModelProjections,
    );
    assert.ok(result.events > 10);
    assert.deepEqual(await dump(api), before);
  });
});
