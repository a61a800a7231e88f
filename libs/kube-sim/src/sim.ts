/**
 * A simulated fleet: one HTTP API server, object store and control plane per cluster, a shared
 * clock, and kubeconfig files that both kubectl and client-node accept.
 *
 *   const sim = await KubeSim.start({ clusters: ['east', 'west'], kubeconfigDir: tmp });
 *   sim.cluster('east').url; sim.kubeconfigPath; await sim.stop();
 */
import { join, resolve } from 'node:path';

import {
  bootstrapObjects,
  createClock,
  defaultTopology,
  PROFILES,
  startControllers,
  type ControllableClock,
  type ControllerFaults,
  type ControllerName,
  type ControllerSet,
  type SimProfile,
  type TopologySpec,
} from './controllers';
import type { ErrorFault, FaultDescription, LatencyFault } from './faults/api-faults';
import { createAdminHandler } from './server/admin';
import {
  ApiServer,
  type AdmissionHook,
  type ConnectionMode,
  type RequestLogEntry,
  type WatchFilter,
  type WriteCounts,
} from './server/api-server';
import { dnsView } from './server/dns';
import { writeKubeconfig } from './server/kubeconfig';
import { MemoryStore } from './store/memory-store';
import type { KubeObject } from './store/types';
import { seededRandom } from './store/util';

export type ProfileName = keyof typeof PROFILES;

export interface ClusterSpec {
  name: string;
  /** Node layout (default: the fleet's topology, or 2 zones × 4 racks × (4 gpu-8x + 1 cpu-64)). */
  topology?: TopologySpec;
  /** `/version` gitVersion (default v1.32.4-sim). */
  gitVersion?: string;
  /** Fixed port (default 0: any free port). */
  port?: number;
}

export interface KubeSimOptions {
  clusters: Array<string | ClusterSpec>;
  topology?: TopologySpec;
  /** Controller timings (default 'fast'). */
  profile?: ProfileName | SimProfile;
  /** 'real' follows the wall clock; 'manual' moves only on advanceClock (default 'real'). */
  clock?: 'real' | 'manual';
  /** Start time of a manual clock (ms since the epoch). */
  startTime?: number;
  /** Where kubeconfigs go (default `.data/kubeconfig` under the working directory). */
  kubeconfigDir?: string;
  /** Run the simulated control plane (default true); false gives a bare API server over the store. */
  controllers?: boolean;
  /** Write core/v1 Events from the controllers (default true). */
  events?: boolean;
  /** Events kept per resource for watch resumption (default 10000). */
  historySize?: number;
  seed?: number;
}

export interface PartitionOptions {
  /** 'blackhole' (default): requests hang; 'refuse': connections are refused. */
  mode?: 'blackhole' | 'refuse';
  /** Heal automatically after this many ms. */
  durationMs?: number;
}

/** One simulated cluster: its API server, store, controllers and every fault knob. */
export class SimCluster {
  kubeconfigPath = '';

  constructor(
    readonly name: string,
    readonly store: MemoryStore,
    readonly clock: ControllableClock,
    readonly server: ApiServer,
    readonly controllers: ControllerSet | undefined,
  ) {}

  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  /** Every API request this cluster answered (newest last; bounded). */
  get requestLog(): RequestLogEntry[] {
    return this.server.requestLog;
  }

  /** Successful API writes per resource and verb (client writes only; controllers write to the store). */
  get writeCounts(): WriteCounts {
    return this.server.writeCounts;
  }

  writes(resource?: string): number {
    if (resource) return this.server.writeCounts[resource]?.total ?? 0;
    return Object.values(this.server.writeCounts).reduce((n, c) => n + c.total, 0);
  }

  resetRequestLog(): void {
    this.server.resetRequestLog();
  }

  /**
   * An in-process stand-in for admission webhooks on API writes: throw a StoreError to refuse
   * (e.g. 403 Forbidden "exceeded quota", 422 Invalid), or return a replacement object. Returns a remover.
   */
  addAdmissionHook(hook: AdmissionHook): () => void {
    return this.server.addAdmissionHook(hook);
  }

  /** The cluster DNS as FQDN → IPs (Services, and pods by hostname.subdomain under headless Services). */
  dns(): Record<string, string[]> {
    return dnsView(this.store);
  }

  resetWriteCounts(): void {
    this.server.resetWriteCounts();
  }

