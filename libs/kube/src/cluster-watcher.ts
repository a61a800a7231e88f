import {
  ListWatch,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Namespace,
  type V1Node,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import type { ClusterConnection } from './cluster-connection';
import { UndiciWatch } from './watch';

/**
 * client-node's informer (ListWatch: list, watch, cache, events, relist on 410), watching through
 * `UndiciWatch` instead of client-node's fetch-based Watch (see there).
 */
export function makeInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
  labelSelector?: string,
): Informer<T> {
  return new ListWatch<T>(
    path,
    new UndiciWatch(kc) as never,
    list as never,
    false,
    labelSelector,
  ) as unknown as Informer<T>;
}

export type WatchedKind = 'Pod' | 'Service' | 'PersistentVolumeClaim' | 'ConfigMap';
export type ChangeType = 'add' | 'update' | 'delete';

/** Everything lws-fleet manages for one owner (an LWS uid) in one cluster, as last seen. */
export interface ObservedObjects {
  pods: V1Pod[];
  services: V1Service[];
  pvcs: V1PersistentVolumeClaim[];
  configMaps: V1ConfigMap[];
}

export interface ClusterWatcherOptions {
  /** Only objects matching this label selector are watched (e.g. app.kubernetes.io/managed-by=lws-fleet). */
  labelSelector: string;
  /** The owner key of an object (an LWS uid label), or undefined to ignore it. */
  ownerOf(object: KubernetesObject): string | undefined;
  /** Called after the cache changed, with the previous version of the object on update. */
  onChange?(
    owner: string,
    kind: WatchedKind,
    type: ChangeType,
    object: KubernetesObject,
    previous?: KubernetesObject,
  ): void;
  /** Called when the node list changes (count, readiness) or the API becomes (un)reachable. */
  onHealth?(health: ClusterHealth): void;
  /** Delay before an informer that stopped on an error is started again (client-node does not restart it). */
  restartDelayMs?: number;
}

export interface ClusterHealth {
  healthy: boolean;
  nodes: number;
  error?: string;
}

type Entry = { kind: WatchedKind; informer: Informer<KubernetesObject> };

const key = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * List+watch (client-node informers) of the objects lws-fleet manages in one cluster, plus its nodes.
 * Keeps an observed cache per owner and reports every change. Informers that fail (500, 429, refused
 * connections) are restarted after a delay, and resume from their last resourceVersion.
 */
export class ClusterWatcher {
  private readonly informers: Entry[] = [];
  private nodeInformer?: Informer<V1Node>;
  private namespaceInformer?: Informer<V1Namespace>;
  private readonly namespaces = new Set<string>();
  private readonly byOwner = new Map<string, Map<WatchedKind, Map<string, KubernetesObject>>>();
  private readonly nodes = new Map<string, V1Node>();
  private stopped = false;
  private lastError: string | undefined;
  /** Informers stopped by an error and not yet listing and watching again, with their error count. */
  private readonly failing = new Map<Informer<KubernetesObject>, number>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();

  constructor(
    readonly connection: ClusterConnection,
    private readonly options: ClusterWatcherOptions,
  ) {}

  /** Starts every informer; resolves once each has listed once (the cache is complete). */
  async start(): Promise<void> {
    const { core } = this.connection;
    const selector = this.options.labelSelector;
    const kc = this.connection.kubeConfig;
    const specs: Array<[WatchedKind, string, () => Promise<{ items: KubernetesObject[] }>]> = [
      ['Pod', '/api/v1/pods', () => core.listPodForAllNamespaces({ labelSelector: selector })],
      [
        'Service',
        '/api/v1/services',
        () => core.listServiceForAllNamespaces({ labelSelector: selector }),
      ],
      [
        'PersistentVolumeClaim',
        '/api/v1/persistentvolumeclaims',
        () => core.listPersistentVolumeClaimForAllNamespaces({ labelSelector: selector }),
      ],
      [
        'ConfigMap',
        '/api/v1/configmaps',
        () => core.listConfigMapForAllNamespaces({ labelSelector: selector }),
      ],
    ];
    for (const [kind, path, list] of specs) {
      const informer = makeInformer(
        kc,
        path,
        list as never,
        selector,
      ) as Informer<KubernetesObject>;
      informer.on('add', (o) => this.record(kind, 'add', o));
      informer.on('update', (o) => this.record(kind, 'update', o));
      informer.on('delete', (o) => this.record(kind, 'delete', o));
      informer.on('error', (err) => this.failed(informer, err));
      this.informers.push({ kind, informer });
    }
    const nodeInformer = makeInformer(kc, '/api/v1/nodes', () => core.listNode());
    nodeInformer.on('add', (n) => this.recordNode(n, false));
    nodeInformer.on('update', (n) => this.recordNode(n, false));
    nodeInformer.on('delete', (n) => this.recordNode(n, true));
    nodeInformer.on('error', (err) => this.failed(nodeInformer as Informer<KubernetesObject>, err));
    this.nodeInformer = nodeInformer;
    const namespaceInformer = makeInformer(kc, '/api/v1/namespaces', () => core.listNamespace());
    const seeNamespace = (ns: V1Namespace, gone: boolean) => {
      const name = ns.metadata?.name ?? '';
      if (gone || ns.status?.phase === 'Terminating') this.namespaces.delete(name);
      else this.namespaces.add(name);
    };
    namespaceInformer.on('add', (ns) => seeNamespace(ns, false));
    namespaceInformer.on('update', (ns) => seeNamespace(ns, false));
    namespaceInformer.on('delete', (ns) => seeNamespace(ns, true));
    namespaceInformer.on('error', (err) =>
      this.failed(namespaceInformer as Informer<KubernetesObject>, err),
    );
    this.namespaceInformer = namespaceInformer;
    await Promise.all([
      ...this.informers.map((e) => e.informer.start()),
      nodeInformer.start(),
      namespaceInformer.start(),
    ]);
    this.lastError = undefined;
    this.reportHealth();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    await Promise.all([
      ...this.informers.map((e) => e.informer.stop()),
      this.nodeInformer?.stop(),
      this.namespaceInformer?.stop(),
    ]);
  }

