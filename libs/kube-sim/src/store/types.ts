/**
 * The contract between the simulator's object store (store/, owned by the API layer) and its
 * controllers (controllers/). Controllers never go through HTTP: they read and write the store
 * directly, and every write produces exactly one watch event, exactly as an external write would.
 *
 * Resources are named by their plural, as in the REST path: 'pods', 'nodes', 'services',
 * 'persistentvolumeclaims', 'configmaps', 'events', 'namespaces', 'leases'.
 */

/** Kubernetes ObjectMeta, loosely typed (the store is schema-light, like etcd). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // spec, status, data, …: whatever the kind has.
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change of one object; `rv` is the store-wide resourceVersion the change produced. */
export interface StoreEvent {
  resource: string;
  type: WatchEventType;
  rv: number;
  object: KubeObject;
  /** The object before the change (MODIFIED and DELETED), for selector transitions. */
  previous?: KubeObject;
}

export type DeletionPropagation = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions {
  propagationPolicy?: DeletionPropagation;
  /** For pods: 0 removes at once; otherwise a bound pod gets deletionTimestamp and the kubelet removes it. */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * Thrown by every store method on failure; the HTTP layer turns it into a Status object with
 * the same reason and code (NotFound 404, AlreadyExists 409, Conflict 409, Invalid 422, …).
 */
export class StoreError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * The object store of one simulated cluster. All methods are synchronous and return deep copies:
 * callers may mutate what they get without touching the store.
 *
 * Deletion semantics (the store implements the mechanics; the controllers act on them):
 * - an object with finalizers, or a Foreground/Orphan delete, gets `deletionTimestamp` set (and the
 *   `foregroundDeletion` / `orphan` finalizer added) instead of being removed; it is removed when
 *   its finalizers list becomes empty through `update`/`mutate`;
 * - a pod bound to a node (spec.nodeName set) deleted with a grace period > 0 gets
 *   `deletionTimestamp` + `deletionGracePeriodSeconds`; the kubelet removes it with grace 0;
 * - dependents (ownerReferences) are never touched by the store: the garbage collector does that.
 */
export interface ObjectStore {
  /** The current resourceVersion of the store (the rv of the latest write). */
  readonly resourceVersion: number;
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: string, options?: ListOptions): { items: KubeObject[]; resourceVersion: string };
  /** Assigns uid, resourceVersion, creationTimestamp, generation and a name from generateName. */
  create(resource: string, object: KubeObject): KubeObject;
  /**
   * Replaces an object. When `metadata.resourceVersion` is set it must match (409 Conflict).
   * `subresource: 'status'` changes only `.status`; otherwise `.status` is kept from the stored object
   * for kinds that have a status subresource.
   */
  update(resource: string, object: KubeObject, options?: { subresource?: 'status' }): KubeObject;
  /**
   * Read-modify-write without a conflict check, for controllers. `fn` mutates the copy it is given;
   * nothing is written (and no event produced) when it leaves the object unchanged.
   */
  mutate(
    resource: string,
    namespace: string | undefined,
    name: string,
    fn: (object: KubeObject) => void,
  ): KubeObject;
  delete(
    resource: string,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): KubeObject;
  /** Every committed change, synchronously, in rv order. Returns an unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
}

/**
 * Time for everything in a simulated cluster: timestamps, controller timers, grace periods.
 * `real` mode follows the wall clock; `manual` mode moves only when a test calls `advance`.
 */
export interface SimClock {
  now(): number;
  /** RFC 3339 of now(), for Kubernetes timestamps. */
  iso(): string;
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
  /** Manual mode: moves time forward, firing due timers in order. Real mode: throws. */
  advance(ms: number): void;
}

export interface ClockTimer {
  readonly due: number;
}
