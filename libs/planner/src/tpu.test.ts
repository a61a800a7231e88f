// TPU variables (lws-reference §4.10), rows from upstream's TestAddTPUVariables and
// TestAddTPUVariablesSubGroup, and the result on pods planned for a TPU LWS.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import {
  ANNOTATION_LEADER_REQUESTS_TPUS,
  ANNOTATION_SUBGROUP_SIZE,
  LABEL_SUBGROUP_INDEX,
} from '../../lws/src';
import { lws } from '../../lws/src/testing';
import { plan } from './plan';
import { desiredFrom, observed } from './testing';
import { addTpuVariables, podRequestsTpus, type TpuPodInfo } from './tpu';

const tpu = (name: string, env: { name: string; value: string }[] = []): V1Container => ({
  name,
  image: 'busybox',
  resources: { limits: { 'google.com/tpu': '4' } },
  ...(env.length ? { env } : {}),
});

function run(
  containers: V1Container[],
  info: Partial<TpuPodInfo> & Pick<TpuPodInfo, 'podName' | 'workerIndex'>,
) {
  const spec: V1PodSpec = { containers: structuredClone(containers) };
  addTpuVariables(spec, {
    leaderName: 'test-sample-0',
    subdomain: 'default',
    size: 2,
    labels: {},
    annotations: {},
    ...info,
  });
  return spec.containers.map((c) =>
    Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value])),
  );
}

describe('TPU variables without subgroups', () => {
  const leaderTpus = { [ANNOTATION_LEADER_REQUESTS_TPUS]: 'true' };
  const rows: {
    name: string;
    containers: V1Container[];
    info: Parameters<typeof run>[1];
    expected: Record<string, string>[];
  }[] = [
    {
      name: 'leader requests TPUs, leader pod',
      containers: [tpu('c')],
      info: { podName: 'test-sample-0', workerIndex: 0, annotations: leaderTpus },
      expected: [
        {
          TPU_WORKER_HOSTNAMES: 'test-sample-0.default,test-sample-0-1.default',
          TPU_WORKER_ID: '0',
          TPU_NAME: 'test-sample-0',
          TPU_PROCESS_ADDRESSES: 'test-sample-0.default:8476,test-sample-0-1.default:8476',
          TPU_PROCESS_PORT: '8476',
        },
      ],
    },
    {
      name: 'leader requests TPUs, worker pod',
      containers: [tpu('c')],
      info: { podName: 'test-sample-0-1', workerIndex: 1, annotations: leaderTpus },
      expected: [
        {
          TPU_WORKER_HOSTNAMES: 'test-sample-0.default,test-sample-0-1.default',
          TPU_WORKER_ID: '1',
          TPU_NAME: 'test-sample-0',
          TPU_PROCESS_ADDRESSES: 'test-sample-0.default:8476,test-sample-0-1.default:8476',
          TPU_PROCESS_PORT: '8476',
        },
      ],
    },
    {
      name: 'leader does not request TPUs, worker pod: ids shift by one, leader not in the mesh',
      containers: [tpu('c')],
      info: { podName: 'test-sample-0-1', workerIndex: 1 },
      expected: [
        {
          TPU_WORKER_HOSTNAMES: 'test-sample-0-1.default',
          TPU_WORKER_ID: '0',
          TPU_NAME: 'test-sample-0',
          TPU_PROCESS_ADDRESSES: 'test-sample-0-1.default:8476',
          TPU_PROCESS_PORT: '8476',
        },
      ],
    },
    {
      name: 'two TPU containers: hostnames per container, ids idx*2+i, ports 8476/8477',
      containers: [tpu('c1'), tpu('c2')],
      info: { podName: 'test-sample-0', workerIndex: 0, annotations: leaderTpus },
      expected: [0, 1].map((i) => ({
        TPU_WORKER_HOSTNAMES:
          'test-sample-0.default,test-sample-0.default,test-sample-0-1.default,test-sample-0-1.default',
        TPU_WORKER_ID: String(i),
        TPU_NAME: 'test-sample-0',
        TPU_PROCESS_ADDRESSES:
          'test-sample-0.default:8476,test-sample-0.default:8477,test-sample-0-1.default:8476,test-sample-0-1.default:8477',
        TPU_PROCESS_PORT: String(8476 + i),
      })),
    },
    {
      name: 'custom TPU_PROCESS_PORT values are used and kept',
      containers: [
        tpu('c1', [{ name: 'TPU_PROCESS_PORT', value: '8478' }]),
        tpu('c2', [{ name: 'TPU_PROCESS_PORT', value: '8479' }]),
      ],
      info: { podName: 'test-sample-0', workerIndex: 0, annotations: leaderTpus },
      expected: [0, 1].map((i) => ({
        TPU_PROCESS_PORT: String(8478 + i),
        TPU_WORKER_HOSTNAMES:
          'test-sample-0.default,test-sample-0.default,test-sample-0-1.default,test-sample-0-1.default',
        TPU_WORKER_ID: String(i),
        TPU_NAME: 'test-sample-0',
        TPU_PROCESS_ADDRESSES:
          'test-sample-0.default:8478,test-sample-0.default:8479,test-sample-0-1.default:8478,test-sample-0-1.default:8479',
      })),
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      assert.deepEqual(run(row.containers, row.info), row.expected);
    });
  }
  test('size 5, leader without TPUs: the workers 1..4', () => {
    const [env] = run([tpu('c')], {
      podName: 'test-sample-1-3',
      leaderName: 'test-sample-1',
      workerIndex: 3,
      size: 5,
    });
    assert.equal(
      env.TPU_WORKER_HOSTNAMES,
      'test-sample-1-1.default,test-sample-1-2.default,test-sample-1-3.default,test-sample-1-4.default',
    );
    assert.equal(env.TPU_WORKER_ID, '2');
  });
  test('already present TPU_WORKER_ID: nothing added', () => {
    assert.deepEqual(
      run([tpu('c', [{ name: 'TPU_WORKER_ID', value: '9' }])], {
        podName: 'test-sample-0',
        workerIndex: 0,
      }),
      [{ TPU_WORKER_ID: '9' }],
    );
  });
  test('no TPU container: nothing added', () => {
    assert.deepEqual(
      run([{ name: 'c', image: 'i' }], { podName: 'test-sample-0', workerIndex: 0 }),
      [{}],
    );
    assert.equal(
      podRequestsTpus({
        containers: [{ name: 'c', resources: { limits: { 'google.com/tpu': '0' } } }],
      }),
      false,
    );
  });
});

