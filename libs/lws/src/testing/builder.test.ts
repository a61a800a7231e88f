import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { lws, podTemplate } from './builder';

describe('lws() builder', () => {
  test('builds the manifest a user would write', () => {
    assert.deepEqual(
      lws('sample')
        .replicas(3)
        .size(4)
        .exclusiveTopology('rack')
        .subGroup(2, 'LeaderWorker')
        .leaderTemplate()
        .build(),
      {
        apiVersion: 'leaderworkerset.x-k8s.io/v1',
        kind: 'LeaderWorkerSet',
        metadata: {
          name: 'sample',
          annotations: { 'leaderworkerset.sigs.k8s.io/exclusive-topology': 'rack' },
        },
        spec: {
          replicas: 3,
          leaderWorkerTemplate: {
            workerTemplate: podTemplate(),
            size: 4,
            subGroupPolicy: { subGroupSize: 2, subGroupPolicyType: 'LeaderWorker' },
            leaderTemplate: podTemplate('leader'),
          },
        },
      },
    );
  });

  test('yaml() and json() hold the same object as build()', () => {
    const builder = lws('x').namespace('ns').label('app.kubernetes.io/name', 'x').maxSurge('10%');
    assert.deepEqual(parse(builder.yaml()), builder.build());
    assert.deepEqual(JSON.parse(builder.json()), builder.build());
  });

  test('build() returns a copy', () => {
    const builder = lws();
    const built = builder.build();
    (built.metadata as Record<string, unknown>).name = 'changed';
    assert.equal((builder.build().metadata as Record<string, unknown>).name, 'sample');
  });

  test('set and unset reach any path; annotation keys keep their dots', () => {
    const built = lws()
      .set('spec.foo.bar', 1)
      .annotation('a.b/c.d', 'v')
      .unset('spec.leaderWorkerTemplate')
      .build();
    assert.deepEqual(built.spec, { foo: { bar: 1 } });
    assert.deepEqual((built.metadata as Record<string, unknown>).annotations, { 'a.b/c.d': 'v' });
  });

  test('image() changes only the first worker container image', () => {
    const built = lws()
      .workerTemplate({
        metadata: { labels: { a: 'b' } },
        spec: { containers: [{ name: 'w', image: 'old' }] },
      })
      .image('new:1')
      .build();
    assert.deepEqual((built.spec as { leaderWorkerTemplate: unknown }).leaderWorkerTemplate, {
      workerTemplate: {
        metadata: { labels: { a: 'b' } },
        spec: { containers: [{ name: 'w', image: 'new:1' }] },
      },
    });
  });

  test('volumeClaim appends', () => {
    const built = lws().volumeClaim('a').volumeClaim('b', '2Gi', 'fast').build();
    const claims = (
      built.spec as {
        leaderWorkerTemplate: { volumeClaimTemplates: { metadata: { name: string } }[] };
      }
    ).leaderWorkerTemplate.volumeClaimTemplates;
    assert.deepEqual(
      claims.map((c) => c.metadata.name),
      ['a', 'b'],
    );
  });
});
