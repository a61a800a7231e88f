import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitLeaderWorkerSet } from './admit';
import { defaultLeaderWorkerSet } from './defaults';
import { parseManifest } from './parse';
import { lws, LeaderWorkerSetBuilder, podTemplate } from './testing/builder';
import type { LeaderWorkerSet } from './types';

function admitted(builder: LeaderWorkerSetBuilder): LeaderWorkerSet {
  const result = admitLeaderWorkerSet(builder.yaml());
  if (!result.ok) assert.fail(result.errors.map((e) => e.message).join('\n'));
  return result.lws;
}

describe('defaulting', () => {
  test('fills every default of a minimal manifest, as upstream', () => {
    assert.deepEqual(admitted(lws('sample')), {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name: 'sample', namespace: 'default' },
      spec: {
        replicas: 1,
        leaderWorkerTemplate: {
          workerTemplate: podTemplate(),
          size: 1,
          restartPolicy: 'RecreateGroupOnPodRestart',
        },
        rolloutStrategy: {
          type: 'RollingUpdate',
          rollingUpdateConfiguration: { partition: 0, maxUnavailable: 1, maxSurge: 0 },
        },
        startupPolicy: 'LeaderCreated',
        networkConfig: { subdomainPolicy: 'Shared' },
      },
    });
  });

  test('keeps values that are set', () => {
    const spec = admitted(
      lws('sample')
        .namespace('team-a')
        .replicas(3)
        .size(4)
        .restartPolicy('None')
        .startupPolicy('LeaderReady')
        .subdomainPolicy('UniquePerReplica')
        .rollingUpdate({ maxUnavailable: '50%', maxSurge: 2, partition: 1 })
        .subGroup(2, 'LeaderWorker'),
    );
    assert.equal(spec.metadata.namespace, 'team-a');
    assert.equal(spec.spec.replicas, 3);
    assert.equal(spec.spec.leaderWorkerTemplate.size, 4);
    assert.equal(spec.spec.leaderWorkerTemplate.restartPolicy, 'None');
    assert.equal(spec.spec.startupPolicy, 'LeaderReady');
    assert.deepEqual(spec.spec.networkConfig, { subdomainPolicy: 'UniquePerReplica' });
    assert.deepEqual(spec.spec.rolloutStrategy.rollingUpdateConfiguration, {
      partition: 1,
      maxUnavailable: '50%',
      maxSurge: 2,
    });
    assert.deepEqual(spec.spec.leaderWorkerTemplate.subGroupPolicy, {
      subGroupPolicyType: 'LeaderWorker',
      subGroupSize: 2,
    });
  });

  test('fills the missing fields of a partial rollingUpdateConfiguration (CRD defaults)', () => {
    const ruc = admitted(lws().replicas(2).maxSurge(1)).spec.rolloutStrategy;
    assert.deepEqual(ruc, {
      type: 'RollingUpdate',
      rollingUpdateConfiguration: { partition: 0, maxUnavailable: 1, maxSurge: 1 },
    });
    assert.deepEqual(admitted(lws().partition(2)).spec.rolloutStrategy.rollingUpdateConfiguration, {
      partition: 2,
      maxUnavailable: 1,
      maxSurge: 0,
    });
  });

  test('an empty rolloutStrategy gets type RollingUpdate and the whole configuration', () => {
    assert.deepEqual(admitted(lws().set('spec.rolloutStrategy', {})).spec.rolloutStrategy, {
      type: 'RollingUpdate',
      rollingUpdateConfiguration: { partition: 0, maxUnavailable: 1, maxSurge: 0 },
    });
  });

  test('an empty networkConfig gets subdomainPolicy Shared', () => {
    assert.deepEqual(admitted(lws().set('spec.networkConfig', {})).spec.networkConfig, {
      subdomainPolicy: 'Shared',
    });
  });

  test('subGroupPolicyType defaults to LeaderWorker', () => {
    assert.deepEqual(admitted(lws().size(4).subGroup(2)).spec.leaderWorkerTemplate.subGroupPolicy, {
      subGroupPolicyType: 'LeaderWorker',
      subGroupSize: 2,
    });
  });

  test('restartPolicy "" becomes RecreateGroupOnPodRestart', () => {
    const result = admitLeaderWorkerSet(lws().restartPolicy('').yaml());
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.equal(result.lws.spec.leaderWorkerTemplate.restartPolicy, 'RecreateGroupOnPodRestart');
    assert.deepEqual(result.notices, []);
  });

  test('restartPolicy Default becomes None, with a notice', () => {
    const result = admitLeaderWorkerSet(lws().restartPolicy('Default').yaml());
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.equal(result.lws.spec.leaderWorkerTemplate.restartPolicy, 'None');
    assert.equal(result.notices.length, 1);
    assert.match(result.notices[0], /^spec\.leaderWorkerTemplate\.restartPolicy: "Default"/);
  });

  test('rolloutStrategy type "" becomes RollingUpdate', () => {
    assert.equal(admitted(lws().rolloutType('')).spec.rolloutStrategy.type, 'RollingUpdate');
  });

  test('metadata.namespace "" becomes default', () => {
    assert.equal(admitted(lws().namespace('')).metadata.namespace, 'default');
  });

  test('a leader template, volume claims and their retention policy are kept as written', () => {
    const lwt = admitted(
      lws().leaderTemplate(podTemplate('leader')).volumeClaim('data', '5Gi').pvcRetention('Delete'),
    ).spec.leaderWorkerTemplate;
    assert.deepEqual(lwt.leaderTemplate, podTemplate('leader'));
    assert.deepEqual(lwt.volumeClaimTemplates, [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
      },
    ]);
    assert.deepEqual(lwt.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Delete' });
  });

  test('does not modify its input', () => {
    const parsed = parseManifest(lws().yaml());
    assert.equal(parsed.ok, true);
    if (!parsed.ok) return;
    const before = structuredClone(parsed.manifest);
    const { lws: defaulted } = defaultLeaderWorkerSet(parsed.manifest);
    assert.deepEqual(parsed.manifest, before);
    defaulted.spec.leaderWorkerTemplate.workerTemplate.spec!.containers[0].image = 'changed';
    assert.deepEqual(parsed.manifest, before);
  });

  test('is idempotent: admitting an admitted LWS changes nothing', () => {
    const first = admitted(lws().replicas(2).size(3).subGroup(3).maxSurge('10%'));
    const again = admitLeaderWorkerSet(JSON.stringify(first));
    assert.equal(again.ok, true);
    if (!again.ok) return;
    assert.deepEqual(again.lws, first);
  });
});
