import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { KubeObject } from '../store/types';
import {
  ArrayView,
  REASON_EXISTING_ANTI_AFFINITY,
  REASON_NODE_AFFINITY,
  REASON_POD_AFFINITY,
  REASON_POD_ANTI_AFFINITY,
  REASON_TOO_MANY_PODS,
  REASON_UNSCHEDULABLE_NODE,
  fits,
  podRequests,
  scheduleOne,
} from './scheduling';
import { node, pod } from './test-builders';
import { parseQuantity, resourceAmount } from './quantity';
import { buildNodes, defaultTopology } from './topology';

interface FitCase {
  name: string;
  pod: KubeObject;
  node: KubeObject;
  existing?: KubeObject[];
  otherNodes?: KubeObject[];
  namespaces?: KubeObject[];
  fit: boolean;
  reasons?: string[];
}

const zoneA = { zone: 'a', rack: 'a1' };
const zoneB = { zone: 'b', rack: 'b1' };

function run(cases: FitCase[]): void {
  for (const c of cases) {
    test(c.name, () => {
      const nodes = [c.node, ...(c.otherNodes ?? [])];
      const result = fits(c.pod, c.node, c.existing ?? [], nodes, { namespaces: c.namespaces });
      assert.equal(result.fit, c.fit, `fit: reasons ${JSON.stringify(result.reasons)}`);
      if (c.reasons) assert.deepEqual(result.reasons, c.reasons);
      if (c.fit) assert.deepEqual(result.reasons, []);
    });
  }
}

describe('quantities', () => {
  const cases: Array<[string, string, number]> = [
    ['cpu', '100m', 100],
    ['cpu', '1', 1000],
    ['cpu', '1.5', 1500],
    ['cpu', '2500u', 3],
    ['memory', '2Gi', 2 * 2 ** 30],
    ['memory', '500Mi', 500 * 2 ** 20],
    ['memory', '1e3', 1000],
    ['memory', '1k', 1000],
    ['memory', '1Ti', 2 ** 40],
    ['nvidia.com/gpu', '8', 8],
  ];
  for (const [res, q, want] of cases) {
    test(`${res} ${q} = ${want}`, () => assert.equal(resourceAmount(res, q), want));
  }
  test('garbage does not parse', () => assert.ok(Number.isNaN(parseQuantity('12XB'))));
  test('pod request: max(sum of containers, largest init container) + overhead; limits default requests', () => {
    const p = pod('p').requests({ cpu: '1', memory: '1Gi' }).obj();
    const spec = p.spec as {
      containers: unknown[];
      initContainers?: unknown[];
      overhead?: unknown;
    };
    spec.containers.push({
      name: 'side',
      resources: { limits: { cpu: '500m', 'nvidia.com/gpu': '2' } },
    });
    spec.initContainers = [{ name: 'init', resources: { requests: { cpu: '3' } } }];
    spec.overhead = { cpu: '100m' };
    assert.deepEqual(podRequests(p), { cpu: 3100, memory: 2 ** 30, 'nvidia.com/gpu': 2 });
  });
});

describe('fits: resources', () => {
  const big = node('n1', { cpu: '8', memory: '32Gi', gpus: 8 });
  run([
    {
      name: 'empty node fits a small pod',
      pod: pod('p').requests({ cpu: '1' }).obj(),
      node: big,
      fit: true,
    },
    {
      name: 'cpu exceeds allocatable',
      pod: pod('p').requests({ cpu: '9' }).obj(),
      node: big,
      fit: false,
      reasons: ['Insufficient cpu'],
    },
    {
      name: 'cpu and memory both short, reported in upstream order',
      pod: pod('p').requests({ memory: '40Gi', cpu: '8500m' }).obj(),
      node: big,
      fit: false,
      reasons: ['Insufficient cpu', 'Insufficient memory'],
    },
    {
      name: 'existing pods use the room',
      pod: pod('p').requests({ cpu: '2' }).obj(),
      node: big,
      existing: [pod('a').requests({ cpu: '7' }).node('n1').obj()],
      fit: false,
      reasons: ['Insufficient cpu'],
    },
    {
      name: 'terminal pods free their requests',
      pod: pod('p').requests({ cpu: '2' }).obj(),
      node: big,
      existing: [pod('a').requests({ cpu: '7' }).node('n1').phase('Succeeded').obj()],
      fit: true,
    },
    {
      name: 'pods on other nodes do not count',
      pod: pod('p').requests({ cpu: '2' }).obj(),
      node: big,
      existing: [pod('a').requests({ cpu: '7' }).node('n2').obj()],
      fit: true,
    },
    { name: 'gpus fit', pod: pod('p').gpus(8).obj(), node: big, fit: true },
    {
      name: 'gpus exhausted by a running pod',
      pod: pod('p').gpus(1).obj(),
      node: big,
      existing: [pod('a').gpus(8).node('n1').obj()],
      fit: false,
      reasons: ['Insufficient nvidia.com/gpu'],
    },
    {
      name: 'a cpu node has no gpus at all',
      pod: pod('p').gpus(1).obj(),
      node: node('c1', { cpu: '64' }),
      fit: false,
      reasons: ['Insufficient nvidia.com/gpu'],
    },
    {
      name: 'pod count limit',
      pod: pod('p').obj(),
      node: node('n1', { pods: 1 }),
      existing: [pod('a').node('n1').obj()],
      fit: false,
      reasons: [REASON_TOO_MANY_PODS],
    },
  ]);
});

