import type { KubeObject } from '../store/types';
import type { NodeShape, TopologySpec } from './types';
import {
  LABEL_ARCH,
  LABEL_HOSTNAME,
  LABEL_INSTANCE_TYPE,
  LABEL_OS,
  LABEL_RACK,
  LABEL_REGION,
  LABEL_ZONE,
  RESOURCE_GPU,
} from './labels';
import { DEFAULT_MANUAL_START, rfc3339 } from './clock';

export const KUBELET_VERSION = 'v1.32.4';

export const GPU_NODE: NodeShape = {
  instanceType: 'gpu-8x',
  cpu: '96',
  memory: '1Ti',
  gpus: 8,
  pods: 110,
};

export const CPU_NODE: NodeShape = {
  instanceType: 'cpu-64',
  cpu: '64',
  memory: '256Gi',
  pods: 110,
};

/** 2 zones × 4 racks; each rack 4 gpu-8x nodes and 1 cpu-64 node: 40 nodes. */
export function defaultTopology(): TopologySpec {
  return {
    zones: 2,
    racksPerZone: 4,
    rack: [
      { shape: { ...GPU_NODE }, count: 4 },
      { shape: { ...CPU_NODE }, count: 1 },
    ],
  };
}

/** Zone letters: a, b, …, z, then aa, ab, … */
export function zoneLetter(index: number): string {
  let s = '';
  let n = index;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** The short name of a shape in node names: `gpu` for gpu-8x, `cpu` for cpu-64. */
function shapeShortName(shape: NodeShape): string {
  const named = (shape as NodeShape & { name?: string }).name;
  if (named) return named;
  return shape.instanceType.split(/[-.]/)[0] || 'node';
}

/** A short stable hex digest (FNV-1a) for machine ids and the like. */
export function hexDigest(text: string, length = 32): string {
  let out = '';
  let seed = 0;
  while (out.length < length) {
    let h = 0x811c9dc5 ^ seed;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
    seed++;
  }
  return out.slice(0, length);
}

export interface NodeBuildOptions {
  /** Timestamp for the node conditions (default: the manual clock's default start). */
  now?: number;
  /** First index for pod CIDRs and internal IPs (so added nodes do not collide). */
  firstIndex?: number;
}

/**
 * One Node object with realistic status: capacity, allocatable, conditions, addresses, nodeInfo,
 * so `kubectl get nodes -L rack` and `kubectl describe node` read naturally.
 */
export function buildNode(
  name: string,
  shape: NodeShape,
  labels: Record<string, string>,
  index: number,
  now: number = DEFAULT_MANUAL_START,
): KubeObject {
  const ts = rfc3339(now);
  const capacity: Record<string, string> = {
    cpu: shape.cpu,
    memory: shape.memory,
    pods: String(shape.pods ?? 110),
    'ephemeral-storage': '1Ti',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
  };
  if (shape.gpus) capacity[RESOURCE_GPU] = String(shape.gpus);
  const internalIP = `10.0.${Math.floor(index / 250)}.${(index % 250) + 2}`;
  const podCIDR = `10.${244 + Math.floor(index / 256)}.${index % 256}.0/24`;
  const spec: Record<string, unknown> = {
    podCIDR,
    podCIDRs: [podCIDR],
    providerID: `kube-sim://${name}`,
  };
  if (shape.taints && shape.taints.length) spec.taints = shape.taints.map((t) => ({ ...t }));
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: ts,
    lastTransitionTime: ts,
    reason,
    message,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        [LABEL_ARCH]: 'amd64',
        [LABEL_OS]: 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        [LABEL_HOSTNAME]: name,
        [LABEL_INSTANCE_TYPE]: shape.instanceType,
        ...labels,
        ...(shape.labels ?? {}),
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec,
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: [
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        condition(
          'DiskPressure',
          'False',
          'KubeletHasNoDiskPressure',
          'kubelet has no disk pressure',
        ),
        condition(
          'PIDPressure',
          'False',
          'KubeletHasSufficientPID',
          'kubelet has sufficient PID available',
        ),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: internalIP },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hexDigest(`machine/${name}`),
        systemUUID: uuidFrom(hexDigest(`system/${name}`)),
        bootID: uuidFrom(hexDigest(`boot/${name}`)),
        kernelVersion: '6.1.0-kube-sim',
        osImage: 'kube-sim (simulated node)',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [],
    },
  };
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The nodes of one cluster, in a stable order. Names read `<cluster>-<zone>-r<rack>-<shape>-<n>`,
 * e.g. `east-a-r1-gpu-1`; labels: zone `zone-a`, rack `zone-a-rack-1`,
 * region = the cluster name.
 */
export function buildNodes(
  topology: TopologySpec,
  clusterName: string,
  options: NodeBuildOptions = {},
): KubeObject[] {
  const nodes: KubeObject[] = [];
  let index = options.firstIndex ?? 0;
  for (let z = 0; z < topology.zones; z++) {
    const zone = zoneLetter(z);
    for (let r = 1; r <= topology.racksPerZone; r++) {
      const counters = new Map<string, number>();
      for (const { shape, count } of topology.rack) {
        const short = shapeShortName(shape);
        for (let i = 0; i < count; i++) {
          const n = (counters.get(short) ?? 0) + 1;
          counters.set(short, n);
          const name = `${clusterName}-${zone}-r${r}-${short}-${n}`;
          nodes.push(
            buildNode(
              name,
              shape,
              {
                [LABEL_REGION]: clusterName,
                [LABEL_ZONE]: `zone-${zone}`,
                [LABEL_RACK]: `zone-${zone}-rack-${r}`,
              },
              index++,
              options.now,
            ),
          );
        }
      }
    }
  }
  return nodes;
}

/** The namespaces every cluster has from the start. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function buildNamespace(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/**
 * What a fresh cluster holds before any client talks to it: the system namespaces, then the
 * nodes. sim.ts creates them in this order (namespaces first).
 */
export function bootstrapObjects(
  clusterName: string,
  topology: TopologySpec = defaultTopology(),
  now?: number,
): Array<{ resource: string; object: KubeObject }> {
  return [
    ...SYSTEM_NAMESPACES.map((name) => ({ resource: 'namespaces', object: buildNamespace(name) })),
    ...buildNodes(topology, clusterName, { now }).map((object) => ({ resource: 'nodes', object })),
  ];
}
