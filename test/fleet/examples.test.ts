import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { V1Container, V1Pod, V1Service } from '@kubernetes/client-node';
import type { SimCluster } from '../../libs/kube-sim/src';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import { examplesDir } from '../support/paths';
import {
  apply,
  example,
  expectedPodNames,
  readLws,
  remove,
  waitAvailable,
  waitPods,
  podsOf,
  type Applied,
} from '../support/lws-e2e';

const L = 'leaderworkerset.sigs.k8s.io';
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

interface Shape {
  file: string;
  replicas: number;
  size: number;
  uniquePerReplica?: boolean;
  /** Extra checks of what is special about this example. */
  check?(ctx: { east: SimCluster; lws: Applied; pods: V1Pod[] }): void;
}

const podName = (p: V1Pod) => p.metadata!.name!;
const groupOf = (p: V1Pod) => Number(p.metadata!.labels![`${L}/group-index`]);
const workerOf = (p: V1Pod) => Number(p.metadata!.labels![`${L}/worker-index`]);
const nodeLabels = (east: SimCluster, pod: V1Pod): Record<string, string> =>
  (east.store.get('nodes', undefined, pod.spec!.nodeName!)?.metadata?.labels ?? {}) as Record<
    string,
    string
  >;
const rackOf = (east: SimCluster, pod: V1Pod) => nodeLabels(east, pod).rack;

/** Pods partitioned by a key; asserts each part lies in one rack and no two parts share a rack. */
function assertExclusiveRacks(east: SimCluster, pods: V1Pod[], keyOf: (p: V1Pod) => string) {
  const rackByPart = new Map<string, string>();
  for (const pod of pods) {
    const rack = rackOf(east, pod);
    assert.ok(rack, `${podName(pod)} is on a node with a rack label`);
    const part = keyOf(pod);
    const seen = rackByPart.get(part);
    if (seen) assert.equal(rack, seen, `${podName(pod)} shares the rack of its ${part}`);
    else rackByPart.set(part, rack);
  }
  const racks = [...rackByPart.values()];
  assert.equal(
    new Set(racks).size,
    racks.length,
    `racks are exclusive: ${JSON.stringify([...rackByPart])}`,
  );
}

function exclusiveTerms(key: string, topologyKey: string, value: string) {
  return {
    affinity: {
      topologyKey,
      labelSelector: { matchExpressions: [{ key, operator: 'In', values: [value] }] },
    },
    antiAffinity: {
      topologyKey,
      labelSelector: {
        matchExpressions: [
          { key, operator: 'Exists' },
          { key, operator: 'NotIn', values: [value] },
        ],
      },
    },
  };
}

const strip = (term: any) => JSON.parse(JSON.stringify(term));

function assertHasTerms(pod: V1Pod, key: string, topologyKey: string, value: string) {
  const want = exclusiveTerms(key, topologyKey, value);
  const affinity = (
    pod.spec!.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
  ).map(strip);
  const anti = (
    pod.spec!.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
  ).map(strip);
  assert.ok(
    affinity.some((t: any) => isDeep(t, want.affinity)),
    `${podName(pod)} has the ${key} affinity term: ${JSON.stringify(affinity)}`,
  );
  assert.ok(
    anti.some((t: any) => isDeep(t, want.antiAffinity)),
    `${podName(pod)} has the ${key} anti-affinity term: ${JSON.stringify(anti)}`,
  );
}

