/**
 * startControllers: one cluster's controllers on one store and clock, with their faults.
 */
import type { KubeObject } from '../store/types';
import type {
  ControllerFaults,
  ControllerName,
  ControllerOptions,
  ControllerSet,
  CrashOptions,
  NodeFaultMode,
} from './types';
import { ClusterCache } from './cache';
import { EventRecorder, Runner, tryDelete, tryMutate, type ControllerContext } from './runtime';
import { settleHookOf } from './clock';
import { SchedulerController } from './scheduler';
import { KubeletController } from './kubelet';
import { NodeLifecycleController, type NodeFaultState } from './node-lifecycle';
import { GarbageCollector } from './gc';
import { PvcBinder } from './pvc-binder';
import { NamespaceController } from './namespace';
import { LABEL_INSTANCE_TYPE, TAINT_UNSCHEDULABLE } from './labels';
import { buildNode, CPU_NODE, GPU_NODE } from './topology';
import type { Taint } from './selectors';

type Rec = Record<string, unknown>;

/** A small seeded PRNG (mulberry32), the default source of jitter and pod IP order. */
export function seededRandom(seed = 1): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A node given with only a name and labels gets the rest of a real node: the shape of its
 * `node.kubernetes.io/instance-type` label (gpu-8x, cpu-64; default cpu-64), addresses, pod CIDR,
 * conditions. Whatever the caller gave wins.
 */
export function completeNode(node: KubeObject, index: number, now: number): KubeObject {
  const status = node.status as Rec | undefined;
  if (status?.allocatable && status.capacity) return node;
  const name = node.metadata.name ?? '';
  const type = node.metadata.labels?.[LABEL_INSTANCE_TYPE];
  const shape =
    type === GPU_NODE.instanceType
      ? GPU_NODE
      : { ...CPU_NODE, instanceType: type ?? CPU_NODE.instanceType };
  const full = buildNode(name, shape, node.metadata.labels ?? {}, 1000 + index, now);
  return {
    ...full,
    ...node,
    metadata: {
      ...full.metadata,
      ...node.metadata,
      labels: { ...full.metadata.labels, ...(node.metadata.labels ?? {}) },
    },
    spec: { ...(full.spec as Rec), ...((node.spec as Rec | undefined) ?? {}) },
    status: { ...(full.status as Rec), ...(status ?? {}) },
  };
}

export interface ControllerSetInternals extends ControllerSet {
  /** The scheduler's current verdict for a pending pod (its Unschedulable message). */
  schedulingVerdict(namespace: string, pod: string): string | undefined;
  /** Reconciles run per controller since start, for tests that bound controller work. */
  reconcileCounts(): Partial<Record<ControllerName, number>>;
}

