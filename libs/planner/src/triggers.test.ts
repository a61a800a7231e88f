import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_EXCLUSIVE_TOPOLOGY } from '../../lws/src';
import { isUrgentChange } from './triggers';

const pod = (patch: (p: V1Pod) => void = () => undefined): V1Pod => {
  const p: V1Pod = {
    metadata: { name: 'lws-0', namespace: 'default', uid: 'u1', labels: { a: '1' } },
    spec: { containers: [{ name: 'c' }], nodeName: 'node-1' },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        { name: 'c', restartCount: 0, ready: false, image: 'x', imageID: '', state: {} },
      ],
    },
  };
  patch(p);
  return p;
};

describe('isUrgentChange: which watch events need a reconcile at once', () => {
  const cases: Array<[string, Parameters<typeof isUrgentChange>, boolean]> = [
    ['a pod deleted', ['Pod', 'delete', pod()], true],
    ['a pod added (the echo of a create)', ['Pod', 'add', pod()], false],
    [
      'a pod became Ready',
      ['Pod', 'update', pod((p) => (p.status!.conditions![0].status = 'True')), pod()],
      true,
    ],
    [
      'a pod became not Ready',
      ['Pod', 'update', pod(), pod((p) => (p.status!.conditions![0].status = 'True'))],
      true,
    ],
    [
      'a pod started terminating',
      ['Pod', 'update', pod((p) => (p.metadata!.deletionTimestamp = new Date(0))), pod()],
      true,
    ],
    [
      'a container restarted',
      ['Pod', 'update', pod((p) => (p.status!.containerStatuses![0].restartCount = 1)), pod()],
      true,
    ],
    [
      'a container terminated',
      [
        'Pod',
        'update',
        pod((p) => (p.status!.containerStatuses![0].state = { terminated: { exitCode: 1 } })),
        pod(),
      ],
      true,
    ],
    ['a pod failed', ['Pod', 'update', pod((p) => (p.status!.phase = 'Failed')), pod()], true],
    [
      'a leader with exclusive topology scheduled (its workers wait for it)',
      [
        'Pod',
        'update',
        pod((p) => (p.metadata!.annotations = { [ANNOTATION_EXCLUSIVE_TOPOLOGY]: 'rack' })),
        pod((p) => {
          p.metadata!.annotations = { [ANNOTATION_EXCLUSIVE_TOPOLOGY]: 'rack' };
          delete p.spec!.nodeName;
        }),
      ],
      true,
    ],
    [
      'a pod without exclusive topology scheduled',
      ['Pod', 'update', pod(), pod((p) => delete p.spec!.nodeName)],
      false,
    ],
    [
      'a pod went from Pending to Running, not Ready',
      ['Pod', 'update', pod(), pod((p) => (p.status!.phase = 'Pending'))],
      false,
    ],
    [
      'only the pod IP changed',
      ['Pod', 'update', pod((p) => (p.status!.podIP = '10.0.0.1')), pod()],
      false,
    ],
    [
      'a label changed',
      ['Pod', 'update', pod((p) => (p.metadata!.labels = { a: '2' })), pod()],
      true,
    ],
    [
      'an annotation added',
      ['Pod', 'update', pod((p) => (p.metadata!.annotations = { x: 'y' })), pod()],
      true,
    ],
    ['a Service deleted', ['Service', 'delete', { metadata: { name: 's' } }], true],
    [
      'a Service changed in its spec only',
      [
        'Service',
        'update',
        { metadata: { name: 's' }, spec: { a: 1 } } as never,
        { metadata: { name: 's' } },
      ],
      false,
    ],
    [
      'a PVC became Bound',
      [
        'PersistentVolumeClaim',
        'update',
        { metadata: { name: 'v' }, status: { phase: 'Bound' } } as never,
        { metadata: { name: 'v' }, status: { phase: 'Pending' } } as never,
      ],
      true,
    ],
    ['an update without the previous object (a relist)', ['Pod', 'update', pod()], true],
  ];
  for (const [name, args, urgent] of cases) {
    test(`${name}: ${urgent ? 'urgent' : 'batched'}`, () => {
      assert.equal(isUrgentChange(...args), urgent);
    });
  }
});
