/**
 * The in-memory object store of one simulated cluster: a map per resource, a store-wide monotonic
 * resourceVersion, and a bounded event history per resource so that watches can resume from a
 * recent resourceVersion (older ones get 410 Gone, like a compacted etcd).
 *
 * Two faces: the `ObjectStore` contract (deep copies in and out, for controllers and tests), and
 * `raw*` methods for the HTTP layer, which hand out the stored objects themselves for serialisation
 * only. Stored objects are never mutated in place; every write stores a new object.
 */
import { randomUUID } from 'node:crypto';

import { RESOURCES, type ResourceInfo, type StrategyContext } from './resources';
import {
  checkFieldSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldSelector,
  type LabelSelector,
} from './selectors';
import {
  StoreError,
  type DeleteOptions,
  type KubeObject,
  type ListOptions,
  type ObjectStore,
  type StoreEvent,
} from './types';
import { clone, deepEqual, isoSeconds, seededRandom } from './util';

export interface MemoryStoreOptions {
  /** Time source for timestamps; defaults to the wall clock. */
  clock?: { now(): number };
  /** Events kept per resource for watch resumption (default 10000). */
  historySize?: number;
  /** Seed for generated names (default 1). */
  seed?: number;
  /** Namespaces that exist from the start (default: default, kube-system, kube-public, kube-node-lease). */
  namespaces?: string[];
  /** Extra resource definitions (by plural) beyond the built-in ones. */
  resources?: ResourceInfo[];
}

export interface WriteOptions {
  /** Validate and default but do not persist (`dryRun=All`). */
  dryRun?: boolean;
}

export interface RawListOptions {
  namespace?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  limit?: number;
  /** Start after this key (from a continue token). */
  startAfter?: string;
}

export interface RawListResult {
  items: KubeObject[];
  resourceVersion: number;
  /** The key of the last item when more remain. */
  lastKey?: string;
  remaining?: number;
}

export type RawListener = (event: StoreEvent) => void;

interface Bucket {
  info: ResourceInfo;
  objects: Map<string, KubeObject>;
  sortedKeys: string[] | null;
  ring: StoreEvent[];
  ringStart: number;
  ringLength: number;
  /** Every event with rv > minRv is still in the ring. */
  minRv: number;
  listeners: Set<RawListener>;
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAMED = new Set(['namespaces', 'services']);

function key(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function qualifiedResource(info: ResourceInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

export function notFound(info: ResourceInfo | string, name: string): StoreError {
  const resource = typeof info === 'string' ? info : qualifiedResource(info);
  const group = typeof info === 'string' ? undefined : info.group || undefined;
  const kind = typeof info === 'string' ? info : info.resource;
  return new StoreError(404, 'NotFound', `${resource} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind,
  });
}

function conflict(info: ResourceInfo, name: string, why?: string): StoreError {
  return new StoreError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(info)} "${name}": ${
      why ??
      'the object has been modified; please apply your changes to the latest version and try again'
    }`,
    { name, ...(info.group ? { group: info.group } : {}), kind: info.resource },
  );
}

export function invalid(
  info: ResourceInfo,
  name: string,
  field: string,
  message: string,
  value?: unknown,
): StoreError {
  const detail =
    value === undefined
      ? `${field}: ${message}`
      : `${field}: Invalid value: ${JSON.stringify(value)}: ${message}`;
  return new StoreError(
    422,
    'Invalid',
    `${info.kind}${info.group ? '.' + info.group : ''} "${name}" is invalid: ${detail}`,
    {
      name,
      ...(info.group ? { group: info.group } : {}),
      kind: info.kind,
      causes: [
        {
          reason: message.startsWith('Forbidden')
            ? 'FieldValueForbidden'
            : message.startsWith('Required')
              ? 'FieldValueRequired'
              : 'FieldValueInvalid',
          message: detail.slice(field.length + 2),
          field,
        },
      ],
    },
  );
}

export function expired(message: string): StoreError {
  return new StoreError(410, 'Expired', message);
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** ObjectMeta validation shared by every kind (labels, annotations, ownerReferences). */
function validateMeta(info: ResourceInfo, o: KubeObject): void {
  const meta = o.metadata;
  const name = meta.name ?? meta.generateName ?? '';
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    const [prefix, key] = k.includes('/')
      ? [k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)]
      : ['', k];
    if (
      !LABEL_NAME.test(key) ||
      key.length > 63 ||
      (prefix && (!DNS1123_SUBDOMAIN.test(prefix) || prefix.length > 253))
    ) {
      throw invalid(
        info,
        name,
        'metadata.labels',
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        k,
      );
    }
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      throw invalid(
        info,
        name,
        'metadata.labels',
        typeof v === 'string' && v.length > 63
          ? 'must be no more than 63 characters'
          : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        v,
      );
    }
  }
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (typeof v !== 'string')
      throw invalid(info, name, `metadata.annotations[${k}]`, 'must be a string', v);
  }
  const owners = meta.ownerReferences ?? [];
  if (!Array.isArray(owners))
    throw invalid(info, name, 'metadata.ownerReferences', 'must be a list', owners);
  for (const ref of owners) {
    for (const field of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      if (!ref || typeof ref[field] !== 'string' || !ref[field]) {
        throw invalid(
          info,
          name,
          `metadata.ownerReferences.${field}`,
          `${field} must not be empty`,
          ref?.[field] ?? '',
        );
      }
    }
  }
  const controllers = owners.filter((r) => r.controller === true);
  if (controllers.length > 1) {
    throw invalid(
      info,
      name,
      'metadata.ownerReferences',
      `Only one reference can have Controller set to true. Found "true" in references for ${controllers
        .map((r) => `${r.kind}/${r.name}`)
        .join(' and ')}`,
      owners,
    );
  }
}