export function startControllers(options: ControllerOptions): ControllerSetInternals {
  const { store, clock, profile } = options;
  const runner = new Runner(clock);
  const cache = new ClusterCache(store);
  const ctx: ControllerContext = {
    store,
    clock,
    profile,
    cache,
    random: options.random ?? seededRandom(1),
    events: new EventRecorder(store, clock, options.events ?? true),
    enqueue: (name, key) => runner.enqueue(name, key),
    wakeAt: (name, key, at) => runner.wakeAt(name, key, at),
    cancelWake: (name, key) => runner.cancelWake(name, key),
  };
  const nodeFaults: NodeFaultState = new Map();
  const scheduler = new SchedulerController(ctx);
  const kubelet = new KubeletController(ctx, nodeFaults);
  const nodeLifecycle = new NodeLifecycleController(ctx, nodeFaults);
  const gc = new GarbageCollector(ctx);
  const pvcBinder = new PvcBinder(ctx);
  const namespace = new NamespaceController(ctx);
  // Order matters within a drain round: claims bind and garbage goes before pods are placed.
  for (const c of [namespace, gc, pvcBinder, nodeLifecycle, scheduler, kubelet]) runner.register(c);

  cache.start((event) => runner.dispatch(event));
  const unhook = settleHookOf(clock)?.(() => runner.drain());

  const nodeMutate = (node: string, fn: (n: KubeObject) => void) => {
    const result = tryMutate(store, 'nodes', undefined, node, fn);
    if (!result) throw new Error(`node "${node}" not found`);
  };

  const faults: ControllerFaults = {
    crashContainer: (ns: string, pod: string, container: string, o?: CrashOptions) =>
      kubelet.crash(ns, pod, container, o),
    stuckPending: (ns, pod, reason) => kubelet.stuckPending(ns, pod, reason),
    clearStuck: (ns, pod) => kubelet.clearStuck(ns, pod),
    setReady: (ns, pod, ready) => kubelet.setReady(ns, pod, ready),
    slowStart: (ns, pod, ms) => kubelet.slowStart(ns, pod, ms),
    failNode: (node: string, mode: NodeFaultMode) => {
      if (!cache.nodes.has(node)) throw new Error(`node "${node}" not found`);
      nodeLifecycle.fail(node, mode);
    },
    recoverNode: (node) => {
      nodeLifecycle.recover(node);
      kubelet.resyncNode(node);
    },
    loseNode: (node) => {
      if (!cache.nodes.has(node)) throw new Error(`node "${node}" not found`);
      nodeLifecycle.fail(node, 'Unreachable', true);
    },
    cordon: (node) =>
      nodeMutate(node, (n) => {
        ((n.spec ?? (n.spec = {})) as Rec).unschedulable = true;
        const spec = n.spec as Rec;
        const taints = ((spec.taints as Taint[] | undefined) ?? []).filter(
          (t) => t.key !== TAINT_UNSCHEDULABLE,
        );
        spec.taints = [
          ...taints,
          { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule', timeAdded: clock.iso() },
        ];
      }),
    uncordon: (node) =>
      nodeMutate(node, (n) => {
        const spec = (n.spec ?? (n.spec = {})) as Rec;
        delete spec.unschedulable;
        const taints = ((spec.taints as Taint[] | undefined) ?? []).filter(
          (t) => t.key !== TAINT_UNSCHEDULABLE,
        );
        if (taints.length) spec.taints = taints;
        else delete spec.taints;
      }),
    addNode: (node: KubeObject) => {
      store.create('nodes', completeNode(node, cache.nodes.size, clock.now()));
    },
    failPod: (ns, pod, reason, message) => kubelet.failPod(ns, pod, reason, message),
    stuckTerminating: (ns, pod) => kubelet.stuckTerminating(ns, pod),
    deleteNode: (node) => {
      if (!tryDelete(store, 'nodes', undefined, node)) throw new Error(`node "${node}" not found`);
      nodeFaults.delete(node);
    },
    taint: (node, taint) =>
      nodeMutate(node, (n) => {
        const spec = (n.spec ?? (n.spec = {})) as Rec;
        const taints = ((spec.taints as Taint[] | undefined) ?? []).filter(
          (t) => !(t.key === taint.key && t.effect === taint.effect),
        );
        spec.taints = [
          ...taints,
          { ...taint, ...(taint.effect === 'NoExecute' ? { timeAdded: clock.iso() } : {}) },
        ];
      }),
    untaint: (node, key, effect) =>
      nodeMutate(node, (n) => {
        const spec = (n.spec ?? (n.spec = {})) as Rec;
        const taints = ((spec.taints as Taint[] | undefined) ?? []).filter(
          (t) => !(t.key === key && (!effect || t.effect === effect)),
        );
        if (taints.length) spec.taints = taints;
        else delete spec.taints;
      }),
    setAllocatable: (node, resources) =>
      nodeMutate(node, (n) => {
        const status = (n.status ?? (n.status = {})) as Rec;
        status.allocatable = { ...((status.allocatable as Rec) ?? {}), ...resources };
        status.capacity = { ...((status.capacity as Rec) ?? {}), ...resources };
      }),
  };

  return {
    faults,
    pause: (name: ControllerName) => runner.pause(name),
    resume: (name: ControllerName) => {
      runner.resume(name);
      runner.drain();
    },
    paused: () => runner.paused(),
    flush: () => runner.drain(),
    stop: () => {
      unhook?.();
      cache.stop();
      runner.stop();
    },
    schedulingVerdict: (ns, pod) => scheduler.verdict(`${ns}/${pod}`),
    reconcileCounts: () => runner.reconcileCounts(),
  };
}