function isDeep(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

const EXAMPLES: Shape[] = [
  { file: 'sample.yaml', replicas: 3, size: 4 },
  {
    file: 'multi-template.yaml',
    replicas: 2,
    size: 3,
    check: ({ pods }) => {
      for (const pod of pods) {
        const leader = workerOf(pod) === 0;
        assert.equal(pod.metadata!.labels!.role, leader ? 'leader' : 'worker', podName(pod));
        const c = pod.spec!.containers[0];
        assert.equal(c.name, leader ? 'leader' : 'worker');
        if (leader) {
          assert.deepEqual(c.env![3], { name: 'MODEL', value: 'meta-llama/Llama-3.1-405B' });
          assert.deepEqual(c.args, [
            'serve',
            '--tensor-parallel-size',
            '8',
            '--pipeline-parallel-size',
            '3',
          ]);
        } else {
          assert.equal(c.env!.length, 3, 'workers carry only the LWS variables');
          assert.equal(c.command![0], 'ray');
        }
      }
    },
  },
  {
    file: 'exclusive-topology.yaml',
    replicas: 3,
    size: 4,
    check: ({ east, pods }) => {
      for (const pod of pods) {
        const key = pod.metadata!.labels![`${L}/group-key`];
        if (workerOf(pod) === 0) {
          assertHasTerms(pod, `${L}/group-key`, 'rack', key);
          assert.equal(pod.metadata!.annotations![`${L}/exclusive-topology`], 'rack');
        } else {
          const leader = pods.find((p) => podName(p) === `exclusive-rack-${groupOf(pod)}`)!;
          assert.deepEqual(
            pod.spec!.nodeSelector,
            { rack: rackOf(east, leader) },
            `${podName(pod)} is pinned to its leader's rack`,
          );
        }
      }
      // Exclusive racks really exclusive: one rack per group, no rack shared by two groups.
      assertExclusiveRacks(east, pods, (p) => `group ${groupOf(p)}`);
    },
  },
  {
    file: 'subgroup.yaml',
    replicas: 3,
    size: 4,
    check: ({ east, pods }) => {
      for (const pod of pods) {
        const group = groupOf(pod);
        const sub = Math.floor(workerOf(pod) / 2); // size 4, subGroupSize 2: {0,1}, {2,3}
        const labels = pod.metadata!.labels!;
        assert.equal(labels[`${L}/subgroup-index`], String(sub), podName(pod));
        const subKey = sha1(`subgroup-sample-${group}/${sub}`);
        assert.equal(labels[`${L}/subgroup-key`], subKey, podName(pod));
        assertHasTerms(pod, `${L}/subgroup-key`, 'rack', subKey);
      }
      assertExclusiveRacks(
        east,
        pods,
        (p) => `subgroup ${groupOf(p)}/${Math.floor(workerOf(p) / 2)}`,
      );
    },
  },
  {
    file: 'subgroup-leader-excluded.yaml',
    replicas: 2,
    size: 5,
    check: ({ east, pods }) => {
      const workers = pods.filter((p) => workerOf(p) > 0);
      for (const pod of pods) {
        const labels = pod.metadata!.labels!;
        const node = nodeLabels(east, pod);
        if (workerOf(pod) === 0) {
          assert.equal(labels[`${L}/subgroup-index`], undefined, 'the leader is in no subgroup');
          assert.equal(labels[`${L}/subgroup-key`], undefined);
          assert.equal(node['node.kubernetes.io/instance-type'], 'cpu-64', podName(pod));
          assert.equal(pod.spec!.containers[0].name, 'router');
        } else {
          const sub = Math.floor((workerOf(pod) - 1) / 2); // {1,2} → 0, {3,4} → 1
          const subKey = sha1(`leader-excluded-${groupOf(pod)}/${sub}`);
          assert.equal(labels[`${L}/subgroup-index`], String(sub), podName(pod));
          assert.equal(labels[`${L}/subgroup-key`], subKey, podName(pod));
          assertHasTerms(pod, `${L}/subgroup-key`, 'rack', subKey);
          assert.equal(node['node.kubernetes.io/instance-type'], 'gpu-8x', podName(pod));
          assert.equal(pod.spec!.containers[0].name, 'shard');
        }
      }
      assertExclusiveRacks(
        east,
        workers,
        (p) => `subgroup ${groupOf(p)}/${Math.floor((workerOf(p) - 1) / 2)}`,
      );
    },
  },
  {
    file: 'unique-per-replica.yaml',
    replicas: 2,
    size: 3,
    uniquePerReplica: true,
    check: ({ pods }) => {
      for (const pod of pods.filter((p) => workerOf(p) === 0))
        assert.equal(pod.metadata!.annotations![`${L}/subdomainPolicy`], 'UniquePerReplica');
    },
  },
  {
    file: 'volume-claims.yaml',
    replicas: 2,
    size: 2,
    check: ({ east, pods }) => {
      for (const pod of pods) {
        const claim = `persistent-storage-${podName(pod)}`;
        const pvc = east.store.get('persistentvolumeclaims', 'default', claim) as any;
        assert.ok(pvc, `PVC ${claim} exists`);
        assert.equal(pvc.status?.phase, 'Bound', `${claim} is Bound`);
        assert.deepEqual(pvc.spec.resources.requests, { storage: '100Gi' });
        assert.deepEqual(pvc.spec.accessModes, ['ReadWriteOnce']);
        assert.equal(pvc.spec.storageClassName, 'default');
        const volume = pod.spec!.volumes?.find((v) => v.name === 'persistent-storage');
        assert.equal(
          volume?.persistentVolumeClaim?.claimName,
          claim,
          `${podName(pod)} mounts ${claim}`,
        );
        assert.equal(pod.spec!.containers[0].volumeMounts![0].mountPath, '/mnt/volume');
      }
    },
  },
  { file: 'startup-leader-ready.yaml', replicas: 3, size: 4 },
  { file: 'rolling-update.yaml', replicas: 4, size: 2 },
];

/** What every LWS pod carries, whatever the example: upstream's names, labels, env and owners. */
function assertUpstreamPod(
  pod: V1Pod,
  lws: Applied,
  shape: Shape,
  pods: V1Pod[],
  anchorUid: string,
) {
  const name = podName(pod);
  const m = new RegExp(`^${lws.name}-(\\d+)(?:-(\\d+))?$`).exec(name);
  assert.ok(m, `${name} is named <lws>-<i>[-<j>]`);
  const group = Number(m[1]);
  const worker = m[2] === undefined ? 0 : Number(m[2]);
  const leaderName = `${lws.name}-${group}`;
  const labels = pod.metadata!.labels!;
  assert.equal(labels[`${L}/name`], lws.name, name);
  assert.equal(labels[`${L}/group-index`], String(group), name);
  assert.equal(labels[`${L}/worker-index`], String(worker), name);
  assert.equal(labels[`${L}/group-key`], sha1(`default/${leaderName}`), name);
  assert.equal(labels[`${L}/template-revision-hash`], lws.templateHash, name);
  assert.equal(labels['app.kubernetes.io/managed-by'], 'lws-fleet', name);
  assert.equal(labels['fleet.lws.dev/lws-uid'], lws.uid, name);
  const annotations = pod.metadata!.annotations!;
  assert.equal(annotations[`${L}/size`], String(shape.size), name);
  if (worker > 0) assert.equal(annotations[`${L}/leader-name`], leaderName, name);

  const subdomain = shape.uniquePerReplica ? leaderName : lws.name;
  assert.equal(pod.spec!.hostname, name);
  assert.equal(pod.spec!.subdomain, subdomain, `${name} subdomain`);
  const containers: V1Container[] = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers];
  for (const c of containers) {
    assert.deepEqual(
      (c.env ?? []).slice(0, 3).map((e) => [e.name, e.value]),
      [
        ['LWS_LEADER_ADDRESS', `${leaderName}.${subdomain}.default`],
        ['LWS_GROUP_SIZE', String(shape.size)],
        ['LWS_WORKER_INDEX', String(worker)],
      ],
      `the LWS variables come first in ${name}/${c.name}`,
    );
  }
  const owner = pod.metadata!.ownerReferences?.find((o) => o.controller);
  if (worker === 0) {
    assert.deepEqual(
      [owner?.kind, owner?.uid],
      ['ConfigMap', anchorUid],
      `${name} owned by the anchor`,
    );
  } else {
    const leader = pods.find((p) => podName(p) === leaderName)!;
    assert.deepEqual(
      [owner?.kind, owner?.name, owner?.uid],
      ['Pod', leaderName, leader.metadata!.uid],
      `${name} owned by its leader`,
    );
  }
  assert.ok(pod.spec!.nodeName, `${name} is scheduled`);
}

