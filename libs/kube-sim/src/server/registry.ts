/**
 * The API surface each served resource presents to clients: discovery names (singular, shortNames,
 * categories), verbs, subresources, and the strategic-merge-patch keys of its schema. The storage
 * side (scope, status split, defaults, selectable fields) lives in ../store/resources.ts.
 */
import type { ResourceInfo } from '../store/resources';

export interface ServedResource {
  resource: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  subresources: Array<'status' | 'binding' | 'log'>;
  /**
   * Strategic-merge-patch list keys by dotted path (array indices dropped). `''` marks a list of
   * primitives merged as a set; anything absent is replaced atomically.
   */
  mergeKeys: Record<string, string>;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const CONTAINER_KEYS = (prefix: string): Record<string, string> => ({
  [prefix]: 'name',
  [`${prefix}.env`]: 'name',
  [`${prefix}.ports`]: 'containerPort',
  [`${prefix}.volumeMounts`]: 'mountPath',
  [`${prefix}.volumeDevices`]: 'devicePath',
});

const META_KEYS: Record<string, string> = {
  'metadata.ownerReferences': 'uid',
  'metadata.finalizers': '',
};

const POD_SPEC = (prefix: string): Record<string, string> => ({
  ...CONTAINER_KEYS(`${prefix}.containers`),
  ...CONTAINER_KEYS(`${prefix}.initContainers`),
  ...CONTAINER_KEYS(`${prefix}.ephemeralContainers`),
  [`${prefix}.volumes`]: 'name',
  [`${prefix}.imagePullSecrets`]: 'name',
  [`${prefix}.hostAliases`]: 'ip',
  [`${prefix}.schedulingGates`]: 'name',
  [`${prefix}.resourceClaims`]: 'name',
});

export const SERVED: Record<string, ServedResource> = {
  namespaces: {
    resource: 'namespaces',
    singular: 'namespace',
    shortNames: ['ns'],
    categories: [],
    subresources: ['status'],
    mergeKeys: { ...META_KEYS, 'status.conditions': 'type' },
  },
  nodes: {
    resource: 'nodes',
    singular: 'node',
    shortNames: ['no'],
    categories: [],
    subresources: ['status'],
    mergeKeys: {
      ...META_KEYS,
      'status.conditions': 'type',
      'status.addresses': 'type',
      'spec.podCIDRs': '',
    },
  },
  pods: {
    resource: 'pods',
    singular: 'pod',
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'binding', 'log'],
    mergeKeys: {
      ...META_KEYS,
      ...POD_SPEC('spec'),
      'status.conditions': 'type',
      'status.podIPs': 'ip',
      'status.hostIPs': 'ip',
    },
  },
  services: {
    resource: 'services',
    singular: 'service',
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
    mergeKeys: { ...META_KEYS, 'spec.ports': 'port', 'status.conditions': 'type' },
  },
  persistentvolumeclaims: {
    resource: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    shortNames: ['pvc'],
    categories: [],
    subresources: ['status'],
    mergeKeys: { ...META_KEYS, 'status.conditions': 'type' },
  },
  configmaps: {
    resource: 'configmaps',
    singular: 'configmap',
    shortNames: ['cm'],
    categories: [],
    subresources: [],
    mergeKeys: { ...META_KEYS },
  },
  secrets: {
    resource: 'secrets',
    singular: 'secret',
    shortNames: [],
    categories: [],
    subresources: [],
    mergeKeys: { ...META_KEYS },
  },
  events: {
    resource: 'events',
    singular: 'event',
    shortNames: ['ev'],
    categories: [],
    subresources: [],
    mergeKeys: { ...META_KEYS },
  },
  leases: {
    resource: 'leases',
    singular: 'lease',
    shortNames: [],
    categories: [],
    subresources: [],
    mergeKeys: { ...META_KEYS },
  },
};

export function served(info: ResourceInfo): ServedResource {
  return (
    SERVED[info.resource] ?? {
      resource: info.resource,
      singular: info.kind.toLowerCase(),
      shortNames: [],
      categories: [],
      subresources: info.statusSubresource ? ['status'] : [],
      mergeKeys: { ...META_KEYS },
    }
  );
}

export function verbs(): string[] {
  return VERBS;
}

export interface GroupVersion {
  group: string;
  version: string;
  groupVersion: string;
  resources: ResourceInfo[];
}

/** The group versions served, core first, in a stable order. */
export function groupVersions(resources: ResourceInfo[]): GroupVersion[] {
  const map = new Map<string, GroupVersion>();
  for (const info of resources) {
    const gv = info.group ? `${info.group}/${info.version}` : info.version;
    let entry = map.get(gv);
    if (!entry) {
      entry = { group: info.group, version: info.version, groupVersion: gv, resources: [] };
      map.set(gv, entry);
    }
    entry.resources.push(info);
  }
  return [...map.values()].sort((a, b) =>
    a.group === '' ? -1 : b.group === '' ? 1 : a.groupVersion.localeCompare(b.groupVersion),
  );
}

const COMMON_TOP = ['apiVersion', 'kind', 'metadata'];
const TOP_LEVEL: Record<string, string[]> = {
  '/Pod': ['spec', 'status'],
  '/Service': ['spec', 'status'],
  '/Node': ['spec', 'status'],
  '/Namespace': ['spec', 'status'],
  '/PersistentVolumeClaim': ['spec', 'status'],
  '/ConfigMap': ['data', 'binaryData', 'immutable'],
  '/Secret': ['data', 'stringData', 'type', 'immutable'],
  '/Event': [
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ],
  'events.k8s.io/Event': [
    'regarding',
    'note',
    'reportingController',
    'reportingInstance',
    'deprecatedSource',
    'deprecatedFirstTimestamp',
    'deprecatedLastTimestamp',
    'deprecatedCount',
    'eventTime',
    'series',
    'action',
    'reason',
    'related',
    'type',
  ],
  'coordination.k8s.io/Lease': ['spec'],
};

export const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** The top-level fields of a kind (for field validation), or undefined when unknown. */
export function topLevelFields(info: ResourceInfo): Set<string> | undefined {
  const fields = TOP_LEVEL[`${info.group}/${info.kind}`];
  return fields ? new Set([...COMMON_TOP, ...fields]) : undefined;
}