describe('TPU variables with subgroups (first TPU container only)', () => {
  const rows: { name: string; info: Parameters<typeof run>[1]; hostnames: string[]; id: string }[] =
    [
      {
        name: 'leader requests TPUs, worker 3 in subgroup 0 (size 5)',
        info: {
          podName: 'test-sample-1-3',
          leaderName: 'test-sample-1',
          workerIndex: 3,
          labels: { [LABEL_SUBGROUP_INDEX]: '0' },
          annotations: {
            [ANNOTATION_LEADER_REQUESTS_TPUS]: 'true',
            [ANNOTATION_SUBGROUP_SIZE]: '5',
          },
        },
        hostnames: [
          'test-sample-1',
          'test-sample-1-1',
          'test-sample-1-2',
          'test-sample-1-3',
          'test-sample-1-4',
        ],
        id: '3',
      },
      {
        name: 'leader requests TPUs, worker 7 in subgroup 1 (size 4)',
        info: {
          podName: 'test-sample-1-7',
          leaderName: 'test-sample-1',
          workerIndex: 7,
          labels: { [LABEL_SUBGROUP_INDEX]: '1' },
          annotations: {
            [ANNOTATION_LEADER_REQUESTS_TPUS]: 'true',
            [ANNOTATION_SUBGROUP_SIZE]: '4',
          },
        },
        hostnames: ['test-sample-1-4', 'test-sample-1-5', 'test-sample-1-6', 'test-sample-1-7'],
        id: '3',
      },
      {
        name: 'leader without TPUs, worker 5 in subgroup 1 (size 4)',
        info: {
          podName: 'test-sample-1-5',
          leaderName: 'test-sample-1',
          workerIndex: 5,
          labels: { [LABEL_SUBGROUP_INDEX]: '1' },
          annotations: { [ANNOTATION_SUBGROUP_SIZE]: '4' },
        },
        hostnames: ['test-sample-1-5', 'test-sample-1-6', 'test-sample-1-7', 'test-sample-1-8'],
        id: '0',
      },
      {
        name: 'LeaderExcluded, worker 2 in subgroup 0 (size 2)',
        info: {
          podName: 'test-sample-0-2',
          workerIndex: 2,
          labels: { [LABEL_SUBGROUP_INDEX]: '0' },
          annotations: { [ANNOTATION_SUBGROUP_SIZE]: '2' },
        },
        hostnames: ['test-sample-0-1', 'test-sample-0-2'],
        id: '1',
      },
    ];
  for (const row of rows) {
    test(row.name, () => {
      const [env] = run([tpu('c'), tpu('d')], row.info);
      const hosts = row.hostnames.map((h) => `${h}.default`);
      assert.deepEqual(env, {
        TPU_WORKER_HOSTNAMES: hosts.join(','),
        TPU_WORKER_ID: row.id,
        TPU_NAME: row.info.leaderName ?? 'test-sample-0',
        TPU_PROCESS_ADDRESSES: hosts.map((h) => `${h}:8476`).join(','),
        TPU_PROCESS_PORT: '8476',
      });
    });
  }
  test('only the first TPU container gets them', () => {
    const envs = run([tpu('c'), tpu('d')], rows[2].info);
    assert.deepEqual(envs[1], {});
  });
});

