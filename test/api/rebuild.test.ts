import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EventStore, rebuildReadModels } from '../../libs/events/src';
import { readModelProjections } from '../../apps/api/src/app.module';
import { newEvent } from '../../apps/api/src/common/new-event';
import { ReconcileEventType, lwsStreamId } from '../../apps/api/src/lws/lws.events';
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

    // A worker's append: several statuses and reconciles of one LWS in one transaction; the read
    // model keeps the last status, the greatest reconciled generation and the last stream position.
    const [lws] = await api.server.dataSource.query(
      `SELECT uid, generation, stream_version FROM leader_worker_sets WHERE name = $1 AND deleted_at IS NULL`,
      [sample.metadata.name],
    );
    const meta = {
      actor: 'worker:east',
      correlationId: 'rebuild-test',
      source: 'worker',
      cluster: 'east',
    };
    const status = (ready: number) => ({ replicas: 3, readyReplicas: ready, conditions: [] });
    const appended = await new EventStore(api.server.dataSource, {
      projections: readModelProjections,
    }).append(
      lwsStreamId(lws.uid),
      [
        newEvent(
          ReconcileEventType.StatusChanged,
          { uid: lws.uid, cluster: 'east', status: status(1) },
          meta,
        ),
        newEvent(
          ReconcileEventType.Applied,
          {
            uid: lws.uid,
            cluster: 'east',
            generation: lws.generation,
            revision: 1,
            created: [],
            patched: [],
            deleted: [],
            alreadyPresent: [],
          },
          meta,
        ),
        newEvent(
          ReconcileEventType.Applied,
          {
            uid: lws.uid,
            cluster: 'east',
            generation: lws.generation - 1,
            revision: 1,
            created: [],
            patched: [],
            deleted: [],
            alreadyPresent: [],
          },
          meta,
        ),
        newEvent(
          ReconcileEventType.GroupBecameReady,
          { uid: lws.uid, cluster: 'east', group: 0, revision: 'x' },
          meta,
        ),
        newEvent(
          ReconcileEventType.StatusChanged,
          { uid: lws.uid, cluster: 'east', status: status(3) },
          meta,
        ),
        newEvent(
          ReconcileEventType.GroupBecameReady,
          { uid: lws.uid, cluster: 'east', group: 1, revision: 'x' },
          meta,
        ),
      ],
      { expectedVersion: Number(lws.stream_version) },
    );
    const [after] = await api.server.dataSource.query(
      `SELECT status, reconciled_generation, stream_version FROM leader_worker_sets WHERE uid = $1`,
      [lws.uid],
    );
    assert.deepEqual(after.status, status(3));
    assert.equal(after.reconciled_generation, lws.generation);
    assert.equal(Number(after.stream_version), appended.nextExpectedVersion);
    assert.equal(appended.nextExpectedVersion, Number(lws.stream_version) + 6);

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
