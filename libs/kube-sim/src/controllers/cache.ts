/**
 * What the controllers know about the cluster, kept from the store's change feed: the pods, nodes,
 * namespaces and claims themselves, pods indexed by node, and every object's identity indexed by
 * uid, by owner uid and by namespace (for the garbage collector and the namespace controller).
 * Updated synchronously on each store event; O(1) per event apart from owner-list changes.
 */
import type { KubeObject, ObjectStore, OwnerReference, StoreEvent } from '../store/types';
import { nodeNameOf } from './scheduling';

/** Resources listed at start when the store cannot name its own. */
export const KNOWN_RESOURCES = [
  'namespaces',
  'nodes',
  'pods',
  'services',
  'persistentvolumeclaims',
  'persistentvolumes',
  'configmaps',
  'secrets',
  'endpoints',
  'events',
  'leases',
  'serviceaccounts',
  'statefulsets',
  'controllerrevisions',
  'leaderworkersets',
];

export interface ObjectRef {
  resource: string;
  namespace?: string;
  name: string;
  uid: string;
  kind: string;
  apiVersion: string;
  owners: OwnerReference[];
  finalizers: string[];
  deleting: boolean;
}

/** The optional faster faces of the in-memory store (stored objects, no copies), duck-typed. */
interface RawStore {
  subscribeRaw?(resource: string | undefined, listener: (event: StoreEvent) => void): () => void;
  rawList?(resource: string, options?: { namespace?: string }): { items: KubeObject[] };
  resources?(): Array<{ resource: string }>;
  peek?(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function remove<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

function sameOwners(a: OwnerReference[], b: OwnerReference[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].uid !== b[i].uid) return false;
  return true;
}

export class ClusterCache {
  readonly pods = new Map<string, KubeObject>();
  readonly nodes = new Map<string, KubeObject>();
  readonly namespaces = new Map<string, KubeObject>();
  readonly claims = new Map<string, KubeObject>();
  /** node name → keys of the pods bound to it (whether or not the node exists). */
  readonly podsByNode = new Map<string, Set<string>>();
  readonly byUid = new Map<string, ObjectRef>();
  /** owner uid → dependent uids. */
  readonly dependents = new Map<string, Set<string>>();
  /** namespace → uids of the objects in it. */
  readonly byNamespace = new Map<string, Set<string>>();

  private unsubscribe?: () => void;

  constructor(private readonly store: ObjectStore) {}

  /** Subscribes, then loads what the store already holds; `listener` sees every later event. */
  start(listener: (event: StoreEvent) => void): void {
    const raw = this.store as ObjectStore & RawStore;
    const onEvent = (event: StoreEvent) => {
      this.apply(event);
      listener(event);
    };
    this.unsubscribe =
      typeof raw.subscribeRaw === 'function'
        ? raw.subscribeRaw(undefined, onEvent)
        : this.store.subscribe(onEvent);
    const resources =
      typeof raw.resources === 'function'
        ? raw.resources().map((r) => r.resource)
        : KNOWN_RESOURCES;
    for (const resource of resources) {
      let items: KubeObject[];
      try {
        items =
          typeof raw.rawList === 'function'
            ? raw.rawList(resource).items
            : this.store.list(resource).items;
      } catch {
        continue;
      }
      for (const object of items) {
        const event: StoreEvent = { resource, type: 'ADDED', rv: 0, object };
        this.apply(event);
        listener(event);
      }
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  podsOnNode(node: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const key of this.podsByNode.get(node) ?? []) {
      const p = this.pods.get(key);
      if (p) out.push(p);
    }
    return out;
  }

  private apply(event: StoreEvent): void {
    const { resource, object } = event;
    const meta = object.metadata;
    const key = objectKey(meta.namespace, meta.name ?? '');
    const gone = event.type === 'DELETED';
    switch (resource) {
      case 'pods': {
        const before = this.pods.get(key);
        const oldNode = before ? nodeNameOf(before) : undefined;
        const newNode = gone ? undefined : nodeNameOf(object);
        if (oldNode !== newNode) {
          if (oldNode) remove(this.podsByNode, oldNode, key);
          if (newNode) add(this.podsByNode, newNode, key);
        }
        if (gone) this.pods.delete(key);
        else this.pods.set(key, object);
        break;
      }
      case 'nodes':
        if (gone) this.nodes.delete(key);
        else this.nodes.set(key, object);
        break;
      case 'namespaces':
        if (gone) this.namespaces.delete(key);
        else this.namespaces.set(key, object);
        break;
      case 'persistentvolumeclaims':
        if (gone) this.claims.delete(key);
        else this.claims.set(key, object);
        break;
    }
    this.applyIdentity(event);
  }

  private applyIdentity(event: StoreEvent): void {
    const { object } = event;
    const meta = object.metadata;
    const uid = meta.uid;
    if (!uid) return;
    const before = this.byUid.get(uid);
    if (event.type === 'DELETED') {
      if (!before) return;
      for (const o of before.owners) remove(this.dependents, o.uid, uid);
      if (before.namespace) remove(this.byNamespace, before.namespace, uid);
      this.byUid.delete(uid);
      return;
    }
    const owners = meta.ownerReferences ?? [];
    const ref: ObjectRef = {
      resource: event.resource,
      namespace: meta.namespace,
      name: meta.name ?? '',
      uid,
      kind: object.kind,
      apiVersion: object.apiVersion,
      owners,
      finalizers: meta.finalizers ?? [],
      deleting: meta.deletionTimestamp !== undefined,
    };
    if (before) {
      if (!sameOwners(before.owners, owners)) {
        for (const o of before.owners) remove(this.dependents, o.uid, uid);
        for (const o of owners) add(this.dependents, o.uid, uid);
      }
    } else {
      for (const o of owners) add(this.dependents, o.uid, uid);
      if (meta.namespace) add(this.byNamespace, meta.namespace, uid);
    }
    this.byUid.set(uid, ref);
  }
}