/** Container names (DNS-1123 labels, unique across containers and initContainers) and images. */
function validateContainers(info: ResourceInfo, name: string, spec: Record<string, unknown>): void {
  const seen = new Set<string>();
  for (const list of ['initContainers', 'containers']) {
    const containers = (spec[list] as Array<Record<string, unknown>> | undefined) ?? [];
    containers.forEach((c, i) => {
      const field = `spec.${list}[${i}]`;
      const cname = c?.name;
      if (typeof cname !== 'string' || !cname)
        throw invalid(info, name, `${field}.name`, 'Required value');
      if (!DNS1123_LABEL.test(cname) || cname.length > 63) {
        throw invalid(
          info,
          name,
          `${field}.name`,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
          cname,
        );
      }
      if (seen.has(cname)) throw invalid(info, name, `${field}.name`, 'Duplicate value', cname);
      seen.add(cname);
      if (typeof c.image !== 'string' || !c.image.trim()) {
        throw invalid(info, name, `${field}.image`, 'Required value');
      }
    });
  }
}

function specChanged(a: KubeObject, b: KubeObject): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === 'metadata' || k === 'status' || k === 'kind' || k === 'apiVersion') continue;
    if (!deepEqual(a[k], b[k])) return true;
  }
  return false;
}

function hasFinalizers(o: KubeObject): boolean {
  if ((o.metadata.finalizers?.length ?? 0) > 0) return true;
  const specFinalizers = (o.spec as { finalizers?: string[] } | undefined)?.finalizers;
  return o.kind === 'Namespace' && (specFinalizers?.length ?? 0) > 0;
}

/** The apiserver removes a deleting object once it has no finalizers and no grace period left. */
function readyToRemove(o: KubeObject): boolean {
  return (
    o.metadata.deletionTimestamp !== undefined &&
    !hasFinalizers(o) &&
    (o.metadata.deletionGracePeriodSeconds ?? 0) === 0
  );
}

