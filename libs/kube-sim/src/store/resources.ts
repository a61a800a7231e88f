/**
 * What the store must know about each resource: identity (GVK, scope), the status subresource
 * split, generation tracking, selectable fields, and the create/update "strategy" (defaulting), the
 * way the apiserver's per-registry strategies do it (`pkg/registry/core/*`, `pkg/apis/core/v1/defaults.go`).
 */
import type { FieldGetter } from './selectors';
import type { KubeObject } from './types';

export interface StrategyContext {
  /** RFC 3339 of the store clock. */
  nowIso(): string;
  allocateClusterIP(): string;
}

export interface ResourceInfo {
  resource: string;
  kind: string;
  group: string;
  version: string;
  apiVersion: string;
  namespaced: boolean;
  /** PUT/PATCH on the main resource keep `.status`; `/status` writes change only `.status`. */
  statusSubresource: boolean;
  /** metadata.generation is set on create and bumped when anything but metadata/status changes. */
  generation: boolean;
  fields: Record<string, FieldGetter>;
  prepareCreate?(object: KubeObject, ctx: StrategyContext): void;
  /** Runs on every non-status write; `old` is the stored object. */
  prepareUpdate?(object: KubeObject, old: KubeObject, ctx: StrategyContext): void;
}

type Obj = Record<string, unknown>;

function path(object: Obj, ...keys: string[]): unknown {
  let cur: unknown = object;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[k];
  }
  return cur;
}

function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  return String(v);
}

function getter(...keys: string[]): FieldGetter {
  return (o) => str(path(o, ...keys));
}

const metaFields: Record<string, FieldGetter> = {
  'metadata.name': getter('metadata', 'name'),
  'metadata.namespace': getter('metadata', 'namespace'),
};

function obj(o: Obj, key: string): Obj {
  if (o[key] === null || typeof o[key] !== 'object') o[key] = {};
  return o[key] as Obj;
}

function defaultContainer(c: Obj): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined) {
    const image = str(c.image);
    const tag = image.includes('@') ? 'digest' : (image.split('/').pop() ?? '').split(':')[1];
    c.imagePullPolicy = !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  const resources = obj(c, 'resources');
  const limits = resources.limits as Obj | undefined;
  if (limits) {
    const requests = obj(resources, 'requests');
    for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
  }
  for (const p of (c.ports as Obj[] | undefined) ?? []) p.protocol ??= 'TCP';
}

function qosClass(spec: Obj): string {
  const containers = [
    ...((spec.containers as Obj[] | undefined) ?? []),
    ...((spec.initContainers as Obj[] | undefined) ?? []),
  ];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const r = (c.resources as Obj | undefined) ?? {};
    const req = (r.requests as Obj | undefined) ?? {};
    const lim = (r.limits as Obj | undefined) ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const res of ['cpu', 'memory']) {
      if (lim[res] === undefined || (req[res] !== undefined && req[res] !== lim[res])) {
        guaranteed = false;
      }
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  for (const c of (spec.containers as Obj[] | undefined) ?? []) defaultContainer(c);
  for (const c of (spec.initContainers as Obj[] | undefined) ?? []) defaultContainer(c);
  // DefaultTolerationSeconds admission.
  const tolerations = ((spec.tolerations as Obj[] | undefined) ?? []).slice();
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerations.some((t) => t.key === key && (t.effect === 'NoExecute' || !t.effect))) {
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
  }
  spec.tolerations = tolerations;
}

const podInfo: ResourceInfo = {
  resource: 'pods',
  kind: 'Pod',
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  namespaced: true,
  statusSubresource: true,
  generation: true,
  fields: {
    ...metaFields,
    'spec.nodeName': getter('spec', 'nodeName'),
    'spec.restartPolicy': getter('spec', 'restartPolicy'),
    'spec.schedulerName': getter('spec', 'schedulerName'),
    'spec.serviceAccountName': getter('spec', 'serviceAccountName'),
    'spec.hostNetwork': (o) => String(path(o, 'spec', 'hostNetwork') === true),
    'status.phase': getter('status', 'phase'),
    'status.podIP': getter('status', 'podIP'),
    'status.nominatedNodeName': getter('status', 'nominatedNodeName'),
  },
  prepareCreate(object) {
    const spec = obj(object, 'spec');
    defaultPodSpec(spec);
    const status = obj(object, 'status');
    status.phase ??= 'Pending';
    status.qosClass ??= qosClass(spec);
  },
  prepareUpdate(object, old) {
    // nodeName is set through binding; a PUT without it must not unbind the pod.
    const spec = obj(object, 'spec');
    const oldSpec = (old.spec as Obj | undefined) ?? {};
    if (spec.nodeName === undefined && oldSpec.nodeName !== undefined) {
      spec.nodeName = oldSpec.nodeName;
    }
    defaultPodSpec(spec);
  },
};

