import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitLeaderWorkerSet } from './admit';
import { lws, LeaderWorkerSetBuilder } from './testing/builder';
import type { LeaderWorkerSet } from './types';
import { validateUpdate } from './validation';

const SGS = 'spec.leaderWorkerTemplate.SubGroupPolicy.subGroupSize';

function admitted(builder: LeaderWorkerSetBuilder): LeaderWorkerSet {
  const result = admitLeaderWorkerSet(builder.yaml());
  if (!result.ok) assert.fail(result.errors.map((e) => e.message).join('\n'));
  return result.lws;
}

function updateErrors(previous: LeaderWorkerSetBuilder, next: LeaderWorkerSetBuilder): string[] {
  const result = admitLeaderWorkerSet(next.yaml(), admitted(previous));
  return result.ok ? [] : result.errors.map((e) => e.message);
}

describe('update-only rules', () => {
  test('subGroupSize is immutable', () => {
    assert.deepEqual(updateErrors(lws().size(4).subGroup(2), lws().size(4).subGroup(4)), [
      `${SGS}: Invalid value: 4: field is immutable`,
    ]);
  });

  test('subGroupPolicy cannot be added after creation', () => {
    assert.deepEqual(updateErrors(lws().size(4), lws().size(4).subGroup(2)), [
      `${SGS}: Invalid value: 2: cannot enable subGroupSize after the lws is already created`,
    ]);
  });

  test('subGroupPolicy cannot be removed after creation', () => {
    assert.deepEqual(updateErrors(lws().size(4).subGroup(2), lws().size(4)), [
      `${SGS}: Invalid value: 2: cannot remove subGroupSize after enabled`,
    ]);
  });

  test('subGroupPolicyType itself may change', () => {
    assert.deepEqual(
      updateErrors(lws().size(5).subGroup(2), lws().size(5).subGroup(2, 'LeaderExcluded')),
      [],
    );
  });

  test('the same subGroupSize is fine, with other changes', () => {
    assert.deepEqual(
      updateErrors(lws().size(4).subGroup(2), lws().size(6).subGroup(2).replicas(5).image('x:2')),
      [],
    );
  });

  test('replicas, templates, size, rollout, startup and network settings are mutable', () => {
    assert.deepEqual(
      updateErrors(
        lws().replicas(2).size(2),
        lws()
          .replicas(7)
          .size(3)
          .image('nginx:2')
          .restartPolicy('None')
          .startupPolicy('LeaderReady')
          .subdomainPolicy('UniquePerReplica')
          .rollingUpdate({ maxSurge: 2, partition: 1 }),
      ),
      [],
    );
    assert.deepEqual(updateErrors(lws().subdomainPolicy('UniquePerReplica'), lws()), []);
  });

  test('name and namespace are immutable', () => {
    assert.deepEqual(updateErrors(lws('a'), lws('b').namespace('other')), [
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.namespace: Invalid value: "other": field is immutable',
    ]);
  });

  test('an update is also validated as a create', () => {
    assert.deepEqual(updateErrors(lws().size(4).subGroup(2), lws().size(0).subGroup(2)), [
      'spec.leaderWorkerTemplate.size: Invalid value: 0: size must be equal or greater than 1',
      `${SGS}: Invalid value: 2: subGroupSize cannot be larger than size`,
    ]);
  });

  test('subdomainPolicy set to null (unreachable after defaulting, kept as upstream)', () => {
    const previous = admitted(lws());
    const next = structuredClone(previous);
    (next.spec.networkConfig as { subdomainPolicy?: string }).subdomainPolicy = undefined;
    assert.deepEqual(
      validateUpdate(previous, next).map((e) => e.message),
      [
        'spec.networkConfig.subdomainPolicy: Invalid value: "Shared": cannot set subdomainPolicy as null',
      ],
    );
  });

  test('validateUpdate alone reports only update rules', () => {
    assert.deepEqual(validateUpdate(admitted(lws()), admitted(lws().replicas(3))), []);
  });
});
