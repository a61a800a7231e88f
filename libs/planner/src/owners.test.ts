import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bindOwnerUid, ownerKey } from './owners';
import type { V1Pod } from '@kubernetes/client-node';
import type { CreateAction } from './types';

const worker = (): CreateAction => ({
  type: 'create',
  kind: 'Pod',
  namespace: 'default',
  name: 'lws-0-1',
  reason: 'worker of group 0',
  ownerPending: { kind: 'Pod', name: 'lws-0' },
  object: {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'lws-0-1',
      labels: { a: 'b' },
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Pod', name: 'lws-0', uid: '', controller: true },
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'anchor', uid: 'anchor-uid' },
      ],
    },
    spec: { containers: [{ name: 'c', image: 'i' }] },
  },
});

describe('bindOwnerUid', () => {
  test("fills the pending owner's uid and leaves the other references and the plan as they were", () => {
    const action = worker();
    const before = structuredClone(action.object);
    const bound = bindOwnerUid(action, new Map([[ownerKey('Pod', 'lws-0'), 'leader-uid']]));
    assert.deepEqual(bound.metadata?.ownerReferences, [
      { apiVersion: 'v1', kind: 'Pod', name: 'lws-0', uid: 'leader-uid', controller: true },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'anchor', uid: 'anchor-uid' },
    ]);
    assert.deepEqual(bound.metadata?.labels, { a: 'b' });
    assert.deepEqual((bound as V1Pod).spec, (before as V1Pod).spec);
    assert.deepEqual(
      action.object,
      before,
      'the planned object is not changed (a retry binds again)',
    );
  });

  test('an object without a pending owner is sent as planned', () => {
    const action = { ...worker(), ownerPending: undefined };
    assert.equal(bindOwnerUid(action, new Map()), action.object);
  });

  test('an owner not created first is an error naming both', () => {
    assert.throws(
      () => bindOwnerUid(worker(), new Map()),
      /owner Pod lws-0 of Pod lws-0-1 was not created first/,
    );
  });
});