describe('fits: nodeSelector and node affinity', () => {
  const n = node('n1', { labels: { disk: 'ssd', gen: '5', zone: 'a' } });
  run([
    {
      name: 'nodeSelector matches',
      pod: pod('p').nodeSelector({ disk: 'ssd' }).obj(),
      node: n,
      fit: true,
    },
    {
      name: 'nodeSelector mismatch',
      pod: pod('p').nodeSelector({ disk: 'hdd' }).obj(),
      node: n,
      fit: false,
      reasons: [REASON_NODE_AFFINITY],
    },
    {
      name: 'In',
      pod: pod('p')
        .nodeAffinity({ key: 'zone', operator: 'In', values: ['a', 'b'] })
        .obj(),
      node: n,
      fit: true,
    },
    {
      name: 'NotIn excludes',
      pod: pod('p')
        .nodeAffinity({ key: 'zone', operator: 'NotIn', values: ['a'] })
        .obj(),
      node: n,
      fit: false,
      reasons: [REASON_NODE_AFFINITY],
    },
    {
      name: 'NotIn on a missing label matches',
      pod: pod('p')
        .nodeAffinity({ key: 'gpu', operator: 'NotIn', values: ['x'] })
        .obj(),
      node: n,
      fit: true,
    },
    {
      name: 'Exists',
      pod: pod('p').nodeAffinity({ key: 'disk', operator: 'Exists' }).obj(),
      node: n,
      fit: true,
    },
    {
      name: 'DoesNotExist',
      pod: pod('p').nodeAffinity({ key: 'disk', operator: 'DoesNotExist' }).obj(),
      node: n,
      fit: false,
    },
    {
      name: 'Gt',
      pod: pod('p')
        .nodeAffinity({ key: 'gen', operator: 'Gt', values: ['4'] })
        .obj(),
      node: n,
      fit: true,
    },
    {
      name: 'Lt',
      pod: pod('p')
        .nodeAffinity({ key: 'gen', operator: 'Lt', values: ['5'] })
        .obj(),
      node: n,
      fit: false,
    },
    {
      name: 'Gt on a non-integer label does not match',
      pod: pod('p')
        .nodeAffinity({ key: 'disk', operator: 'Gt', values: ['1'] })
        .obj(),
      node: n,
      fit: false,
    },
    {
      name: 'terms are ORed',
      pod: pod('p')
        .nodeAffinityTerms([
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] },
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
        ])
        .obj(),
      node: n,
      fit: true,
    },
    {
      name: 'an empty term matches nothing',
      pod: pod('p').nodeAffinityTerms([{}]).obj(),
      node: n,
      fit: false,
      reasons: [REASON_NODE_AFFINITY],
    },
  ]);
});

