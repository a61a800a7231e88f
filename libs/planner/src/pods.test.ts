// The pods plan() creates, field by field, against upstream's StatefulSets + pod webhook
// (lws-reference §2, §3, §4.9).
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  ANNOTATION_EXCLUSIVE_TOPOLOGY,
  ANNOTATION_LEADER_NAME,
  ANNOTATION_SIZE,
  ANNOTATION_SUBDOMAIN_POLICY,
  ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY,
  ANNOTATION_SUBGROUP_POLICY_TYPE,
  ANNOTATION_SUBGROUP_SIZE,
  LABEL_GROUP_INDEX,
  LABEL_GROUP_KEY,
  LABEL_NAME,
  LABEL_SUBGROUP_INDEX,
  LABEL_SUBGROUP_KEY,
  LABEL_TEMPLATE_REVISION_HASH,
  LABEL_WORKER_INDEX,
} from '../../lws/src';
import { lws, podTemplate } from '../../lws/src/testing';
import {
  LABEL_LWS_UID,
  LABEL_MANAGED_BY,
  LABEL_STS_POD_INDEX,
  LABEL_STS_POD_NAME,
} from './constants';
import { groupKey, parentNameAndOrdinal, subGroupKey, workerSubGroupIndex } from './names';
import { plan } from './plan';
import { desiredFrom, exampleText, observed } from './testing';
import type { Action } from './types';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

function createdPods(actions: Action[]): Map<string, V1Pod> {
  const pods = new Map<string, V1Pod>();
  for (const a of actions)
    if (a.type === 'create' && a.kind === 'Pod') pods.set(a.name, a.object as V1Pod);
  return pods;
}

/** Pods of a fully created LWS: leaders Ready and scheduled so every worker exists too. */
function allPods(
  source: Parameters<typeof desiredFrom>[0],
  nodes: Record<string, Record<string, string>> = {},
) {
  const desired = desiredFrom(source);
  const cluster = observed();
  for (const [name, labels] of Object.entries(nodes)) cluster.node(name, labels);
  for (let round = 0; round < 5; round++) {
    const actions = plan(desired, cluster.build()).actions;
    if (actions.length === 0) break;
    cluster.from(actions).allRunningReady();
  }
  return {
    desired,
    pods: new Map(cluster.pods().map((p) => [p.metadata?.name ?? '', p])),
    cluster,
  };
}

function env(pod: V1Pod, container = 0): [string, string | undefined][] {
  return (pod.spec?.containers[container].env ?? []).map((e) => [e.name, e.value]);
}

describe('names and keys', () => {
  test('group-key is sha1("<namespace>/<leader>") as upstream pins it', () => {
    assert.equal(groupKey('default', 'test-sample'), '95e88034e460983f51a9952fe128729fbc0663b5');
  });
  test('subgroup-key is sha1("<leader>/<index>")', () => {
    assert.equal(subGroupKey('lws-0', 1), sha1('lws-0/1'));
  });
  const ordinals: [string, string, number][] = [
    ['lws-samples-132', 'lws-samples', 132],
    ['lws-samples-1-0', 'lws-samples-1', 0],
    ['lws-samples--1', 'lws-samples-', 1],
    ['lws-samples-132-u', '', -1],
    ['lws-samples-', '', -1],
    ['lws-samples1', '', -1],
  ];
  for (const [name, parent, ordinal] of ordinals) {
    test(`parentNameAndOrdinal(${name}) = (${parent}, ${ordinal})`, () => {
      assert.deepEqual(parentNameAndOrdinal(name), { parent, ordinal });
    });
  }
  // §1.6 examples: size 4/sgs 2 → {0,1},{2,3}; size 5/sgs 2 → {0,1,2},{3,4}; sgs 1 → own subgroup.
  const subgroups: [number, number, number[]][] = [
    [4, 2, [0, 1, 1]],
    [5, 2, [0, 0, 1, 1]],
    [6, 2, [0, 1, 1, 2, 2]],
    [4, 1, [1, 2, 3]],
    [9, 4, [0, 0, 0, 0, 1, 1, 1, 1]],
  ];
  for (const [size, sgs, expected] of subgroups) {
    test(`worker subgroup indices, size ${size} subGroupSize ${sgs}: ${expected.join(',')}`, () => {
      const got = expected.map((_, k) => workerSubGroupIndex(size, sgs, k + 1));
      assert.deepEqual(got, expected);
    });
  }
});

