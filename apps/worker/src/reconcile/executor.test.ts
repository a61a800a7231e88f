import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeSim } from '../../../../libs/kube-sim/src';
import { connectCluster, type ClusterConnection } from '../../../../libs/kube/src';
import { plan } from '../../../../libs/planner/src';
import { desiredFrom, observed } from '../../../../libs/planner/src/testing';
import { executeActions } from './executor';

const manifest = (name: string) => `
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata:
  name: ${name}
spec:
  replicas: 2
  leaderWorkerTemplate:
    size: 3
    workerTemplate:
      spec:
        containers:
        - name: server
          image: nginxinc/nginx-unprivileged:1.27
`;

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms).unref(),
    ),
  ]);

describe('executeActions against a simulated API server', () => {
  let sim: KubeSim;
  let connection: ClusterConnection;
  before(async () => {
    sim = await KubeSim.start({
      clusters: ['exec'],
      controllers: false,
      kubeconfigDir: mkdtempSync(join(tmpdir(), 'lws-exec-')),
    });
    connection = connectCluster('exec', readFileSync(sim.cluster('exec').kubeconfigPath, 'utf8'));
  });
  after(async () => sim?.stop());

  test('creates the anchor, the Service, the leaders and the workers in one pass', async () => {
    const { actions } = plan(desiredFrom(manifest('ok'), { uid: 'uid-ok' }), observed().build());
    const report = await executeActions(connection.core, actions);
    assert.equal(report.failure, undefined);
    assert.equal(report.created.length, actions.length);
    const pods = sim.cluster('exec').store.list('pods', { namespace: 'default' }).items;
    assert.equal(pods.length, 6);
  });

  test('a failed owner create ends the execution: dependents two levels down do not wait forever', async () => {
    const cluster = sim.cluster('exec');
    // The anchor fails: leaders (waiting for it) are skipped, and so must be the workers waiting for them.
    cluster.injectError({ status: 500, verbs: ['create'], resources: ['configmaps'], count: 1 });
    const { actions } = plan(desiredFrom(manifest('fails'), { uid: 'uid-f' }), observed().build());
    const report = await within(executeActions(connection.core, actions), 5000, 'executeActions');
    assert.equal(report.failure?.action, 'create ConfigMap default/fails.lws-fleet');
    assert.equal(report.failure?.status, 500);
    const pods = cluster.store.list('pods', {
      namespace: 'default',
      labelSelector: 'leaderworkerset.sigs.k8s.io/name=fails',
    }).items;
    assert.deepEqual(pods, [], 'no pod without its owner');
  });
});
