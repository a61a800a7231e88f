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
  /** Update validation after defaulting (immutable fields); a violation becomes 422 Invalid. */
  validateUpdate?(object: KubeObject, old: KubeObject): FieldViolation | undefined;
}

export interface FieldViolation {
  field: string;
  /** The text after `<field>: ` in the Status message. */
  message: string;
  value?: unknown;
}

const POD_UPDATE_FORBIDDEN =
  'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The pod spec is immutable but for images, activeDeadlineSeconds, added tolerations and removed scheduling gates. */
function podSpecUpdateAllowed(spec: Obj, old: Obj): boolean {
  const a = JSON.parse(JSON.stringify(spec)) as Obj;
  const b = old;
  for (const list of ['containers', 'initContainers']) {
    const na = (a[list] as Obj[] | undefined) ?? [];
    const nb = (b[list] as Obj[] | undefined) ?? [];
    if (na.length !== nb.length) return false;
    na.forEach((c, i) => {
      if (c.name === nb[i].name) c.image = nb[i].image;
    });
  }
  a.activeDeadlineSeconds = b.activeDeadlineSeconds;
  const oldTolerations = (b.tolerations as Obj[] | undefined) ?? [];
  const newTolerations = (a.tolerations as Obj[] | undefined) ?? [];
  const keyOf = (t: Obj): string =>
    JSON.stringify([t.key, t.operator, t.value, t.effect, t.tolerationSeconds]);
  if (oldTolerations.every((t) => newTolerations.some((n) => keyOf(n) === keyOf(t))))
    a.tolerations = b.tolerations;
  const oldGates = (b.schedulingGates as Obj[] | undefined) ?? [];
  const newGates = (a.schedulingGates as Obj[] | undefined) ?? [];
  if (newGates.every((g) => oldGates.some((o) => o.name === g.name)))
    a.schedulingGates = b.schedulingGates;
  if (a.activeDeadlineSeconds === undefined) delete a.activeDeadlineSeconds;
  if (a.tolerations === undefined) delete a.tolerations;
  if (a.schedulingGates === undefined) delete a.schedulingGates;
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v as Obj)
      .filter((k) => (v as Obj)[k] !== undefined)
      .sort()
      .map((k) => [k, sortKeys((v as Obj)[k])]),
  );
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
    // As the pod strategy does: a client cannot create a pod with a status of its choosing.
    object.status = { phase: 'Pending', qosClass: qosClass(spec) };
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
  validateUpdate(object, old) {
    if (podSpecUpdateAllowed((object.spec as Obj) ?? {}, (old.spec as Obj) ?? {})) return undefined;
    return { field: 'spec', message: POD_UPDATE_FORBIDDEN };
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
    object.status = { loadBalancer: {} };
  },
  prepareUpdate(object, old, ctx) {
    defaultServiceSpec(obj(object, 'spec'), old.spec as Obj | undefined, ctx);
  },
  validateUpdate(object, old) {
    const ip = (object.spec as Obj | undefined)?.clusterIP;
    const before = (old.spec as Obj | undefined)?.clusterIP;
    if (before !== undefined && ip !== before) {
      return { field: 'spec.clusterIP', message: 'field is immutable', value: ip };
    }
    return undefined;
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

/** stringData is write-only: merged into data (base64) on every write. */
function foldStringData(object: KubeObject): void {
  const stringData = object.stringData as Record<string, string> | undefined;
  if (stringData) {
    const data = (object.data ??= {}) as Record<string, string>;
    for (const [k, v] of Object.entries(stringData))
      data[k] = Buffer.from(String(v)).toString('base64');
    delete object.stringData;
  }
}

const secretInfo: ResourceInfo = {
  resource: 'secrets',
  kind: 'Secret',
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  namespaced: true,
  statusSubresource: false,
  generation: false,
  fields: { ...metaFields, type: getter('type') },
  prepareCreate(object) {
    foldStringData(object);
    object.type ??= 'Opaque';
  },
  prepareUpdate(object) {
    foldStringData(object);
    object.type ??= 'Opaque';
  },
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
  [
    namespaceInfo,
    nodeInfo,
    podInfo,
    serviceInfo,
    pvcInfo,
    configMapInfo,
    secretInfo,
    eventInfo,
    leaseInfo,
  ].map((r) => [r.resource, r]),
);

export function resourceInfo(resource: string): ResourceInfo | undefined {
  return RESOURCES[resource];
}