  // ---- API faults ----

  /** Answers matching requests with an error Status (500, 503, 429 + Retry-After, 409, …). Returns its id. */
  injectError(fault: ErrorFault): string {
    return this.server.faults.addError(fault);
  }

  /** Adds latency to matching requests. Returns its id. */
  injectLatency(fault: LatencyFault): string {
    return this.server.faults.addLatency(fault);
  }

  removeFault(id: string): boolean {
    return this.server.faults.remove(id);
  }

  /** Removes every error and latency rule (not connection or watch state). */
  clearFaults(): void {
    this.server.faults.clear();
  }

  listFaults(): FaultDescription[] {
    return this.server.faults.list();
  }

  closeWatches(filter?: WatchFilter): number {
    return this.server.closeWatches(filter);
  }

  expireWatches(filter?: WatchFilter): number {
    return this.server.expireWatches(filter);
  }

  stallWatches(stalled = true): void {
    this.server.stallWatches(stalled);
  }

  failNextWatch(status: number, count = 1): void {
    this.server.failNextWatch(status, count);
  }

  setWatchDelay(ms: number): void {
    this.server.setWatchDelay(ms);
  }

  sendBookmarks(): number {
    return this.server.sendBookmarks();
  }

  get activeWatches(): number {
    return this.server.activeWatches;
  }

  /** Drops the event history up to `toRv` (default: now): older watch resumes and continue tokens get 410. */
  compact(toRv?: number): void {
    this.store.compact(toRv);
  }

  /** Advances the resourceVersion by `by` with no events. */
  jumpResourceVersion(by: number): number {
    return this.store.bumpResourceVersion(by);
  }

  async refuseConnections(durationMs?: number): Promise<void> {
    await this.server.setConnectionMode('refuse', durationMs);
  }

  async blackhole(durationMs?: number): Promise<void> {
    await this.server.setConnectionMode('blackhole', durationMs);
  }

  resetConnections(): number {
    return this.server.resetConnections();
  }

  get connectionMode(): ConnectionMode {
    return this.server.connectionMode;
  }

  /** The cluster becomes unreachable while its controllers keep running (pods still change). */
  async partition(options: PartitionOptions = {}): Promise<void> {
    await this.server.setConnectionMode(options.mode ?? 'blackhole', options.durationMs);
  }

  /** Ends a partition, refused or black-holed connections. */
  async heal(): Promise<void> {
    await this.server.setConnectionMode('normal');
  }

  /** An API-server restart: all watches drop; with loseHistory every resume gets 410. */
  restartApiServer(options: { loseHistory?: boolean } = {}): void {
    this.server.resetConnections();
    this.server.closeWatches();
    if (options.loseHistory) this.store.compact();
  }

  // ---- controllers and clock ----

  /** Pod, node and controller faults (crash a container, stuck pending, node NotReady/lost/cordoned, …). */
  get faults(): ControllerFaults {
    return this.requireControllers().faults;
  }

  pauseController(name: ControllerName): void {
    this.requireControllers().pause(name);
  }

  resumeController(name: ControllerName): void {
    this.requireControllers().resume(name);
  }

  private requireControllers(): ControllerSet {
    if (!this.controllers) throw new Error(`cluster ${this.name} runs without controllers`);
    return this.controllers;
  }

  pausedControllers(): ControllerName[] {
    return this.controllers?.paused() ?? [];
  }

  /** Manual clock: moves the (fleet-wide) clock forward, firing due timers. */
  advanceClock(ms: number): void {
    this.clock.advance(ms);
  }

  /** Runs queued controller work now (after direct store writes in tests). */
  flush(): void {
    this.controllers?.flush();
  }

  /** Resolves when `predicate` holds (checked on every store change and every 20 ms), or rejects after timeoutMs. */
  waitFor(predicate: (store: MemoryStore) => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        unsubscribe();
        clearInterval(poll);
        clearTimeout(timer);
        if (err) reject(err);
        else resolvePromise();
      };
      const check = (): void => {
        try {
          if (predicate(this.store)) finish();
        } catch (err) {
          finish(err as Error);
        }
      };
      const unsubscribe = this.store.subscribeRaw(undefined, check);
      const poll = setInterval(check, 20);
      const timer = setTimeout(
        () => finish(new Error(`waitFor timed out after ${timeoutMs} ms on ${this.name}`)),
        timeoutMs,
      );
      check();
    });
  }

  /** Stops the controllers and the API server (idempotent). */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.controllers?.stop();
      this.stopping = this.server.stop();
    }
    return this.stopping;
  }

  private stopping?: Promise<void>;
}