describe('subgroup-leader-excluded.yaml: labels and env of every pod', () => {
  const { desired, pods } = allPods(exampleText('subgroup-leader-excluded.yaml'));
  const rev = desired.templateHash;
  const expectedNames = [0, 1].flatMap((i) => [
    `leader-excluded-${i}`,
    ...[1, 2, 3, 4].map((j) => `leader-excluded-${i}-${j}`),
  ]);

  test('exactly the 10 pods of 2 groups of 5', () => {
    assert.deepEqual([...pods.keys()].sort(), [...expectedNames].sort());
  });

  const rows: { pod: string; group: number; worker: number; subgroup?: number }[] = [];
  for (const i of [0, 1]) {
    rows.push({ pod: `leader-excluded-${i}`, group: i, worker: 0 });
    for (const j of [1, 2, 3, 4])
      rows.push({
        pod: `leader-excluded-${i}-${j}`,
        group: i,
        worker: j,
        subgroup: j <= 2 ? 0 : 1,
      });
  }
  for (const row of rows) {
    test(`${row.pod}: labels, annotations, env, hostname, affinity`, () => {
      const pod = pods.get(row.pod);
      assert.ok(pod, `${row.pod} exists`);
      const leader = `leader-excluded-${row.group}`;
      const labels: Record<string, string> = {
        [LABEL_NAME]: 'leader-excluded',
        [LABEL_GROUP_INDEX]: String(row.group),
        [LABEL_GROUP_KEY]: sha1(`default/${leader}`),
        [LABEL_WORKER_INDEX]: String(row.worker),
        [LABEL_TEMPLATE_REVISION_HASH]: rev,
        [LABEL_STS_POD_NAME]: row.pod,
        [LABEL_STS_POD_INDEX]: String(row.worker === 0 ? row.group : row.worker),
        [LABEL_MANAGED_BY]: 'lws-fleet',
        [LABEL_LWS_UID]: desired.uid,
      };
      if (row.subgroup !== undefined) {
        labels[LABEL_SUBGROUP_INDEX] = String(row.subgroup);
        labels[LABEL_SUBGROUP_KEY] = sha1(`${leader}/${row.subgroup}`);
      }
      assert.deepEqual(pod.metadata?.labels, labels);
      const annotations: Record<string, string> = {
        [ANNOTATION_SIZE]: '5',
        [ANNOTATION_SUBGROUP_POLICY_TYPE]: 'LeaderExcluded',
        [ANNOTATION_SUBGROUP_SIZE]: '2',
        [ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY]: 'rack',
      };
      if (row.worker > 0) annotations[ANNOTATION_LEADER_NAME] = leader;
      assert.deepEqual(pod.metadata?.annotations, annotations);
      assert.deepEqual(env(pod), [
        ['LWS_LEADER_ADDRESS', `${leader}.leader-excluded.default`],
        ['LWS_GROUP_SIZE', '5'],
        ['LWS_WORKER_INDEX', String(row.worker)],
      ]);
      assert.equal(pod.spec?.hostname, row.pod);
      assert.equal(pod.spec?.subdomain, 'leader-excluded');
      assert.equal(pod.spec?.containers[0].name, row.worker === 0 ? 'router' : 'shard');
      assert.equal(
        pod.spec?.nodeSelector?.['node.kubernetes.io/instance-type'],
        row.worker === 0 ? 'cpu-64' : 'gpu-8x',
      );
      if (row.subgroup === undefined) {
        assert.equal(pod.spec?.affinity, undefined, 'the excluded leader gets no subgroup terms');
      } else {
        const key = sha1(`${leader}/${row.subgroup}`);
        assert.deepEqual(pod.spec?.affinity, {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                topologyKey: 'rack',
                labelSelector: {
                  matchExpressions: [{ key: LABEL_SUBGROUP_KEY, operator: 'In', values: [key] }],
                },
              },
            ],
          },
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                topologyKey: 'rack',
                labelSelector: {
                  matchExpressions: [
                    { key: LABEL_SUBGROUP_KEY, operator: 'Exists' },
                    { key: LABEL_SUBGROUP_KEY, operator: 'NotIn', values: [key] },
                  ],
                },
              },
            ],
          },
        });
      }
    });
  }
});