function defaultServiceSpec(spec: Obj, old: Obj | undefined, ctx: StrategyContext): void {
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  for (const p of (spec.ports as Obj[] | undefined) ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      const previous = old?.clusterIP as string | undefined;
      spec.clusterIP = previous ?? ctx.allocateClusterIP();
    }
    spec.clusterIPs ??= [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
}

const serviceInfo: ResourceInfo = {
  resource: 'services',
  kind: 'Service',
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  namespaced: true,
  statusSubresource: true,
  generation: false,
  fields: {
    ...metaFields,
    'spec.clusterIP': getter('spec', 'clusterIP'),
    'spec.type': getter('spec', 'type'),
  },
  prepareCreate(object, ctx) {
    defaultServiceSpec(obj(object, 'spec'), undefined, ctx);
    object.status ??= { loadBalancer: {} };
  },
  prepareUpdate(object, old, ctx) {
    defaultServiceSpec(obj(object, 'spec'), old.spec as Obj | undefined, ctx);
  },
};

const nodeInfo: ResourceInfo = {
  resource: 'nodes',
  kind: 'Node',
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  namespaced: false,
  statusSubresource: true,
  generation: false,
  fields: {
    ...metaFields,
    'spec.unschedulable': (o) => String(path(o, 'spec', 'unschedulable') === true),
  },
};

const namespaceInfo: ResourceInfo = {
  resource: 'namespaces',
  kind: 'Namespace',
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  namespaced: false,
  statusSubresource: true,
  generation: false,
  fields: { ...metaFields, 'status.phase': getter('status', 'phase') },
  prepareCreate(object) {
    const labels = (object.metadata.labels ??= {});
    labels['kubernetes.io/metadata.name'] = object.metadata.name!;
    const spec = obj(object, 'spec');
    spec.finalizers ??= ['kubernetes'];
    object.status = { phase: 'Active' };
  },
  prepareUpdate(object) {
    const labels = (object.metadata.labels ??= {});
    labels['kubernetes.io/metadata.name'] = object.metadata.name!;
  },
};

const pvcInfo: ResourceInfo = {
  resource: 'persistentvolumeclaims',
  kind: 'PersistentVolumeClaim',
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  namespaced: true,
  statusSubresource: true,
  generation: false,
  fields: { ...metaFields },
  prepareCreate(object) {
    const spec = obj(object, 'spec');
    spec.volumeMode ??= 'Filesystem';
    object.status = { phase: 'Pending' };
  },
  prepareUpdate(object) {
    obj(object, 'spec').volumeMode ??= 'Filesystem';
  },
};

const configMapInfo: ResourceInfo = {
  resource: 'configmaps',
  kind: 'ConfigMap',
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  namespaced: true,
  statusSubresource: false,
  generation: false,
  fields: { ...metaFields },
};

const eventInfo: ResourceInfo = {
  resource: 'events',
  kind: 'Event',
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  namespaced: true,
  statusSubresource: false,
  generation: false,
  fields: {
    ...metaFields,
    'involvedObject.kind': getter('involvedObject', 'kind'),
    'involvedObject.namespace': getter('involvedObject', 'namespace'),
    'involvedObject.name': getter('involvedObject', 'name'),
    'involvedObject.uid': getter('involvedObject', 'uid'),
    'involvedObject.apiVersion': getter('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': getter('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': getter('involvedObject', 'fieldPath'),
    reason: getter('reason'),
    reportingComponent: getter('reportingComponent'),
    source: getter('source', 'component'),
    type: getter('type'),
  },
  prepareCreate(object, ctx) {
    const now = ctx.nowIso();
    if (object.firstTimestamp === undefined && object.eventTime === undefined) {
      object.firstTimestamp = now;
    }
    if (object.lastTimestamp === undefined && object.eventTime === undefined) {
      object.lastTimestamp = object.firstTimestamp;
    }
    object.count ??= 1;
    object.type ??= 'Normal';
    object.source ??= {};
    object.reportingComponent ??= '';
    object.reportingInstance ??= '';
  },
};

const leaseInfo: ResourceInfo = {
  resource: 'leases',
  kind: 'Lease',
  group: 'coordination.k8s.io',
  version: 'v1',
  apiVersion: 'coordination.k8s.io/v1',
  namespaced: true,
  statusSubresource: false,
  generation: false,
  fields: { ...metaFields },
};

export const RESOURCES: Record<string, ResourceInfo> = Object.fromEntries(
  [namespaceInfo, nodeInfo, podInfo, serviceInfo, pvcInfo, configMapInfo, eventInfo, leaseInfo].map(
    (r) => [r.resource, r],
  ),
);

export function resourceInfo(resource: string): ResourceInfo | undefined {
  return RESOURCES[resource];
}
