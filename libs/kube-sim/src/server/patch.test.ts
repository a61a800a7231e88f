import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { StoreError } from '../store/types';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch';
import { SERVED } from './registry';

const podKeys = SERVED.pods.mergeKeys;

describe('JSON patch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' }, finalizers: ['x'] }, spec: { list: [1, 2, 3] } };
  const cases: Array<[string, unknown[], unknown]> = [
    ['add a member', [{ op: 'add', path: '/metadata/labels/b', value: '2' }], { a: '1', b: '2' }],
    [
      'escaped key',
      [{ op: 'add', path: '/metadata/labels/k8s.io~1x', value: 'y' }],
      { a: '1', 'k8s.io/x': 'y' },
    ],
    ['remove', [{ op: 'remove', path: '/metadata/labels/a' }], {}],
    ['replace', [{ op: 'replace', path: '/metadata/labels/a', value: '9' }], { a: '9' }],
    ['move', [{ op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/z' }], { z: '1' }],
    [
      'copy',
      [{ op: 'copy', from: '/metadata/labels/a', path: '/metadata/labels/c' }],
      { a: '1', c: '1' },
    ],
    ['test ok', [{ op: 'test', path: '/metadata/labels/a', value: '1' }], { a: '1' }],
  ];
  for (const [name, patch, labels] of cases) {
    test(name, () => {
      const out = applyJsonPatch(doc, patch) as typeof doc;
      assert.deepEqual(out.metadata.labels, labels);
      assert.deepEqual(doc.metadata.labels, { a: '1' }, 'the input is untouched');
    });
  }
  test('array append and insert', () => {
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/spec/list/-', value: 4 },
      { op: 'add', path: '/spec/list/0', value: 0 },
    ]) as typeof doc;
    assert.deepEqual(out.spec.list, [0, 1, 2, 3, 4]);
  });
  test('failed test and missing path are 422', () => {
    for (const patch of [
      [{ op: 'test', path: '/metadata/labels/a', value: '2' }],
      [{ op: 'remove', path: '/metadata/nope/x' }],
      [{ op: 'replace', path: '/spec/list/9', value: 1 }],
    ]) {
      assert.throws(
        () => applyJsonPatch(doc, patch),
        (e: unknown) => e instanceof StoreError && e.code === 422,
      );
    }
    assert.throws(
      () => applyJsonPatch(doc, { op: 'add' }),
      (e: unknown) => e instanceof StoreError && e.code === 400,
    );
  });
});

describe('merge patch (RFC 7386)', () => {
  test('objects merge, null deletes, arrays are replaced', () => {
    const out = applyMergePatch(
      { a: { b: 1, c: 2 }, list: [1, 2], keep: true },
      { a: { b: null, d: 3 }, list: [9] },
    );
    assert.deepEqual(out, { a: { c: 2, d: 3 }, list: [9], keep: true });
  });
});

describe('strategic merge patch', () => {
  const live = {
    metadata: { finalizers: ['a'], ownerReferences: [{ uid: 'u1', name: 'o1' }] },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx:1',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
          ports: [{ containerPort: 80 }],
        },
        { name: 'side', image: 'busybox' },
      ],
      tolerations: [{ key: 't1' }],
      volumes: [{ name: 'v1', emptyDir: {} }],
    },
  };
  type Pod = typeof live;
  const apply = (patch: unknown): Pod => applyStrategicMergePatch(live, patch, podKeys) as Pod;

  test('lists with a merge key merge element-wise', () => {
    const out = apply({
      spec: {
        containers: [
          {
            name: 'app',
            env: [
              { name: 'B', value: '3' },
              { name: 'C', value: '4' },
            ],
          },
        ],
      },
    });
    assert.deepEqual(
      out.spec.containers.map((c) => c.name),
      ['app', 'side'],
    );
    assert.deepEqual(out.spec.containers[0].env, [
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
    assert.equal(out.spec.containers[0].image, 'nginx:1');
  });

  test('$setElementOrder orders the merged list (as kubectl apply sends it)', () => {
    const out = apply({
      spec: {
        '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }],
        containers: [{ name: 'app', image: 'nginx:2' }],
      },
    });
    assert.deepEqual(
      out.spec.containers.map((c) => `${c.name}:${c.image}`),
      ['side:busybox', 'app:nginx:2'],
    );
  });

  test('$patch: delete removes an element, $patch: replace replaces the list', () => {
    let out = apply({ spec: { containers: [{ name: 'side', $patch: 'delete' }] } });
    assert.deepEqual(
      out.spec.containers.map((c) => c.name),
      ['app'],
    );
    out = apply({ spec: { volumes: [{ name: 'v2', emptyDir: {} }, { $patch: 'replace' }] } });
    assert.deepEqual(
      out.spec.volumes.map((v) => v.name),
      ['v2'],
    );
  });

  test('lists without a merge key are replaced; primitive sets merge; directives for primitives', () => {
    let out = apply({ spec: { tolerations: [{ key: 't2' }] }, metadata: { finalizers: ['b'] } });
    assert.deepEqual(out.spec.tolerations, [{ key: 't2' }]);
    assert.deepEqual(out.metadata.finalizers, ['a', 'b']);
    out = apply({ metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
    assert.deepEqual(out.metadata.finalizers, []);
    out = apply({ metadata: { ownerReferences: [{ uid: 'u2', name: 'o2' }] } });
    assert.deepEqual(
      out.metadata.ownerReferences.map((o) => o.uid),
      ['u1', 'u2'],
    );
  });

  test('null deletes a field; $retainKeys keeps only the listed keys', () => {
    let out = apply({ spec: { volumes: null } });
    assert.equal(out.spec.volumes, undefined);
    out = applyStrategicMergePatch(
      { spec: { strategy: { type: 'A', rolling: { x: 1 } } } },
      { spec: { strategy: { $retainKeys: ['type'], type: 'B' } } },
      {},
    ) as Pod & {
      spec: { strategy: unknown };
    };
    assert.deepEqual((out.spec as unknown as { strategy: unknown }).strategy, { type: 'B' });
  });
});
