/** Fluent builders for pods and nodes in controller tests. */
import type { KubeObject } from '../store/types';
import type { Taint, Toleration } from './selectors';
import { buildNode } from './topology';

type Rec = Record<string, unknown>;

export class PodBuilder {
  private readonly pod: KubeObject;

  constructor(name: string, namespace = 'default') {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: {} },
      spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] },
    };
  }

  private get spec(): Rec {
    return this.pod.spec as Rec;
  }

  private get main(): Rec {
    return (this.spec.containers as Rec[])[0];
  }

  uid(uid: string): this {
    this.pod.metadata.uid = uid;
    return this;
  }

  labels(labels: Record<string, string>): this {
    this.pod.metadata.labels = { ...this.pod.metadata.labels, ...labels };
    return this;
  }

  requests(requests: Record<string, string>): this {
    const resources = (this.main.resources as Rec | undefined) ?? {};
    resources.requests = { ...((resources.requests as Rec) ?? {}), ...requests };
    this.main.resources = resources;
    return this;
  }

  limits(limits: Record<string, string>): this {
    const resources = (this.main.resources as Rec | undefined) ?? {};
    resources.limits = { ...((resources.limits as Rec) ?? {}), ...limits };
    this.main.resources = resources;
    return this;
  }

  gpus(n: number): this {
    return this.limits({ 'nvidia.com/gpu': String(n) });
  }

  node(name: string): this {
    this.spec.nodeName = name;
    return this;
  }

  phase(phase: string): this {
    this.pod.status = { ...((this.pod.status as Rec) ?? {}), phase };
    return this;
  }

  nodeSelector(sel: Record<string, string>): this {
    this.spec.nodeSelector = sel;
    return this;
  }

  restartPolicy(policy: 'Always' | 'OnFailure' | 'Never'): this {
    this.spec.restartPolicy = policy;
    return this;
  }

  grace(seconds: number): this {
    this.spec.terminationGracePeriodSeconds = seconds;
    return this;
  }

  tolerate(...tolerations: Toleration[]): this {
    this.spec.tolerations = [...((this.spec.tolerations as Toleration[]) ?? []), ...tolerations];
    return this;
  }

  claim(claimName: string): this {
    this.spec.volumes = [
      ...((this.spec.volumes as Rec[]) ?? []),
      { name: claimName, persistentVolumeClaim: { claimName } },
    ];
    return this;
  }

  private affinity(): Rec {
    this.spec.affinity = (this.spec.affinity as Rec) ?? {};
    return this.spec.affinity as Rec;
  }

  nodeAffinity(
    ...matchExpressions: Array<{ key: string; operator: string; values?: string[] }>
  ): this {
    this.affinity().nodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] },
    };
    return this;
  }

  nodeAffinityTerms(terms: Rec[]): this {
    this.affinity().nodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms },
    };
    return this;
  }

  private addPodTerm(kind: 'podAffinity' | 'podAntiAffinity', term: Rec): this {
    const a = this.affinity();
    const section = (a[kind] as Rec) ?? {};
    section.requiredDuringSchedulingIgnoredDuringExecution = [
      ...((section.requiredDuringSchedulingIgnoredDuringExecution as Rec[]) ?? []),
      term,
    ];
    a[kind] = section;
    return this;
  }

  /** Required pod affinity: `key op values` within topologyKey. */
  podAffinity(
    topologyKey: string,
    key: string,
    operator: string,
    values?: string[],
    extra: Rec = {},
  ): this {
    return this.addPodTerm('podAffinity', {
      topologyKey,
      labelSelector: { matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] },
      ...extra,
    });
  }

  podAffinityTerm(term: Rec): this {
    return this.addPodTerm('podAffinity', term);
  }

  podAntiAffinity(
    topologyKey: string,
    key: string,
    operator: string,
    values?: string[],
    extra: Rec = {},
  ): this {
    return this.addPodTerm('podAntiAffinity', {
      topologyKey,
      labelSelector: { matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] },
      ...extra,
    });
  }

  podAntiAffinityTerm(term: Rec): this {
    return this.addPodTerm('podAntiAffinity', term);
  }

  ownedBy(
    owner: KubeObject,
    options: { controller?: boolean; blockOwnerDeletion?: boolean } = {},
  ): this {
    this.pod.metadata.ownerReferences = [
      ...(this.pod.metadata.ownerReferences ?? []),
      {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.metadata.name ?? '',
        uid: owner.metadata.uid ?? '',
        controller: options.controller ?? true,
        blockOwnerDeletion: options.blockOwnerDeletion ?? true,
      },
    ];
    return this;
  }

  obj(): KubeObject {
    return structuredClone(this.pod);
  }
}

export function pod(name: string, namespace = 'default'): PodBuilder {
  return new PodBuilder(name, namespace);
}

export interface TestNodeOptions {
  cpu?: string;
  memory?: string;
  gpus?: number;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

export function node(name: string, options: TestNodeOptions = {}): KubeObject {
  const n = buildNode(
    name,
    {
      instanceType: options.gpus ? 'gpu-8x' : 'cpu-64',
      cpu: options.cpu ?? '8',
      memory: options.memory ?? '32Gi',
      gpus: options.gpus,
      pods: options.pods ?? 110,
    },
    options.labels ?? {},
    0,
  );
  const spec = n.spec as Rec;
  if (options.taints) spec.taints = options.taints;
  if (options.unschedulable) spec.unschedulable = true;
  return n;
}