function assertServices(east: SimCluster, lws: Applied, shape: Shape, pods: V1Pod[]) {
  const services = (
    east.store.list('services', {
      namespace: 'default',
      labelSelector: `fleet.lws.dev/lws-uid=${lws.uid}`,
    }).items as unknown as V1Service[]
  ).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
  if (shape.uniquePerReplica) {
    assert.deepEqual(
      services.map((s) => s.metadata!.name),
      Array.from({ length: shape.replicas }, (_, i) => `${lws.name}-${i}`),
      'one Service per group, no shared one',
    );
    for (const [i, s] of services.entries()) {
      assert.deepEqual(s.spec!.selector, {
        [`${L}/name`]: lws.name,
        [`${L}/group-index`]: String(i),
      });
      const leader = pods.find((p) => podName(p) === `${lws.name}-${i}`)!;
      const owner = s.metadata!.ownerReferences?.find((o) => o.controller);
      assert.deepEqual(
        [owner?.kind, owner?.uid],
        ['Pod', leader.metadata!.uid],
        'owned by its leader',
      );
    }
  } else {
    assert.deepEqual(
      services.map((s) => s.metadata!.name),
      [lws.name],
      'one shared Service',
    );
    assert.deepEqual(services[0].spec!.selector, { [`${L}/name`]: lws.name });
  }
  for (const s of services) {
    assert.equal(s.spec!.clusterIP, 'None', 'headless');
    assert.equal(s.spec!.publishNotReadyAddresses, true);
    assert.equal(s.metadata!.labels![`${L}/name`], lws.name);
  }
}

describe('every shared example converges in the simulator as upstream LWS would make it', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('fleet_examples');
  });
  after(async () => fleet?.close());

  test('the table covers every example manifest', () => {
    const files = readdirSync(examplesDir())
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    assert.deepEqual(EXAMPLES.map((e) => e.file).sort(), files);
  });

  // One at a time: exclusive topology needs whole racks, and every LWS pod's group-key counts
  // against another group's anti-affinity (upstream's issue #539), so the examples do not share.
  for (const shape of EXAMPLES) {
    test(shape.file, async () => {
      const east = fleet.sim.cluster('east');
      const lws = await apply(fleet, example(shape.file), 'east');
      const names = expectedPodNames(lws.name, shape.replicas, shape.size);
      const pods = await waitPods(east, lws.name, names);
      const status = await waitAvailable(fleet, lws.name, shape.replicas);
      assert.equal(status.status.updatedReplicas, shape.replicas);
      const anchor = east.store.get('configmaps', 'default', `${lws.name}.lws-fleet`);
      assert.ok(anchor?.metadata?.uid, 'the anchor ConfigMap exists');
      for (const pod of pods) assertUpstreamPod(pod, lws, shape, pods, anchor.metadata.uid);
      assertServices(east, lws, shape, pods);
      shape.check?.({ east, lws, pods });
      assert.equal(podsOf(fleet.sim.cluster('west'), lws.name).length, 0, 'nothing on west');

      await remove(fleet, lws.name);
      await eventually(
        async () =>
          podsOf(east, lws.name).length === 0 && (await readLws(fleet, lws.name)) === null,
        `${lws.name} deleted from east`,
      );
    });
  }
});