export class MemoryStore implements ObjectStore {
  private rv = 0;
  private compactedRv = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly historySize: number;
  private readonly clock: { now(): number };
  private readonly random: () => number;
  private readonly globalListeners = new Set<RawListener>();
  private readonly publicListeners = new Set<(event: StoreEvent) => void>();
  private readonly queue: StoreEvent[] = [];
  private dispatching = false;
  private nextServiceIP = 10;
  private readonly ctx: StrategyContext;

  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.historySize = options.historySize ?? 10000;
    this.random = seededRandom(options.seed ?? 1);
    this.ctx = {
      nowIso: () => isoSeconds(this.clock.now()),
      allocateClusterIP: () => {
        const n = this.nextServiceIP++;
        return `10.96.${(n >> 8) & 255}.${n & 255}`;
      },
    };
    for (const info of [...Object.values(RESOURCES), ...(options.resources ?? [])]) {
      this.buckets.set(info.resource, {
        info,
        objects: new Map(),
        sortedKeys: null,
        ring: new Array(Math.min(this.historySize, 1024)),
        ringStart: 0,
        ringLength: 0,
        minRv: 0,
        listeners: new Set(),
      });
    }
    for (const ns of options.namespaces ?? [
      'default',
      'kube-system',
      'kube-public',
      'kube-node-lease',
    ]) {
      this.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
  }

  get resourceVersion(): number {
    return this.rv;
  }

  info(resource: string): ResourceInfo {
    return this.bucket(resource).info;
  }

  hasResource(resource: string): boolean {
    return this.buckets.has(resource);
  }

  resources(): ResourceInfo[] {
    return [...this.buckets.values()].map((b) => b.info);
  }

  count(resource: string): number {
    return this.bucket(resource).objects.size;
  }

  private bucket(resource: string): Bucket {
    const b = this.buckets.get(resource);
    if (!b)
      throw new StoreError(
        404,
        'NotFound',
        `the server could not find the requested resource (${resource})`,
      );
    return b;
  }

