import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_EXCLUSIVE_TOPOLOGY, ANNOTATION_SIZE, LABEL_WORKER_INDEX } from '../../lws/src';
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

  describe('a pod becoming Ready, with its group at hand', () => {
    const member = (name: string, worker: number, ready: boolean): V1Pod =>
      pod((p) => {
        p.metadata!.name = name;
        p.metadata!.labels = { [LABEL_WORKER_INDEX]: String(worker) };
        p.metadata!.annotations = { [ANNOTATION_SIZE]: '3' };
        p.status!.conditions![0].status = ready ? 'True' : 'False';
      });
    const becameReady = (name: string, worker: number, others: V1Pod[]) => {
      const now = member(name, worker, true);
      return isUrgentChange('Pod', 'update', now, member(name, worker, false), () => [
        now,
        ...others,
      ]);
    };
    test('the last pod of the group: urgent (the group became ready)', () => {
      assert.equal(
        becameReady('lws-0-2', 2, [member('lws-0', 0, true), member('lws-0-1', 1, true)]),
        true,
      );
    });
    test('a worker while another is not Ready yet: batched', () => {
      assert.equal(
        becameReady('lws-0-2', 2, [member('lws-0', 0, true), member('lws-0-1', 1, false)]),
        false,
      );
    });
    test('the leader while its workers start: batched', () => {
      assert.equal(
        becameReady('lws-0', 0, [member('lws-0-1', 1, false), member('lws-0-2', 2, false)]),
        false,
      );
    });
    test('a leader without workers yet: urgent (startupPolicy LeaderReady waits for it)', () => {
      assert.equal(becameReady('lws-0', 0, []), true);
    });
    test('a pod of a group missing a worker: batched until the group is whole', () => {
      assert.equal(becameReady('lws-0-1', 1, [member('lws-0', 0, true)]), false);
    });
    test('a pod going unready: urgent, whatever its group', () => {
      const before = member('lws-0-1', 1, true);
      const now = member('lws-0-1', 1, false);
      assert.equal(
        isUrgentChange('Pod', 'update', now, before, () => [now, member('lws-0', 0, true)]),
        true,
      );
    });
  });
});
