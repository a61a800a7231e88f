import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitLeaderWorkerSet } from './admit';
import {
  fnv1,
  fnv1String,
  goJsonMarshal,
  safeEncodeString,
  templateHash,
  templatePatch,
} from './hash';
import { lws, LeaderWorkerSetBuilder, podTemplate } from './testing/builder';
import type { LeaderWorkerSet } from './types';

function admitted(builder: LeaderWorkerSetBuilder | string): LeaderWorkerSet {
  const result = admitLeaderWorkerSet(typeof builder === 'string' ? builder : builder.yaml());
  if (!result.ok) assert.fail(result.errors.map((e) => e.message).join('\n'));
  return result.lws;
}

const hashOf = (builder: LeaderWorkerSetBuilder) => templateHash(admitted(builder).spec);
const base = () => lws('sample').replicas(3).size(4);

describe('templateHash', () => {
  test('is stable: same content, same hash', () => {
    assert.equal(hashOf(base()), hashOf(base()));
    assert.equal(templateHash(admitted(base()).spec), templateHash(admitted(base()).spec));
  });

  test('is what admitLeaderWorkerSet returns', () => {
    const result = admitLeaderWorkerSet(base().yaml());
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.equal(result.templateHash, templateHash(result.lws.spec));
  });

  test('looks like upstream keys (SafeEncodeString of a uint32 in decimal)', () => {
    assert.match(hashOf(base()), /^[456789bcdf]{1,10}$/);
  });

  test('pins the algorithm: a change to it shows here', () => {
    // lws-fleet's own golden value; any change to serialisation or hashing changes it.
    assert.equal(hashOf(base()), '7846cb459');
  });

  test('does not depend on key order', () => {
    const a = `apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata: {name: s}
spec:
  leaderWorkerTemplate:
    size: 2
    workerTemplate:
      spec:
        containers: [{name: c, image: i, resources: {limits: {cpu: "1", memory: 1Gi}}}]
`;
    const b = `kind: LeaderWorkerSet
apiVersion: leaderworkerset.x-k8s.io/v1
spec:
  leaderWorkerTemplate:
    workerTemplate:
      spec:
        containers: [{image: i, resources: {limits: {memory: 1Gi, cpu: "1"}}, name: c}]
    size: 2
metadata: {name: s}
`;
    assert.equal(templateHash(admitted(a).spec), templateHash(admitted(b).spec));
  });

  test('explicit defaults hash like omitted ones', () => {
    assert.equal(
      hashOf(base()),
      hashOf(base().restartPolicy('RecreateGroupOnPodRestart').subdomainPolicy('Shared')),
    );
    assert.equal(hashOf(lws()), hashOf(lws().size(1)));
  });

  const unaffected: [string, (b: LeaderWorkerSetBuilder) => LeaderWorkerSetBuilder][] = [
    ['replicas', (b) => b.replicas(7)],
    ['partition', (b) => b.partition(2)],
    ['maxUnavailable and maxSurge', (b) => b.rollingUpdate({ maxUnavailable: '50%', maxSurge: 2 })],
    ['rolloutStrategy type', (b) => b.rolloutType('RollingUpdate')],
    ['startupPolicy', (b) => b.startupPolicy('LeaderReady')],
    ['metadata labels', (b) => b.label('team', 'ml')],
    ['metadata annotations', (b) => b.annotation('example.com/note', 'x')],
    ['the exclusive-topology annotation', (b) => b.exclusiveTopology('rack')],
    ['namespace', (b) => b.namespace('other')],
    ['name', (b) => b.set('metadata.name', 'renamed')],
  ];
  for (const [what, change] of unaffected) {
    test(`is unaffected by ${what}`, () => {
      assert.equal(hashOf(change(base())), hashOf(base()));
    });
  }

  const affected: [string, (b: LeaderWorkerSetBuilder) => LeaderWorkerSetBuilder][] = [
    ['the worker image', (b) => b.image('nginx:2')],
    ['size', (b) => b.size(5)],
    ['restartPolicy', (b) => b.restartPolicy('None')],
    ['a leader template', (b) => b.leaderTemplate(podTemplate('leader'))],
    ['a subGroupPolicy', (b) => b.subGroup(2)],
    ['volumeClaimTemplates', (b) => b.volumeClaim('data')],
    ['the PVC retention policy', (b) => b.pvcRetention('Delete', 'Delete')],
    ['networkConfig subdomainPolicy', (b) => b.subdomainPolicy('UniquePerReplica')],
    [
      'a pod template label',
      (b) => b.workerTemplate({ ...podTemplate(), metadata: { labels: { a: 'b' } } }),
    ],
  ];
  for (const [what, change] of affected) {
    test(`is changed by ${what}`, () => {
      assert.notEqual(hashOf(change(base())), hashOf(base()));
    });
  }

  test('a rollback to the old content gives the old hash', () => {
    const v1 = hashOf(base());
    const v2 = hashOf(base().image('nginx:2'));
    assert.notEqual(v1, v2);
    assert.equal(hashOf(base().image('nginx:2').image('nginxinc/nginx-unprivileged:1.27')), v1);
  });

  test('a missing networkConfig hashes like Shared', () => {
    const spec = admitted(base()).spec;
    assert.equal(
      templateHash({ leaderWorkerTemplate: spec.leaderWorkerTemplate } as never),
      templateHash(spec),
    );
  });
});

describe('templatePatch', () => {
  test("has upstream's shape: only the template and networkConfig, each with $patch replace", () => {
    const spec = admitted(lws().size(2)).spec;
    assert.deepEqual(JSON.parse(templatePatch(spec)), {
      spec: {
        leaderWorkerTemplate: {
          $patch: 'replace',
          restartPolicy: 'RecreateGroupOnPodRestart',
          size: 2,
          workerTemplate: podTemplate(),
        },
        networkConfig: { $patch: 'replace', subdomainPolicy: 'Shared' },
      },
    });
    assert.ok(
      templatePatch(spec).startsWith('{"spec":{"leaderWorkerTemplate":{"$patch":"replace",'),
    );
  });
});

describe('hash primitives', () => {
  test('FNV-1 32-bit test vectors', () => {
    assert.equal(fnv1(new Uint8Array()), 0x811c9dc5);
    assert.equal(fnv1String('a'), 0x050c5d7e);
    assert.equal(fnv1String('foobar'), 0x31f0b262);
  });

  test('SafeEncodeString maps digits as upstream', () => {
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });

  test("goJsonMarshal sorts keys and escapes HTML like Go's encoding/json", () => {
    assert.equal(
      goJsonMarshal({ b: 1, a: { d: '<&>', c: [2, { z: 1, y: 2 }] } }),
      '{"a":{"c":[2,{"y":2,"z":1}],"d":"\\u003c\\u0026\\u003e"},"b":1}',
    );
    assert.equal(goJsonMarshal({ s: '\u2028' }), '{"s":"\\u2028"}');
  });
});