  // ---- ObjectStore (copies) ----

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.peek(resource, namespace, name);
    return o ? clone(o) : undefined;
  }

  list(
    resource: string,
    options: ListOptions = {},
  ): { items: KubeObject[]; resourceVersion: string } {
    const b = this.bucket(resource);
    const fieldSelector = parseFieldSelector(options.fieldSelector);
    checkFieldSelector(fieldSelector, b.info.fields);
    const r = this.rawList(resource, {
      namespace: options.namespace,
      labelSelector: parseLabelSelector(options.labelSelector),
      fieldSelector,
    });
    return { items: r.items.map((o) => clone(o)), resourceVersion: String(r.resourceVersion) };
  }

  create(resource: string, object: KubeObject): KubeObject {
    return clone(this.rawCreate(resource, clone(object)));
  }

  update(
    resource: string,
    object: KubeObject,
    options: { subresource?: 'status' } = {},
  ): KubeObject {
    return clone(this.rawUpdate(resource, clone(object), options));
  }

  mutate(
    resource: string,
    namespace: string | undefined,
    name: string,
    fn: (object: KubeObject) => void,
  ): KubeObject {
    const b = this.bucket(resource);
    const old = b.objects.get(key(b.info.namespaced ? namespace : undefined, name));
    if (!old) throw notFound(b.info, name);
    const next = clone(old);
    fn(next);
    next.metadata.name = old.metadata.name;
    next.metadata.namespace = old.metadata.namespace;
    next.metadata.uid = old.metadata.uid;
    next.metadata.creationTimestamp = old.metadata.creationTimestamp;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    // Controllers' writes (binding, status) leave the generation alone; it counts client spec changes.
    next.metadata.generation = old.metadata.generation;
    if (next.metadata.generation === undefined) delete next.metadata.generation;
    if (deepEqual(next, old)) return next;
    return clone(this.commitUpdate(b, old, next));
  }

  delete(
    resource: string,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject {
    return clone(this.rawDelete(resource, namespace, name, options));
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.publicListeners.add(listener);
    return () => this.publicListeners.delete(listener);
  }

  // ---- raw face for the HTTP layer (stored objects; never mutate them) ----

  peek(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const b = this.bucket(resource);
    return b.objects.get(key(b.info.namespaced ? namespace : undefined, name));
  }

  rawList(resource: string, options: RawListOptions = {}): RawListResult {
    const b = this.bucket(resource);
    if (!b.sortedKeys) b.sortedKeys = [...b.objects.keys()].sort();
    const keys = b.sortedKeys;
    let i = 0;
    const prefix = b.info.namespaced && options.namespace ? `${options.namespace}/` : undefined;
    const startAfter = options.startAfter;
    if (startAfter !== undefined || prefix !== undefined) {
      // Binary search for the first key after `startAfter` (or at the namespace prefix).
      const from =
        startAfter !== undefined && (!prefix || startAfter >= prefix) ? startAfter : prefix!;
      const strict = startAfter !== undefined && from === startAfter;
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keys[mid] < from || (strict && keys[mid] === from)) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    const items: KubeObject[] = [];
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const labels = options.labelSelector ?? [];
    const fields = options.fieldSelector ?? [];
    let lastKey: string | undefined;
    let remaining = 0;
    for (; i < keys.length; i++) {
      const k = keys[i];
      if (prefix && !k.startsWith(prefix)) break;
      const o = b.objects.get(k)!;
      if (labels.length && !matchesLabels(labels, o.metadata.labels)) continue;
      if (fields.length && !matchesFields(fields, o, b.info.fields)) continue;
      if (items.length >= limit) {
        remaining++;
        continue;
      }
      items.push(o);
      lastKey = k;
    }
    return remaining > 0
      ? { items, resourceVersion: this.rv, lastKey, remaining }
      : { items, resourceVersion: this.rv };
  }

  /** Events of `resource` after `sinceRv`; 410 Expired when some of them are no longer kept. */
  history(resource: string, sinceRv: number): StoreEvent[] {
    const b = this.bucket(resource);
    if (sinceRv < b.minRv) {
      throw expired(`too old resource version: ${sinceRv} (${b.minRv + 1})`);
    }
    const out: StoreEvent[] = [];
    const cap = b.ring.length;
    // Binary search the first event with rv > sinceRv.
    let lo = 0;
    let hi = b.ringLength;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b.ring[(b.ringStart + mid) % cap].rv <= sinceRv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < b.ringLength; i++) out.push(b.ring[(b.ringStart + i) % cap]);
    return out;
  }

  /** The oldest resourceVersion a watch of `resource` may resume from. */
  oldestResumableRv(resource: string): number {
    return this.bucket(resource).minRv;
  }

  /** A list continued from a snapshot at `rv` is inconsistent once history at or before it was compacted. */
  continueExpired(resource: string, rv: number): boolean {
    return rv < this.bucket(resource).minRv || rv <= this.compactedRv;
  }

  /** Raw events of one resource (or all), synchronously, in rv order. The event objects are stored objects. */
  subscribeRaw(resource: string | undefined, listener: RawListener): () => void {
    const set = resource ? this.bucket(resource).listeners : this.globalListeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Drops the event history up to `toRv` (default: now), as etcd compaction does. */
  compact(toRv?: number): void {
    const to = Math.min(toRv ?? this.rv, this.rv);
    this.compactedRv = Math.max(this.compactedRv, to);
    for (const b of this.buckets.values()) {
      const cap = b.ring.length;
      while (b.ringLength > 0 && b.ring[b.ringStart].rv <= to) {
        b.ring[b.ringStart] = undefined as unknown as StoreEvent;
        b.ringStart = (b.ringStart + 1) % cap;
        b.ringLength--;
      }
      if (to > b.minRv) b.minRv = to;
    }
  }

  /** Moves the resourceVersion forward with no events (a fault: clients must treat RVs as opaque). */
  bumpResourceVersion(by: number): number {
    this.rv += Math.max(0, Math.floor(by));
    return this.rv;
  }

  rawCreate(resource: string, object: KubeObject, options: WriteOptions = {}): KubeObject {
    const b = this.bucket(resource);
    const info = b.info;
    if (
      !object ||
      typeof object !== 'object' ||
      typeof object.metadata !== 'object' ||
      !object.metadata
    ) {
      object = { ...(object ?? {}), metadata: {} } as KubeObject;
    }
    const meta = object.metadata;
    if (info.namespaced) {
      const ns = meta.namespace;
      if (!ns) throw new StoreError(400, 'BadRequest', 'the namespace of the object must be set');
      const nsObj = this.buckets.get('namespaces')!.objects.get(ns);
      if (!nsObj) throw notFound(this.buckets.get('namespaces')!.info, ns);
      if (nsObj.metadata.deletionTimestamp !== undefined) {
        throw new StoreError(
          403,
          'Forbidden',
          `${qualifiedResource(info)} "${meta.name ?? meta.generateName ?? ''}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
          { name: meta.name ?? '', kind: info.resource },
        );
      }
    } else {
      delete meta.namespace;
    }
    object.apiVersion = info.apiVersion;
    object.kind = info.kind;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    delete meta.selfLink;
    meta.uid = randomUUID();
    meta.creationTimestamp = isoSeconds(this.clock.now());
    if (info.generation) meta.generation = 1;
    else delete meta.generation;
    info.prepareCreate?.(object, this.ctx);
    if (info.kind === 'Pod') {
      const containers = (object.spec as { containers?: unknown[] } | undefined)?.containers;
      if (!Array.isArray(containers) || containers.length === 0) {
        throw invalid(
          info,
          meta.name ?? meta.generateName ?? '',
          'spec.containers',
          'Required value',
        );
      }
      validateContainers(
        info,
        meta.name ?? meta.generateName ?? '',
        object.spec as Record<string, unknown>,
      );
    }
    let name = meta.name;
    if (!name) {
      if (!meta.generateName) {
        throw invalid(
          info,
          '',
          'metadata.name',
          'Required value: name or generateName is required',
        );
      }
      for (let attempt = 0; attempt < 8; attempt++) {
        let suffix = '';
        for (let i = 0; i < 5; i++)
          suffix += NAME_CHARS[Math.floor(this.random() * NAME_CHARS.length)];
        const candidate = meta.generateName + suffix;
        if (!b.objects.has(key(meta.namespace, candidate))) {
          name = candidate;
          break;
        }
      }
      if (!name) {
        throw new StoreError(
          409,
          'AlreadyExists',
          `${qualifiedResource(info)} "${meta.generateName}" already exists`,
        );
      }
      meta.name = name;
    }
    const pattern = LABEL_NAMED.has(resource) ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
    if (!pattern.test(name) || name.length > (LABEL_NAMED.has(resource) ? 63 : 253)) {
      throw invalid(
        info,
        name,
        'metadata.name',
        LABEL_NAMED.has(resource)
          ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
          : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        name,
      );
    }
    validateMeta(info, object);
    const k = key(meta.namespace, name);
    if (b.objects.has(k)) {
      throw new StoreError(
        409,
        'AlreadyExists',
        `${qualifiedResource(info)} "${name}" already exists`,
        {
          name,
          ...(info.group ? { group: info.group } : {}),
          kind: info.resource,
        },
      );
    }
    if (options.dryRun) {
      meta.resourceVersion = String(this.rv);
      return object;
    }
    meta.resourceVersion = String(++this.rv);
    b.objects.set(k, object);
    b.sortedKeys = null;
    this.emit(b, { resource, type: 'ADDED', rv: this.rv, object });
    return object;
  }

  rawUpdate(
    resource: string,
    object: KubeObject,
    options: { subresource?: 'status' } & WriteOptions = {},
  ): KubeObject {
    const b = this.bucket(resource);
    const info = b.info;
    const meta = object.metadata ?? {};
    const name = meta.name ?? '';
    const old = b.objects.get(key(info.namespaced ? meta.namespace : undefined, name));
    if (!old) throw notFound(info, name);
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(info, name);
    }
    if (meta.uid && meta.uid !== old.metadata.uid) {
      throw conflict(
        info,
        name,
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = { ...old, status: object.status } as KubeObject;
      if (object.status === undefined) delete next.status;
      next.metadata = { ...old.metadata };
    } else {
      next = object;
      next.apiVersion = info.apiVersion;
      next.kind = info.kind;
      if (info.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status;
      }
      const m = next.metadata;
      m.name = old.metadata.name;
      if (info.namespaced) m.namespace = old.metadata.namespace;
      else delete m.namespace;
      m.uid = old.metadata.uid;
      m.creationTimestamp = old.metadata.creationTimestamp;
      delete m.managedFields;
      delete m.selfLink;
      if (old.metadata.generateName !== undefined) m.generateName ??= old.metadata.generateName;
      if (old.metadata.deletionTimestamp !== undefined) {
        m.deletionTimestamp = old.metadata.deletionTimestamp;
        m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
        const before = new Set(old.metadata.finalizers ?? []);
        const added = (m.finalizers ?? []).filter((f) => !before.has(f));
        if (added.length) {
          throw invalid(
            info,
            name,
            'metadata.finalizers',
            'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ' +
              JSON.stringify(added),
          );
        }
      } else {
        delete m.deletionTimestamp;
        delete m.deletionGracePeriodSeconds;
      }
      info.prepareUpdate?.(next, old, this.ctx);
      validateMeta(info, next);
      const violation = info.validateUpdate?.(next, old);
      if (violation) throw invalid(info, name, violation.field, violation.message, violation.value);
      if (info.generation) {
        m.generation = (old.metadata.generation ?? 0) + (specChanged(old, next) ? 1 : 0);
      } else {
        delete m.generation;
      }
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (deepEqual(next, old)) return old;
    if (options.dryRun) return next;
    return this.commitUpdate(b, old, next);
  }

  rawDelete(
    resource: string,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions & WriteOptions = {},
  ): KubeObject {
    const b = this.bucket(resource);
    const info = b.info;
    const k = key(info.namespaced ? namespace : undefined, name);
    const old = b.objects.get(k);
    if (!old) throw notFound(info, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw conflict(
        info,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        info,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    const now = this.clock.now();
    const extraFinalizer =
      options.propagationPolicy === 'Foreground'
        ? 'foregroundDeletion'
        : options.propagationPolicy === 'Orphan'
          ? 'orphan'
          : undefined;
    const next = clone(old);
    const m = next.metadata;
    if (extraFinalizer && !(m.finalizers ?? []).includes(extraFinalizer)) {
      m.finalizers = [...(m.finalizers ?? []), extraFinalizer];
    }
    if (old.metadata.deletionTimestamp !== undefined) {
      // Already deleting: a shorter grace period (the kubelet's final grace-0 delete) may finish it.
      const current = old.metadata.deletionGracePeriodSeconds ?? 0;
      const requested = options.gracePeriodSeconds;
      if (requested !== undefined && requested < current) {
        m.deletionGracePeriodSeconds = requested;
        m.deletionTimestamp = isoSeconds(now + requested * 1000);
      }
    } else {
      let grace = 0;
      if (info.kind === 'Pod') {
        const spec = (old.spec ?? {}) as {
          nodeName?: string;
          terminationGracePeriodSeconds?: number;
        };
        const phase = (old.status as { phase?: string } | undefined)?.phase;
        const terminal = phase === 'Succeeded' || phase === 'Failed';
        grace = options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
        if (!spec.nodeName || terminal) grace = 0;
      }
      if (grace > 0 || hasFinalizers(next)) {
        m.deletionTimestamp = isoSeconds(now + grace * 1000);
        m.deletionGracePeriodSeconds = grace;
        if (info.kind === 'Namespace') {
          next.status = { ...((next.status as object) ?? {}), phase: 'Terminating' };
        }
      }
    }
    if (m.deletionTimestamp === undefined || readyToRemove(next)) {
      if (options.dryRun) return next;
      return this.commitRemove(b, old, next);
    }
    if (deepEqual(next, old)) return old;
    if (options.dryRun) return next;
    return this.commitUpdate(b, old, next);
  }

  /** Deletes every match of the selectors; returns the deleted (or now deleting) objects. */
  rawDeleteCollection(
    resource: string,
    options: { namespace?: string; labelSelector?: LabelSelector; fieldSelector?: FieldSelector },
    deleteOptions: DeleteOptions & WriteOptions = {},
  ): KubeObject[] {
    const { items } = this.rawList(resource, options);
    const out: KubeObject[] = [];
    for (const o of items) {
      try {
        out.push(this.rawDelete(resource, o.metadata.namespace, o.metadata.name!, deleteOptions));
      } catch (err) {
        if (!(err instanceof StoreError && err.code === 404)) throw err;
      }
    }
    return out;
  }

  // ---- commits ----

  private commitUpdate(b: Bucket, old: KubeObject, next: KubeObject): KubeObject {
    if (readyToRemove(next)) return this.commitRemove(b, old, next);
    next.metadata.resourceVersion = String(++this.rv);
    b.objects.set(key(next.metadata.namespace, next.metadata.name!), next);
    this.emit(b, {
      resource: b.info.resource,
      type: 'MODIFIED',
      rv: this.rv,
      object: next,
      previous: old,
    });
    return next;
  }

  private commitRemove(b: Bucket, old: KubeObject, last: KubeObject): KubeObject {
    last.metadata.resourceVersion = String(++this.rv);
    b.objects.delete(key(old.metadata.namespace, old.metadata.name!));
    b.sortedKeys = null;
    this.emit(b, {
      resource: b.info.resource,
      type: 'DELETED',
      rv: this.rv,
      object: last,
      previous: old,
    });
    return last;
  }

  private emit(b: Bucket, event: StoreEvent): void {
    this.record(b, event);
    this.queue.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.queue.length) {
        const ev = this.queue.shift()!;
        const bucket = this.buckets.get(ev.resource)!;
        for (const l of bucket.listeners) this.safeCall(l, ev);
        for (const l of this.globalListeners) this.safeCall(l, ev);
        for (const l of this.publicListeners) {
          const copy: StoreEvent = {
            resource: ev.resource,
            type: ev.type,
            rv: ev.rv,
            object: clone(ev.object),
          };
          if (ev.previous) copy.previous = clone(ev.previous);
          this.safeCall(l, copy);
        }
      }
    } finally {
      this.dispatching = false;
    }
  }

  private safeCall(listener: (event: StoreEvent) => void, event: StoreEvent): void {
    try {
      listener(event);
    } catch (err) {
      // A failing listener must not break the write that produced the event, nor other listeners.
      process.emitWarning(`kube-sim store listener failed: ${(err as Error).stack ?? String(err)}`);
    }
  }

  private record(b: Bucket, event: StoreEvent): void {
    let cap = b.ring.length;
    if (b.ringLength === cap && cap < this.historySize) {
      // Grow the ring (unrolled into a fresh array) until it reaches historySize.
      const bigger = new Array(Math.min(cap * 2, this.historySize));
      for (let i = 0; i < b.ringLength; i++) bigger[i] = b.ring[(b.ringStart + i) % cap];
      b.ring = bigger;
      b.ringStart = 0;
      cap = bigger.length;
    }
    if (b.ringLength === cap) {
      b.minRv = b.ring[b.ringStart].rv;
      b.ring[b.ringStart] = event;
      b.ringStart = (b.ringStart + 1) % cap;
    } else {
      b.ring[(b.ringStart + b.ringLength) % cap] = event;
      b.ringLength++;
    }
  }
}