function resolveProfile(profile: KubeSimOptions['profile']): SimProfile {
  if (!profile) return PROFILES.fast;
  if (typeof profile === 'string') {
    const p = PROFILES[profile];
    if (!p)
      throw new Error(`unknown profile "${profile}" (known: ${Object.keys(PROFILES).join(', ')})`);
    return p;
  }
  return profile;
}

const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class KubeSim {
  /** The merged kubeconfig: one context per cluster, current context = the first cluster. */
  readonly kubeconfigPath: string;
  private readonly byName: Map<string, SimCluster>;
  private stopping?: Promise<void>;

  private constructor(
    readonly clusters: SimCluster[],
    readonly clock: ControllableClock,
    readonly kubeconfigDir: string,
  ) {
    this.byName = new Map(clusters.map((c) => [c.name, c]));
    this.kubeconfigPath = join(kubeconfigDir, 'fleet.yaml');
  }

  static async start(options: KubeSimOptions): Promise<KubeSim> {
    const specs: ClusterSpec[] = options.clusters.map((c) =>
      typeof c === 'string' ? { name: c } : c,
    );
    if (!specs.length) throw new Error('KubeSim.start needs at least one cluster');
    const seen = new Set<string>();
    for (const s of specs) {
      if (!CLUSTER_NAME.test(s.name))
        throw new Error(`invalid cluster name "${s.name}" (DNS-1123 label)`);
      if (seen.has(s.name)) throw new Error(`duplicate cluster name "${s.name}"`);
      seen.add(s.name);
    }
    const profile = resolveProfile(options.profile);
    const clock = createClock(options.clock ?? 'real', options.startTime);
    const dir = resolve(options.kubeconfigDir ?? join(process.cwd(), '.data', 'kubeconfig'));
    const clusters: SimCluster[] = [];
    const fleet = (name: string): SimCluster | undefined => clusters.find((c) => c.name === name);
    const seed = options.seed ?? 1;
    try {
      for (const [i, spec] of specs.entries()) {
        const store = new MemoryStore({
          clock,
          namespaces: [],
          historySize: options.historySize,
          seed: seed + i,
        });
        for (const { resource, object } of bootstrapObjects(
          spec.name,
          spec.topology ?? options.topology ?? defaultTopology(),
          clock.now(),
        )) {
          store.create(resource, object as KubeObject);
        }
        const server = new ApiServer({
          store,
          clock,
          name: spec.name,
          gitVersion: spec.gitVersion ?? 'v1.32.4-sim',
          port: spec.port ?? 0,
          seed: seed + i,
          admin: (req, res, url, body) =>
            createAdminHandler(fleet(spec.name)!, fleet)(req, res, url, body),
        });
        const controllers =
          options.controllers === false
            ? undefined
            : startControllers({
                store,
                clock,
                profile,
                random: seededRandom(seed * 7919 + i),
                events: options.events,
              });
        clusters.push(new SimCluster(spec.name, store, clock, server, controllers));
        await server.start();
      }
      for (const c of clusters) {
        c.kubeconfigPath = join(dir, `${c.name}.yaml`);
        writeKubeconfig(c.kubeconfigPath, [{ name: c.name, server: c.url }]);
      }
      writeKubeconfig(
        join(dir, 'fleet.yaml'),
        clusters.map((c) => ({ name: c.name, server: c.url })),
      );
    } catch (err) {
      await Promise.all(clusters.map((c) => c.stop().catch(() => undefined)));
      throw err;
    }
    return new KubeSim(clusters, clock, dir);
  }

  cluster(name: string): SimCluster {
    const c = this.byName.get(name);
    if (!c)
      throw new Error(
        `no simulated cluster named "${name}" (have: ${[...this.byName.keys()].join(', ')})`,
      );
    return c;
  }

  /** Manual clock: moves every cluster's time forward. */
  advanceClock(ms: number): void {
    this.clock.advance(ms);
  }

  /** Stops every cluster (idempotent). */
  stop(): Promise<void> {
    this.stopping ??= Promise.all(this.clusters.map((c) => c.stop())).then(() => undefined);
    return this.stopping;
  }
}