describe('TPU pods through plan()', () => {
  test('LWS variables first, then user env, then TPU variables; workers know the leader requests TPUs', () => {
    const template = {
      spec: { containers: [{ ...tpu('main'), env: [{ name: 'USER', value: 'u' }] }] },
    };
    const desired = desiredFrom(lws('tp').size(3).workerTemplate(template));
    const pods = plan(desired, observed().build()).actions.flatMap((a) =>
      a.type === 'create' && a.kind === 'Pod' ? [a.object as V1Pod] : [],
    );
    const worker = pods.find((p) => p.metadata?.name === 'tp-0-2');
    assert.equal(worker?.metadata?.annotations?.[ANNOTATION_LEADER_REQUESTS_TPUS], 'true');
    const names = ((worker?.spec as V1PodSpec).containers[0].env ?? []).map(
      (e) => `${e.name}=${e.value}`,
    );
    assert.deepEqual(names, [
      'LWS_LEADER_ADDRESS=tp-0.tp.default',
      'LWS_GROUP_SIZE=3',
      'LWS_WORKER_INDEX=2',
      'USER=u',
      'TPU_WORKER_HOSTNAMES=tp-0.tp,tp-0-1.tp,tp-0-2.tp',
      'TPU_WORKER_ID=2',
      'TPU_NAME=tp-0',
      'TPU_PROCESS_ADDRESSES=tp-0.tp:8476,tp-0-1.tp:8476,tp-0-2.tp:8476',
      'TPU_PROCESS_PORT=8476',
    ]);
  });
  test('a leader without TPUs: no annotation on workers, worker ids start at 0', () => {
    const desired = desiredFrom(
      lws('tp')
        .size(2)
        .leaderTemplate()
        .workerTemplate({ spec: { containers: [tpu('main')] } }),
    );
    const pods = plan(desired, observed().build()).actions.flatMap((a) =>
      a.type === 'create' && a.kind === 'Pod' ? [a.object as V1Pod] : [],
    );
    const leader = pods.find((p) => p.metadata?.name === 'tp-0');
    const worker = pods.find((p) => p.metadata?.name === 'tp-0-1');
    assert.equal(worker?.metadata?.annotations?.[ANNOTATION_LEADER_REQUESTS_TPUS], undefined);
    assert.equal(
      (worker?.spec as V1PodSpec).containers[0].env?.find((e) => e.name === 'TPU_WORKER_ID')?.value,
      '0',
    );
    assert.equal(
      (leader?.spec as V1PodSpec).containers[0].env?.length,
      3,
      'only the LWS variables',
    );
  });
});
