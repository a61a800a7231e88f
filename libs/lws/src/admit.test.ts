import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitLeaderWorkerSet, changedFields } from './admit';
import { normaliseAliases } from './aliases';
import { parseManifest } from './parse';
import { lws, LeaderWorkerSetBuilder } from './testing/builder';
import type { LeaderWorkerSet } from './types';

function admitted(builder: LeaderWorkerSetBuilder | string): LeaderWorkerSet {
  const result = admitLeaderWorkerSet(typeof builder === 'string' ? builder : builder.yaml());
  if (!result.ok) assert.fail(result.errors.map((e) => e.message).join('\n'));
  return result.lws;
}

describe('admitLeaderWorkerSet', () => {
  test('returns the defaulted LWS, no notices and its template hash', () => {
    const result = admitLeaderWorkerSet(lws('sample').replicas(3).size(4).yaml());
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.equal(result.lws.metadata.namespace, 'default');
    assert.equal(result.lws.spec.replicas, 3);
    assert.deepEqual(result.notices, []);
    assert.match(result.templateHash, /^[456789bcdf]+$/);
  });

  test('returns only errors when refused', () => {
    const result = admitLeaderWorkerSet(lws().size(0).yaml());
    assert.deepEqual(Object.keys(result).sort(), ['errors', 'ok']);
  });

  test('stops at a syntax error', () => {
    const result = admitLeaderWorkerSet('a: [');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0].field, 'manifest');
  });

  test('runs the update rules only when a previous LWS is given', () => {
    const previous = admitted(lws().size(4));
    const next = lws().size(4).subGroup(2).yaml();
    assert.equal(admitLeaderWorkerSet(next).ok, true);
    assert.equal(admitLeaderWorkerSet(next, previous).ok, false);
  });
});

describe('alias LeaderOnly → LeaderExcluded', () => {
  test('is accepted, normalised and reported in a notice naming the field', () => {
    const result = admitLeaderWorkerSet(lws().size(5).subGroup(2, 'LeaderOnly').yaml());
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.deepEqual(result.lws.spec.leaderWorkerTemplate.subGroupPolicy, {
      subGroupPolicyType: 'LeaderExcluded',
      subGroupSize: 2,
    });
    assert.equal(result.notices.length, 1);
    assert.match(
      result.notices[0],
      /^spec\.leaderWorkerTemplate\.subGroupPolicy\.subGroupPolicyType: "LeaderOnly" is an alias of "LeaderExcluded"/,
    );
  });

  test('is validated as LeaderExcluded', () => {
    const result = admitLeaderWorkerSet(lws().size(4).subGroup(2, 'LeaderOnly').yaml());
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.errors.map((e) => e.message),
      [
        'spec.leaderWorkerTemplate.SubGroupPolicy.subGroupSize: Invalid value: 2: size-1 must be divisible by subGroupSize when using LeaderExcluded',
      ],
    );
  });

  test('hashes like LeaderExcluded written out', () => {
    const alias = admitLeaderWorkerSet(lws().size(5).subGroup(2, 'LeaderOnly').yaml());
    const plain = admitLeaderWorkerSet(lws().size(5).subGroup(2, 'LeaderExcluded').yaml());
    assert.ok(alias.ok && plain.ok);
    assert.equal(alias.templateHash, plain.templateHash);
    assert.deepEqual(alias.lws, plain.lws);
  });

  test('LeaderExcluded itself gives no notice; parseManifest leaves the alias to normaliseAliases', () => {
    const plain = admitLeaderWorkerSet(lws().size(5).subGroup(2, 'LeaderExcluded').yaml());
    assert.ok(plain.ok);
    assert.deepEqual(plain.notices, []);
    const parsed = parseManifest(lws().size(5).subGroup(2, 'LeaderOnly').yaml());
    assert.ok(parsed.ok);
    assert.equal(
      parsed.manifest.spec?.leaderWorkerTemplate?.subGroupPolicy?.subGroupPolicyType,
      'LeaderOnly',
    );
    assert.equal(normaliseAliases(parsed.manifest).length, 1);
    assert.equal(
      parsed.manifest.spec?.leaderWorkerTemplate?.subGroupPolicy?.subGroupPolicyType,
      'LeaderExcluded',
    );
  });
});

describe('changedFields', () => {
  const base = () => lws('sample').replicas(2).size(3).label('app', 'x');

  test('nothing changed → empty', () => {
    assert.deepEqual(changedFields(admitted(base()), admitted(base())), []);
  });

  test('explicit defaults are no change', () => {
    const explicit = base()
      .restartPolicy('RecreateGroupOnPodRestart')
      .startupPolicy('LeaderCreated')
      .subdomainPolicy('Shared')
      .rollingUpdate({ maxUnavailable: 1, maxSurge: 0, partition: 0 })
      .namespace('default');
    assert.deepEqual(changedFields(admitted(base()), admitted(explicit)), []);
  });

  test('key order is no change', () => {
    const a = admitted(base());
    const reverse = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverse)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverse(x)]),
            )
          : v;
    const text = JSON.stringify(reverse(a));
    assert.notEqual(text, JSON.stringify(a));
    const reordered = admitted(text);
    assert.deepEqual(changedFields(a, reordered), []);
  });

  const cases: [string, (b: LeaderWorkerSetBuilder) => LeaderWorkerSetBuilder, string[]][] = [
    ['replicas', (b) => b.replicas(5), ['spec.replicas']],
    ['the image', (b) => b.image('nginx:2'), ['spec.leaderWorkerTemplate']],
    ['size', (b) => b.size(4), ['spec.leaderWorkerTemplate']],
    ['partition', (b) => b.partition(1), ['spec.rolloutStrategy']],
    ['maxSurge', (b) => b.maxSurge(1), ['spec.rolloutStrategy']],
    ['startupPolicy', (b) => b.startupPolicy('LeaderReady'), ['spec.startupPolicy']],
    ['subdomainPolicy', (b) => b.subdomainPolicy('UniquePerReplica'), ['spec.networkConfig']],
    ['a label', (b) => b.label('app', 'y'), ['metadata.labels']],
    ['an annotation', (b) => b.exclusiveTopology('rack'), ['metadata.annotations']],
    [
      'several things',
      (b) =>
        b
          .exclusiveTopology('rack')
          .replicas(9)
          .startupPolicy('LeaderReady')
          .image('n:3')
          .label('v', '2'),
      [
        'metadata.labels',
        'metadata.annotations',
        'spec.replicas',
        'spec.leaderWorkerTemplate',
        'spec.startupPolicy',
      ],
    ],
  ];
  for (const [what, change, expected] of cases) {
    test(`reports ${what}`, () => {
      assert.deepEqual(changedFields(admitted(base()), admitted(change(base()))), expected);
    });
  }

  test('removing all labels is a change', () => {
    const withLabels = admitted(base());
    const without = admitted(base().unset('metadata.labels'));
    assert.deepEqual(changedFields(withLabels, without), ['metadata.labels']);
    assert.deepEqual(
      changedFields(without, admitted(base().unset('metadata.labels').set('metadata.labels', {}))),
      [],
    );
  });
});