  /** The managed objects of one owner (copies of the cache's lists; objects are shared, do not mutate). */
  observed(owner: string): ObservedObjects {
    const kinds = this.byOwner.get(owner);
    const list = <T>(kind: WatchedKind) => [...(kinds?.get(kind)?.values() ?? [])] as T[];
    return {
      pods: list<V1Pod>('Pod'),
      services: list<V1Service>('Service'),
      pvcs: list<V1PersistentVolumeClaim>('PersistentVolumeClaim'),
      configMaps: list<V1ConfigMap>('ConfigMap'),
    };
  }

  /** The cached objects of one kind of one owner, without copying (do not mutate). */
  objectsOf<T extends KubernetesObject>(owner: string, kind: WatchedKind): Iterable<T> {
    return (this.byOwner.get(owner)?.get(kind)?.values() ?? []) as Iterable<T>;
  }

  /** Whether the cache holds the object `namespace/name` of `kind` for `owner`. */
  has(owner: string, kind: WatchedKind, namespace: string, name: string): boolean {
    return this.byOwner.get(owner)?.get(kind)?.has(`${namespace}/${name}`) ?? false;
  }

  owners(): string[] {
    return [...this.byOwner.keys()];
  }

  /** Whether the namespace exists (and is not being deleted). */
  namespaceExists(name: string): boolean {
    return this.namespaces.has(name);
  }

  /** Labels of every node, by name (for topology decisions). */
  nodeLabels(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const [name, node] of this.nodes) out[name] = node.metadata?.labels ?? {};
    return out;
  }

  node(name: string): V1Node | undefined {
    return this.nodes.get(name);
  }

  nodeCount(): number {
    return this.nodes.size;
  }

  health(): ClusterHealth {
    return { healthy: this.lastError === undefined, nodes: this.nodes.size, error: this.lastError };
  }

  private record(kind: WatchedKind, type: ChangeType, object: KubernetesObject): void {
    const owner = this.options.ownerOf(object);
    if (!owner) return;
    let kinds = this.byOwner.get(owner);
    if (!kinds) this.byOwner.set(owner, (kinds = new Map()));
    let objects = kinds.get(kind);
    if (!objects) kinds.set(kind, (objects = new Map()));
    const previous = objects.get(key(object));
    if (type === 'delete') {
      objects.delete(key(object));
      if ([...kinds.values()].every((m) => m.size === 0)) this.byOwner.delete(owner);
    } else {
      objects.set(key(object), object);
    }
    this.options.onChange?.(owner, kind, type, object, previous);
  }

  private recordNode(node: V1Node, deleted: boolean): void {
    const name = node.metadata?.name ?? '';
    if (deleted) this.nodes.delete(name);
    else this.nodes.set(name, node);
    this.reportHealth();
  }

  private failed(informer: Informer<KubernetesObject>, error: unknown): void {
    if (this.stopped) return; // stop() itself fires the error callbacks
    this.failing.set(informer, (this.failing.get(informer) ?? 0) + 1);
    this.lastError = error instanceof Error ? error.message : String(error);
    this.reportHealth();
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.stopped) return;
      const errors = this.failing.get(informer);
      // client-node reports a failed list or watch through the error callback and still resolves
      // start(): it is back only if no new error came during the start.
      informer.start().then(
        () => {
          if (this.failing.get(informer) === errors) this.recovered(informer);
        },
        (err: unknown) => this.failed(informer, err),
      );
    }, this.options.restartDelayMs ?? 1000);
    this.restartTimers.add(timer);
  }

  /**
   * An informer lists or watches again after an error. The cluster is healthy again once every
   * informer is back: a quiet cluster sends no object change that could tell us so.
   */
  private recovered(informer: Informer<KubernetesObject>): void {
    this.failing.delete(informer);
    if (this.stopped || this.failing.size > 0 || this.lastError === undefined) return;
    this.lastError = undefined;
    this.reportHealth();
  }

  private reportHealth(): void {
    this.options.onHealth?.(this.health());
  }
}