describe('pod shapes', () => {
  test('LWS env vars come first in every container and init container, replacing user ones', () => {
    const template = {
      spec: {
        initContainers: [{ name: 'init', image: 'busybox', env: [{ name: 'A', value: '1' }] }],
        containers: [
          {
            name: 'main',
            image: 'x',
            env: [
              { name: 'LWS_GROUP_SIZE', value: 'user' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'side', image: 'y' },
        ],
      },
    };
    const { pods } = allPods(lws('e').size(2).workerTemplate(template));
    for (const name of ['e-0', 'e-0-1']) {
      const pod = pods.get(name) as V1Pod;
      const w = name === 'e-0' ? '0' : '1';
      const lwsVars = [
        ['LWS_LEADER_ADDRESS', 'e-0.e.default'],
        ['LWS_GROUP_SIZE', '2'],
        ['LWS_WORKER_INDEX', w],
      ];
      assert.deepEqual(env(pod, 0), [...lwsVars, ['B', '2']]);
      assert.deepEqual(env(pod, 1), lwsVars);
      assert.deepEqual(
        (pod.spec?.initContainers?.[0].env ?? []).map((e) => [e.name, e.value]),
        [...lwsVars, ['A', '1']],
      );
    }
  });

  const multi: { name: string; leaderTemplate: boolean; leaderContainer: string }[] = [
    {
      name: 'leaderTemplate given: leader uses it, workers the worker template',
      leaderTemplate: true,
      leaderContainer: 'leader',
    },
    {
      name: 'leaderTemplate absent: workerTemplate for both',
      leaderTemplate: false,
      leaderContainer: 'worker',
    },
  ];
  for (const row of multi) {
    test(`multi-template: ${row.name}`, () => {
      let b = lws('m').size(3).workerTemplate(podTemplate('worker'));
      if (row.leaderTemplate) b = b.leaderTemplate(podTemplate('leader'));
      const { pods } = allPods(b);
      assert.equal(pods.get('m-0')?.spec?.containers[0].name, row.leaderContainer);
      assert.equal(pods.get('m-0-1')?.spec?.containers[0].name, 'worker');
      assert.equal(pods.get('m-0-2')?.spec?.containers[0].name, 'worker');
    });
  }

  test('multi-template.yaml: leader and worker containers differ as the manifest says', () => {
    const { desired, pods } = allPods(exampleText('multi-template.yaml'));
    const lt = desired.spec.leaderWorkerTemplate;
    const leader = pods.get(`${desired.name}-0`) as V1Pod;
    const worker = pods.get(`${desired.name}-0-1`) as V1Pod;
    assert.equal(leader.spec?.containers[0].name, lt.leaderTemplate?.spec?.containers[0].name);
    assert.equal(worker.spec?.containers[0].name, lt.workerTemplate.spec?.containers[0].name);
  });

  const subdomains: { policy: string; leaderSub: (i: number) => string; annotation?: string }[] = [
    { policy: 'Shared', leaderSub: () => 'n' },
    { policy: 'UniquePerReplica', leaderSub: (i) => `n-${i}`, annotation: 'UniquePerReplica' },
  ];
  for (const row of subdomains) {
    test(`subdomainPolicy ${row.policy}: hostname, subdomain, leader address`, () => {
      const { pods } = allPods(lws('n').replicas(2).size(2).subdomainPolicy(row.policy));
      for (const i of [0, 1]) {
        for (const name of [`n-${i}`, `n-${i}-1`]) {
          const pod = pods.get(name) as V1Pod;
          assert.equal(pod.spec?.hostname, name);
          assert.equal(pod.spec?.subdomain, row.leaderSub(i));
          assert.equal(env(pod)[0][1], `n-${i}.${row.leaderSub(i)}.default`);
        }
        assert.equal(
          pods.get(`n-${i}`)?.metadata?.annotations?.[ANNOTATION_SUBDOMAIN_POLICY],
          row.annotation,
        );
      }
    });
  }

  test('exclusive topology: leader gets the affinity pair on group-key, workers the nodeSelector of its rack', () => {
    const { pods } = allPods(lws('x').replicas(2).size(3).exclusiveTopology('rack'), {
      'node-a': { rack: 'r1' },
    });
    const leader = pods.get('x-1') as V1Pod;
    const key = sha1('default/x-1');
    assert.equal(leader.metadata?.annotations?.[ANNOTATION_EXCLUSIVE_TOPOLOGY], 'rack');
    assert.deepEqual(
      leader.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      [
        {
          topologyKey: 'rack',
          labelSelector: {
            matchExpressions: [{ key: LABEL_GROUP_KEY, operator: 'In', values: [key] }],
          },
        },
      ],
    );
    assert.deepEqual(
      leader.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      [
        {
          topologyKey: 'rack',
          labelSelector: {
            matchExpressions: [
              { key: LABEL_GROUP_KEY, operator: 'Exists' },
              { key: LABEL_GROUP_KEY, operator: 'NotIn', values: [key] },
            ],
          },
        },
      ],
    );
    const worker = pods.get('x-1-2') as V1Pod;
    assert.equal(worker.spec?.affinity, undefined, 'workers get no group-level affinity');
    assert.deepEqual(worker.spec?.nodeSelector, { rack: 'r1' });
    assert.equal(worker.metadata?.annotations?.[ANNOTATION_EXCLUSIVE_TOPOLOGY], 'rack');
    assert.equal(worker.metadata?.labels?.[LABEL_GROUP_KEY], key);
  });

  test('exclusive topology keeps user affinity terms and appends after them', () => {
    const userTerm = { topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db' } } };
    const template = {
      spec: {
        affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [userTerm] } },
        containers: [{ name: 'c', image: 'i' }],
      },
    };
    const { pods } = allPods(lws('u').exclusiveTopology('rack').workerTemplate(template));
    const terms =
      pods.get('u-0')?.spec?.affinity?.podAffinity
        ?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    assert.deepEqual(
      terms.map((t) => t.topologyKey),
      ['zone', 'rack'],
    );
  });

  test('subgroups LeaderWorker with both topologies: the leader has two affinity and two anti-affinity terms', () => {
    const { pods } = allPods(
      lws('s').size(4).subGroup(2).exclusiveTopology('rack').subGroupExclusiveTopology('host'),
      {
        n1: { rack: 'r1' },
      },
    );
    const leader = pods.get('s-0') as V1Pod;
    assert.equal(leader.metadata?.labels?.[LABEL_SUBGROUP_INDEX], '0');
    assert.equal(leader.metadata?.labels?.[LABEL_SUBGROUP_KEY], sha1('s-0/0'));
    assert.equal(leader.metadata?.annotations?.[ANNOTATION_SUBGROUP_POLICY_TYPE], 'LeaderWorker');
    const aff =
      leader.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    const anti =
      leader.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    assert.deepEqual(
      aff.map((t) => [t.topologyKey, t.labelSelector?.matchExpressions?.[0].key]),
      [
        ['rack', LABEL_GROUP_KEY],
        ['host', LABEL_SUBGROUP_KEY],
      ],
    );
    assert.equal(anti.length, 2);
    const expected: [string, string][] = [
      ['s-0-1', '0'],
      ['s-0-2', '1'],
      ['s-0-3', '1'],
    ];
    for (const [name, index] of expected) {
      const w = pods.get(name) as V1Pod;
      assert.equal(w.metadata?.labels?.[LABEL_SUBGROUP_INDEX], index, name);
      assert.equal(w.metadata?.labels?.[LABEL_SUBGROUP_KEY], sha1(`s-0/${index}`), name);
      const terms =
        w.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
      assert.deepEqual(
        terms.map((t) => t.topologyKey),
        ['host'],
        `${name}: subgroup terms only`,
      );
      assert.deepEqual(w.spec?.nodeSelector, { rack: 'r1' });
    }
  });

  test('volumeClaimTemplates: a PVC volume per claim on leader and workers, named <claim>-<pod>', () => {
    const template = {
      spec: {
        containers: [
          { name: 'c', image: 'i', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        ],
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'cfg' } },
        ],
      },
    };
    const { pods, cluster } = allPods(
      lws('v').size(2).workerTemplate(template).volumeClaim('data', '5Gi', 'fast'),
    );
    for (const name of ['v-0', 'v-0-1']) {
      const pod = pods.get(name) as V1Pod;
      assert.deepEqual(pod.spec?.volumes, [
        { name: 'data', persistentVolumeClaim: { claimName: `data-${name}` } },
        { name: 'cfg', configMap: { name: 'cfg' } },
      ]);
      assert.ok(cluster.has('PersistentVolumeClaim', `data-${name}`));
    }
    const pvc = cluster.get('PersistentVolumeClaim', 'data-v-0-1');
    assert.deepEqual((pvc as { spec?: unknown }).spec, {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '5Gi' } },
    });
  });

  test('template labels and annotations are kept; controller labels win', () => {
    const template = {
      metadata: { labels: { app: 'x', [LABEL_WORKER_INDEX]: '9' }, annotations: { note: 'n' } },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    };
    const { pods } = allPods(lws('t').size(2).workerTemplate(template));
    const w = pods.get('t-0-1') as V1Pod;
    assert.equal(w.metadata?.labels?.app, 'x');
    assert.equal(w.metadata?.labels?.[LABEL_WORKER_INDEX], '1');
    assert.equal(w.metadata?.annotations?.note, 'n');
    assert.equal(pods.get('t-0')?.metadata?.labels?.[LABEL_WORKER_INDEX], '0');
  });
});