describe('fits: taints, tolerations and unschedulable nodes', () => {
  const tainted = node('n1', {
    taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
  });
  const noExec = node('n1', {
    taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
  });
  const soft = node('n1', {
    taints: [{ key: 'dedicated', value: 'gpu', effect: 'PreferNoSchedule' }],
  });
  run([
    {
      name: 'untolerated NoSchedule taint',
      pod: pod('p').obj(),
      node: tainted,
      fit: false,
      reasons: ['node(s) had untolerated taint {dedicated: gpu}'],
    },
    {
      name: 'Equal toleration',
      pod: pod('p')
        .tolerate({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' })
        .obj(),
      node: tainted,
      fit: true,
    },
    {
      name: 'Equal toleration with another value',
      pod: pod('p').tolerate({ key: 'dedicated', value: 'cpu' }).obj(),
      node: tainted,
      fit: false,
    },
    {
      name: 'Exists toleration',
      pod: pod('p').tolerate({ key: 'dedicated', operator: 'Exists' }).obj(),
      node: tainted,
      fit: true,
    },
    {
      name: 'tolerate everything',
      pod: pod('p').tolerate({ operator: 'Exists' }).obj(),
      node: tainted,
      fit: true,
    },
    {
      name: 'toleration for another effect',
      pod: pod('p').tolerate({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }).obj(),
      node: tainted,
      fit: false,
    },
    {
      name: 'NoExecute taints block scheduling too',
      pod: pod('p').obj(),
      node: noExec,
      fit: false,
      reasons: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'],
    },
    { name: 'PreferNoSchedule does not filter', pod: pod('p').obj(), node: soft, fit: true },
    {
      name: 'cordoned node',
      pod: pod('p').obj(),
      node: node('n1', { unschedulable: true }),
      fit: false,
      reasons: [REASON_UNSCHEDULABLE_NODE],
    },
    {
      name: 'cordoned node, tolerated',
      pod: pod('p')
        .tolerate({
          key: 'node.kubernetes.io/unschedulable',
          operator: 'Exists',
          effect: 'NoSchedule',
        })
        .obj(),
      node: node('n1', { unschedulable: true }),
      fit: true,
    },
  ]);
});

describe('fits: inter-pod affinity', () => {
  const n1 = node('n1', { labels: zoneA });
  const n2 = node('n2', { labels: zoneA });
  const n3 = node('n3', { labels: zoneB });
  const noZone = node('n4', { labels: {} });
  const others = [n1, n2, n3, noZone];
  const web = (name: string, on: string, ns = 'default') =>
    pod(name, ns).labels({ app: 'web' }).node(on).obj();
  run([
    {
      name: 'affinity In: a matching pod in the same zone',
      pod: pod('p').podAffinity('zone', 'app', 'In', ['web']).obj(),
      node: n2,
      otherNodes: others,
      existing: [web('w', 'n1')],
      fit: true,
    },
    {
      name: 'affinity In: the matching pod is in another zone',
      pod: pod('p').podAffinity('zone', 'app', 'In', ['web']).obj(),
      node: n3,
      otherNodes: others,
      existing: [web('w', 'n1')],
      fit: false,
      reasons: [REASON_POD_AFFINITY],
    },
    {
      name: 'affinity: node without the topology key fails even when pods match',
      pod: pod('p').podAffinity('zone', 'app', 'In', ['web']).obj(),
      node: noZone,
      otherNodes: others,
      existing: [web('w', 'n1')],
      fit: false,
      reasons: [REASON_POD_AFFINITY],
    },
    {
      name: 'affinity Exists',
      pod: pod('p').podAffinity('zone', 'app', 'Exists').obj(),
      node: n1,
      otherNodes: others,
      existing: [web('w', 'n2')],
      fit: true,
    },
    {
      name: 'affinity NotIn: only non-web pods satisfy it',
      pod: pod('p').podAffinity('zone', 'app', 'NotIn', ['web']).obj(),
      node: n1,
      otherNodes: others,
      existing: [web('w', 'n2'), pod('db').labels({ app: 'db' }).node('n3').obj()],
      fit: false,
      reasons: [REASON_POD_AFFINITY],
    },
    {
      name: 'affinity: pods of other namespaces do not count by default',
      pod: pod('p').podAffinity('zone', 'app', 'In', ['web']).obj(),
      node: n1,
      otherNodes: others,
      existing: [web('w', 'n2', 'other')],
      fit: false,
    },
    {
      name: 'affinity: namespaces list selects the other namespace',
      pod: pod('p')
        .podAffinity('zone', 'app', 'In', ['web'], { namespaces: ['other'] })
        .obj(),
      node: n1,
      otherNodes: others,
      existing: [web('w', 'n2', 'other')],
      fit: true,
    },
    {
      name: 'affinity: empty namespaceSelector selects all namespaces',
      pod: pod('p').podAffinity('zone', 'app', 'In', ['web'], { namespaceSelector: {} }).obj(),
      node: n1,
      otherNodes: others,
      existing: [web('w', 'n2', 'other')],
      fit: true,
    },
    {
      name: 'self-affinity: the first pod of a group may land anywhere with the topology key',
      pod: pod('leader').labels({ group: 'g1' }).podAffinity('zone', 'group', 'In', ['g1']).obj(),
      node: n3,
      otherNodes: others,
      existing: [web('w', 'n1')],
      fit: true,
    },
    {
      name: 'self-affinity: still needs the topology key on the node',
      pod: pod('leader').labels({ group: 'g1' }).podAffinity('zone', 'group', 'In', ['g1']).obj(),
      node: noZone,
      otherNodes: others,
      fit: false,
      reasons: [REASON_POD_AFFINITY],
    },
    {
      name: 'self-affinity does not apply when the pod does not match its own term',
      pod: pod('p').labels({ group: 'g2' }).podAffinity('zone', 'group', 'In', ['g1']).obj(),
      node: n1,
      otherNodes: others,
      fit: false,
      reasons: [REASON_POD_AFFINITY],
    },
    {
      name: 'self-affinity does not apply once a matching pod exists elsewhere',
      pod: pod('w2').labels({ group: 'g1' }).podAffinity('zone', 'group', 'In', ['g1']).obj(),
      node: n3,
      otherNodes: others,
      existing: [pod('w1').labels({ group: 'g1' }).node('n1').obj()],
      fit: false,
      reasons: [REASON_POD_AFFINITY],
    },
    {
      name: 'anti-affinity In: a matching pod in the zone blocks it',
      pod: pod('p').podAntiAffinity('zone', 'app', 'In', ['web']).obj(),
      node: n2,
      otherNodes: others,
      existing: [web('w', 'n1')],
      fit: false,
      reasons: [REASON_POD_ANTI_AFFINITY],
    },
    {
      name: 'anti-affinity In: another zone is fine',
      pod: pod('p').podAntiAffinity('zone', 'app', 'In', ['web']).obj(),
      node: n3,
      otherNodes: others,
      existing: [web('w', 'n1')],
      fit: true,
    },
    {
      name: 'anti-affinity: a node without the topology key passes',
      pod: pod('p').podAntiAffinity('zone', 'app', 'Exists').obj(),
      node: noZone,
      otherNodes: others,
      existing: [web('w', 'n1')],
      fit: true,
    },
    {
      name: 'anti-affinity: the pod does not repel itself',
      pod: pod('p').labels({ app: 'web' }).podAntiAffinity('zone', 'app', 'In', ['web']).obj(),
      node: n1,
      otherNodes: others,
      fit: true,
    },
    {
      name: 'existing pod anti-affinity (symmetry) blocks the domain',
      pod: pod('p').labels({ app: 'web' }).obj(),
      node: n2,
      otherNodes: others,
      existing: [pod('db').node('n1').podAntiAffinity('zone', 'app', 'In', ['web']).obj()],
      fit: false,
      reasons: [REASON_EXISTING_ANTI_AFFINITY],
    },
    {
      name: 'existing pod anti-affinity does not reach another zone',
      pod: pod('p').labels({ app: 'web' }).obj(),
      node: n3,
      otherNodes: others,
      existing: [pod('db').node('n1').podAntiAffinity('zone', 'app', 'In', ['web']).obj()],
      fit: true,
    },
    {
      name: 'LWS exclusive placement: a second group is kept out of a taken rack',
      pod: pod('g2-leader')
        .labels({ 'leaderworkerset.sigs.k8s.io/group-key': 'k2' })
        .podAffinity('rack', 'leaderworkerset.sigs.k8s.io/group-key', 'In', ['k2'])
        .podAntiAffinityTerm({
          topologyKey: 'rack',
          labelSelector: {
            matchExpressions: [
              { key: 'leaderworkerset.sigs.k8s.io/group-key', operator: 'Exists' },
              { key: 'leaderworkerset.sigs.k8s.io/group-key', operator: 'NotIn', values: ['k2'] },
            ],
          },
        })
        .obj(),
      node: n2,
      otherNodes: others,
      existing: [
        pod('g1-leader').labels({ 'leaderworkerset.sigs.k8s.io/group-key': 'k1' }).node('n1').obj(),
      ],
      fit: false,
      reasons: [REASON_POD_ANTI_AFFINITY],
    },
    {
      name: 'matchLabelKeys narrows the selector to the pod’s own value',
      pod: pod('p')
        .labels({ group: 'g1' })
        .podAffinityTerm({
          topologyKey: 'zone',
          labelSelector: { matchLabels: { app: 'web' } },
          matchLabelKeys: ['group'],
        })
        .obj(),
      node: n1,
      otherNodes: others,
      existing: [pod('w').labels({ app: 'web', group: 'g2' }).node('n2').obj()],
      fit: false,
      reasons: [REASON_POD_AFFINITY],
    },
  ]);
});

describe('scheduleOne', () => {
  const nodes = buildNodes(defaultTopology(), 'east');

  test('the default topology has 40 nodes in 2 zones and 8 racks', () => {
    assert.equal(nodes.length, 40);
    assert.equal(
      new Set(nodes.map((n) => n.metadata.labels?.['topology.kubernetes.io/zone'])).size,
      2,
    );
    assert.equal(new Set(nodes.map((n) => n.metadata.labels?.rack)).size, 8);
    assert.equal(
      nodes.filter((n) => n.metadata.labels?.['node.kubernetes.io/instance-type'] === 'gpu-8x')
        .length,
      32,
    );
  });

  test('picks the least allocated node, ties by name', () => {
    const view = new ArrayView(nodes, [
      pod('a').requests({ cpu: '10' }).node('east-a-r1-cpu-1').obj(),
    ]);
    assert.equal(
      scheduleOne(pod('p').requests({ cpu: '1' }).obj(), view).nodeName,
      'east-a-r1-gpu-1',
    );
    const view2 = new ArrayView(nodes, [
      pod('a').requests({ cpu: '10' }).node('east-a-r1-gpu-1').obj(),
    ]);
    assert.equal(
      scheduleOne(pod('p').requests({ cpu: '1' }).obj(), view2).nodeName,
      'east-a-r1-gpu-2',
    );
  });

  test('preferred node affinity and PreferNoSchedule taints steer the choice', () => {
    const view = new ArrayView(nodes, []);
    const preferB = pod('p').obj();
    (preferB.spec as Record<string, unknown>).affinity = {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 50,
            preference: {
              matchExpressions: [{ key: 'rack', operator: 'In', values: ['zone-b-rack-3'] }],
            },
          },
        ],
      },
    };
    assert.equal(scheduleOne(preferB, view).nodeName, 'east-b-r3-gpu-1');
    const soft = nodes.map((n) =>
      n.metadata.name === 'east-a-r1-cpu-1'
        ? n
        : {
            ...n,
            spec: { ...(n.spec as object), taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] },
          },
    );
    assert.equal(scheduleOne(pod('q').obj(), new ArrayView(soft, [])).nodeName, 'east-a-r1-cpu-1');
  });

  test('upstream FailedScheduling message when nothing fits', () => {
    const view = new ArrayView(nodes, []);
    const r = scheduleOne(pod('p').gpus(16).obj(), view);
    assert.equal(r.nodeName, undefined);
    assert.equal(
      r.message,
      '0/40 nodes are available: 40 Insufficient nvidia.com/gpu. ' +
        'preemption: 0/40 nodes are available: 40 No preemption victims found for incoming pod.',
    );
  });

  test('mixed reasons are counted and sorted as strings', () => {
    const view = new ArrayView(nodes, []);
    const r = scheduleOne(pod('p').gpus(1).nodeSelector({ rack: 'zone-a-rack-1' }).obj(), view);
    assert.equal(r.nodeName, 'east-a-r1-gpu-1');
    const r2 = scheduleOne(
      pod('p')
        .requests({ cpu: '100' })
        .nodeSelector({ 'topology.kubernetes.io/zone': 'zone-b' })
        .obj(),
      view,
    );
    assert.equal(
      r2.message,
      "0/40 nodes are available: 20 Insufficient cpu, 20 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/40 nodes are available: 20 No preemption victims found for incoming pod, ' +
        '20 Preemption is not helpful for scheduling.',
    );
  });

  test('a missing PVC fails before filtering', () => {
    const view = new ArrayView(nodes, [], { claims: [] });
    const r = scheduleOne(pod('p').claim('data-p').obj(), view);
    assert.equal(
      r.message,
      '0/40 nodes are available: persistentvolumeclaim "data-p" not found. ' +
        'preemption: 0/40 nodes are available: 40 Preemption is not helpful for scheduling.',
    );
  });
});
