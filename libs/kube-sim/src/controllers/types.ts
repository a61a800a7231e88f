/**
 * The contract between the simulated cluster (sim.ts, the HTTP admin API under /__sim/) and the
 * controllers that play the parts of kube-scheduler, the kubelet, node lifecycle, the garbage
 * collector and the PVC binder. Controllers act on the ObjectStore directly and time everything with
 * the SimClock; see ../store/types.ts.
 */
import type { KubeObject, ObjectStore, SimClock } from '../store/types';

export type ControllerName =
  'scheduler' | 'kubelet' | 'nodeLifecycle' | 'gc' | 'pvcBinder' | 'namespace';

/** Timings of the simulated cluster, in ms of the SimClock. */
export interface SimProfile {
  /** From a pod bound to a node until its containers run. */
  podStartDelayMs: number;
  /** From running until Ready (readiness probe passes). */
  podReadyDelayMs: number;
  /** How long a node without heartbeats stays before the node lifecycle controller marks it Unknown. */
  nodeMonitorGracePeriodMs: number;
  /** How long pods stay on a NotReady/unreachable node before eviction (tolerationSeconds of the default tolerations). */
  podEvictionTimeoutMs: number;
  /** First CrashLoopBackOff delay; doubles per restart up to crashLoopMaxBackoffMs. */
  crashLoopBaseBackoffMs: number;
  crashLoopMaxBackoffMs: number;
  /** From a pod's deletion (on a Ready node) until the kubelet removes it; bounded by its grace period. Default 0. */
  podStopDelayMs?: number;
  /** Random extra start delay per pod, 0..jitter ms (seeded). Default 0. */
  podStartJitterMs?: number;
  /** First retry back-off of an unschedulable pod after a cluster change; doubles to 10×. Default 1000. */
  schedulerBackoffMs?: number;
  /** How often a healthy node's Ready condition heartbeat is refreshed; 0 (the default) writes none. */
  nodeHeartbeatIntervalMs?: number;
}

/** A node shape of the topology (e.g. gpu-8x, cpu-64). */
export interface NodeShape {
  instanceType: string;
  /** Short name in node names (default: the instance type up to its first '-', e.g. `gpu`). */
  name?: string;
  cpu: string;
  memory: string;
  gpus?: number;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Array<{
    key: string;
    value?: string;
    effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  }>;
}

/** zones × racks × nodes; the default is 2 zones × 4 racks × (4 gpu-8x + 1 cpu-64). */
export interface TopologySpec {
  zones: number;
  racksPerZone: number;
  /** Nodes per rack, by shape. */
  rack: Array<{ shape: NodeShape; count: number }>;
}

export interface CrashOptions {
  exitCode?: number;
  reason?: string; // Error, OOMKilled, …
  /** How many crashes in a row (each one restarts the container); default 1. */
  times?: number;
}

export type NodeFaultMode = 'NotReady' | 'Unreachable';

/** Pod, node and controller faults, for tests (in-process) and people (the /__sim/ admin API). */
export interface ControllerFaults {
  crashContainer(namespace: string, pod: string, container: string, options?: CrashOptions): void;
  /** The pod never leaves Pending/ContainerCreating (reason e.g. ErrImagePull), until cleared. */
  stuckPending(namespace: string, pod: string, reason: string): void;
  clearStuck(namespace: string, pod: string): void;
  /** Readiness flap: Ready false/true while Running. */
  setReady(namespace: string, pod: string, ready: boolean): void;
  /** Delay this pod's start by ms (on top of the profile). */
  slowStart(namespace: string, pod: string, ms: number): void;
  failNode(node: string, mode: NodeFaultMode): void;
  recoverNode(node: string): void;
  /** The node disappears: NotReady at once and its pods evicted after the grace period. */
  loseNode(node: string): void;
  cordon(node: string): void;
  uncordon(node: string): void;
  addNode(node: KubeObject): void;

  // Extensions beyond the first contract.
  /** The pod stops at once: phase Failed with this reason (default Evicted), containers terminated. */
  failPod(namespace: string, pod: string, reason?: string, message?: string): void;
  /** The kubelet ignores this pod's deletion: it stays Terminating until clearStuck. */
  stuckTerminating(namespace: string, pod: string): void;
  /** Removes the Node object; pods bound to it are force-deleted (PodGC). */
  deleteNode(node: string): void;
  taint(
    node: string,
    taint: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' },
  ): void;
  untaint(node: string, key: string, effect?: string): void;
  /** Changes the node's allocatable (and capacity) for the given resources, e.g. { 'nvidia.com/gpu': '4' }. */
  setAllocatable(node: string, resources: Record<string, string>): void;
}

export interface ControllerSet {
  readonly faults: ControllerFaults;
  pause(name: ControllerName): void;
  resume(name: ControllerName): void;
  paused(): ControllerName[];
  /**
   * Runs every queued reconcile now, synchronously, until the controllers are idle (tests call it
   * after a direct store write; a manual clock's advance does it after each timer by itself).
   */
  flush(): void;
  /** Stops every controller and timer; the store stays as it is. */
  stop(): void;
}

export interface ControllerOptions {
  store: ObjectStore;
  clock: SimClock;
  profile: SimProfile;
  /** Seeded randomness (IPs, tie-breaks), so a run is reproducible. */
  random?: () => number;
  /** Write core/v1 Events (Scheduled, FailedScheduling, Started, BackOff, Killing, …); default true. */
  events?: boolean;
}