describe('created objects', () => {
  test('owner references: leaders and the shared Service by the anchor, workers by their leader', () => {
    const { pods, cluster } = allPods(lws('o').replicas(2).size(2));
    const anchor = cluster.get('ConfigMap', 'o.lws-fleet');
    const anchorUid = anchor.metadata?.uid;
    const ref = (kind: string, name: string, uid?: string) => [
      { apiVersion: 'v1', kind, name, uid, controller: true, blockOwnerDeletion: true },
    ];
    for (const i of [0, 1]) {
      const leader = pods.get(`o-${i}`) as V1Pod;
      assert.deepEqual(
        leader.metadata?.ownerReferences,
        ref('ConfigMap', 'o.lws-fleet', anchorUid),
      );
      assert.deepEqual(
        pods.get(`o-${i}-1`)?.metadata?.ownerReferences,
        ref('Pod', `o-${i}`, leader.metadata?.uid),
      );
    }
    assert.deepEqual(
      cluster.get('Service', 'o').metadata?.ownerReferences,
      ref('ConfigMap', 'o.lws-fleet', anchorUid),
    );
  });

  test('UniquePerReplica: one headless Service per group, owned by its leader; no shared Service', () => {
    const { pods, cluster } = allPods(
      lws('up').replicas(2).size(2).subdomainPolicy('UniquePerReplica'),
    );
    assert.equal(cluster.has('Service', 'up'), false);
    for (const i of [0, 1]) {
      const svc = cluster.get('Service', `up-${i}`) as import('@kubernetes/client-node').V1Service;
      assert.deepEqual(svc.spec, {
        clusterIP: 'None',
        selector: { [LABEL_NAME]: 'up', [LABEL_GROUP_INDEX]: String(i) },
        publishNotReadyAddresses: true,
      });
      assert.equal(svc.metadata?.ownerReferences?.[0].uid, pods.get(`up-${i}`)?.metadata?.uid);
    }
  });

  test('shared Service shape and every object carries managed-by and the LWS uid', () => {
    const { cluster } = allPods(lws('sh').size(2).volumeClaim('d'));
    const svc = cluster.get('Service', 'sh') as import('@kubernetes/client-node').V1Service;
    assert.deepEqual(svc.spec, {
      clusterIP: 'None',
      selector: { [LABEL_NAME]: 'sh' },
      publishNotReadyAddresses: true,
    });
    const all = [
      cluster.get('ConfigMap', 'sh.lws-fleet'),
      svc,
      ...cluster.pods(),
      cluster.get('PersistentVolumeClaim', 'd-sh-0'),
    ];
    for (const obj of all) {
      assert.equal(obj.metadata?.labels?.[LABEL_MANAGED_BY], 'lws-fleet', obj.metadata?.name);
      assert.equal(obj.metadata?.labels?.[LABEL_LWS_UID], 'uid-1', obj.metadata?.name);
    }
  });

  test('first plan creates everything with pending owners resolved in order', () => {
    const desired = desiredFrom(lws('f').replicas(1).size(3));
    const actions = plan(desired, observed().namespace(false).build()).actions;
    assert.deepEqual(
      actions.map((a) =>
        a.type === 'createNamespace'
          ? 'ns'
          : `${a.type} ${a.kind} ${a.name} ${a.type === 'create' ? (a.ownerPending?.name ?? '-') : ''}`,
      ),
      [
        'ns',
        'create ConfigMap f.lws-fleet -',
        'create Service f f.lws-fleet',
        'create Pod f-0 f.lws-fleet',
        'create Pod f-0-1 f-0',
        'create Pod f-0-2 f-0',
      ],
    );
    const created = createdPods(actions);
    assert.equal(
      created.get('f-0-1')?.metadata?.ownerReferences?.[0].uid,
      '',
      'uid left for the executor',
    );
  });
});
