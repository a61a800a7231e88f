/**
 * The kubelets of every node, as one controller: each pod bound to a live node goes
 * Pending/ContainerCreating → Running → Ready on the profile's delays; crash faults restart
 * containers in place with CrashLoopBackOff (restartPolicy Always/OnFailure) or fail the pod
 * (Never); a pod being deleted is stopped and removed (the final grace-0 delete). A node that is
 * not Ready has no kubelet: its pods get no updates and stay Terminating when deleted.
 * Timers exist only for pods with something due (start, readiness, back-off, termination).
 */
import type { KubeObject, StoreEvent } from '../store/types';
import type { CrashOptions } from './types';
import type { Controller, ControllerContext, PodCondition } from './runtime';
import { getCondition, setCondition, tryDelete, tryMutate } from './runtime';
import { objectKey } from './cache';
import { isTerminal, nodeNameOf } from './scheduling';
import type { NodeFaultState } from './node-lifecycle';
import { ANNOTATION_READY_DELAY, ANNOTATION_START_DELAY, ANNOTATION_STUCK_PENDING } from './labels';

/** A non-negative integer annotation, in ms. */
function annotationMs(pod: KubeObject, key: string): number | undefined {
  const v = pod.metadata.annotations?.[key];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

type Rec = Record<string, unknown>;

interface ContainerSpec {
  name: string;
  image?: string;
}

interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: {
    waiting?: { reason: string; message?: string };
    running?: { startedAt: string };
    terminated?: {
      exitCode: number;
      reason: string;
      startedAt?: string;
      finishedAt?: string;
      containerID?: string;
    };
  };
  lastState: ContainerStatus['state'];
}

interface ContainerRuntime {
  /** When the container (re)started, in clock ms. */
  startedAt?: number;
  readyAt?: number;
  backoffUntil?: number;
  /** Consecutive crashes, for the back-off; reset after 10 min of clean running. */
  crashCount: number;
  pendingCrash?: { remaining: number; exitCode: number; reason: string };
}

interface PodRuntime {
  uid?: string;
  startAt?: number;
  stuck?: string;
  stuckTerminating?: boolean;
  /** clearStuck was called: the stuck-pending annotation no longer applies. */
  stuckCleared?: boolean;
  slowStartMs: number;
  readyOverride?: boolean;
  terminateAt?: number;
  killingSent?: boolean;
  containers: Map<string, ContainerRuntime>;
}

const CLEAN_RUN_RESET_MS = 10 * 60 * 1000;

/** A duration as Go's time.Duration prints it: 500ms, 10s, 1m20s, 5m0s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const sec = +(totalSeconds % 60).toFixed(3);
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

export class KubeletController implements Controller {
  readonly name = 'kubelet' as const;
  private readonly runtimes = new Map<string, PodRuntime>();
  private readonly nextIP = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly nodeFaults: NodeFaultState,
  ) {}

  // ---- faults -------------------------------------------------------------------------------

  private runtime(key: string): PodRuntime {
    let rt = this.runtimes.get(key);
    if (!rt) this.runtimes.set(key, (rt = { slowStartMs: 0, containers: new Map() }));
    return rt;
  }

  private container(rt: PodRuntime, name: string): ContainerRuntime {
    let c = rt.containers.get(name);
    if (!c) rt.containers.set(name, (c = { crashCount: 0 }));
    return c;
  }

  crash(namespace: string, pod: string, container: string, options: CrashOptions = {}): void {
    const key = objectKey(namespace, pod);
    const existing = this.ctx.cache.pods.get(key);
    if (existing && !this.specContainers(existing).some((c) => c.name === container)) {
      throw new Error(`container "${container}" not found in pod ${key}`);
    }
    const c = this.container(this.runtime(key), container);
    c.pendingCrash = {
      remaining: Math.max(1, options.times ?? 1),
      exitCode: options.exitCode ?? 1,
      reason: options.reason ?? 'Error',
    };
    this.ctx.enqueue(this.name, key);
  }

  stuckPending(namespace: string, pod: string, reason: string): void {
    const key = objectKey(namespace, pod);
    this.runtime(key).stuck = reason || 'ContainerCreating';
    this.ctx.enqueue(this.name, key);
  }

  stuckTerminating(namespace: string, pod: string): void {
    const key = objectKey(namespace, pod);
    this.runtime(key).stuckTerminating = true;
    this.ctx.enqueue(this.name, key);
  }

  clearStuck(namespace: string, pod: string): void {
    const key = objectKey(namespace, pod);
    const rt = this.runtime(key);
    const wasStuck = rt.stuck !== undefined;
    rt.stuck = undefined;
    rt.stuckCleared = true;
    rt.stuckTerminating = false;
    if (wasStuck) rt.startAt = undefined;
    this.ctx.enqueue(this.name, key);
  }

  setReady(namespace: string, pod: string, ready: boolean): void {
    const key = objectKey(namespace, pod);
    this.runtime(key).readyOverride = ready;
    this.ctx.enqueue(this.name, key);
  }

  slowStart(namespace: string, pod: string, ms: number): void {
    const key = objectKey(namespace, pod);
    const rt = this.runtime(key);
    rt.slowStartMs = Math.max(0, ms);
    if (rt.startAt !== undefined) rt.startAt += rt.slowStartMs;
    this.ctx.enqueue(this.name, key);
  }

  failPod(namespace: string, pod: string, reason = 'Evicted', message?: string): void {
    const now = this.ctx.clock.iso();
    tryMutate(this.ctx.store, 'pods', namespace, pod, (p) => {
      if (isTerminal(p)) return;
      const status = (p.status ?? (p.status = {})) as Rec;
      status.phase = 'Failed';
      status.reason = reason;
      status.message =
        message ??
        (reason === 'Evicted' ? 'The node was low on resource: memory.' : `Pod failed: ${reason}`);
      for (const cs of (status.containerStatuses as ContainerStatus[] | undefined) ?? []) {
        const startedAt = cs.state.running?.startedAt;
        cs.state = { terminated: { exitCode: 137, reason: 'Error', startedAt, finishedAt: now } };
        cs.ready = false;
        cs.started = false;
      }
      setCondition(status, { type: 'Ready', status: 'False', reason: 'PodFailed' }, now);
      setCondition(status, { type: 'ContainersReady', status: 'False', reason: 'PodFailed' }, now);
    });
  }

  // ---- controller -----------------------------------------------------------------------------

  onEvent(event: StoreEvent): void {
    const { resource, object, type } = event;
    if (resource === 'pods') {
      const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
      if (type === 'DELETED') {
        const rt = this.runtimes.get(key);
        if (rt && rt.uid === object.metadata.uid) {
          this.runtimes.delete(key);
          this.ctx.cancelWake(this.name, key);
        }
        return;
      }
      if (!nodeNameOf(object)) return;
      // Only react to what the kubelet did not just write itself: binding, deletion, a new pod,
      // and readiness-gate conditions set by someone else.
      const prev = event.previous;
      const gated = ((object.spec as Rec | undefined)?.readinessGates as unknown[] | undefined)
        ?.length;
      if (
        !prev ||
        nodeNameOf(prev) !== nodeNameOf(object) ||
        prev.metadata.deletionTimestamp !== object.metadata.deletionTimestamp ||
        prev.metadata.uid !== object.metadata.uid ||
        (gated &&
          JSON.stringify((prev.status as Rec | undefined)?.conditions) !==
            JSON.stringify((object.status as Rec | undefined)?.conditions))
      ) {
        this.ctx.enqueue(this.name, key);
      }
      return;
    }
    if (resource === 'nodes') {
      const name = object.metadata.name ?? '';
      const wasAlive = event.previous ? this.nodeObjectReady(event.previous) : false;
      if (type !== 'DELETED' && this.nodeObjectReady(object) && !wasAlive) {
        for (const key of this.ctx.cache.podsByNode.get(name) ?? [])
          this.ctx.enqueue(this.name, key);
      }
    }
  }

  private nodeObjectReady(node: KubeObject): boolean {
    return getCondition(node, 'Ready')?.status === 'True';
  }

  /** Whether the node's kubelet is alive: the node exists, is Ready and has no node fault. */
  nodeAlive(name: string): boolean {
    if (this.nodeFaults.has(name)) return false;
    const node = this.ctx.cache.nodes.get(name);
    return !!node && this.nodeObjectReady(node);
  }

  /** Pods of a node that came back (called by the node faults). */
  resyncNode(name: string): void {
    for (const key of this.ctx.cache.podsByNode.get(name) ?? []) this.ctx.enqueue(this.name, key);
  }

  reconcile(key: string): void {
    const pod = this.ctx.cache.pods.get(key);
    if (!pod) return;
    const rt = this.runtime(key);
    if (rt.uid !== pod.metadata.uid) {
      if (rt.uid !== undefined) {
        // A new pod with the same name: faults aimed at the old one stay with it.
        rt.startAt = undefined;
        rt.terminateAt = undefined;
        rt.killingSent = false;
        rt.readyOverride = undefined;
        rt.containers.clear();
        rt.stuck = undefined;
        rt.stuckCleared = false;
        rt.stuckTerminating = false;
        rt.slowStartMs = 0;
      }
      rt.uid = pod.metadata.uid;
    }
    const nodeName = nodeNameOf(pod);
    if (!nodeName || !this.nodeAlive(nodeName)) return;
    const now = this.ctx.clock.now();

    if (pod.metadata.deletionTimestamp) {
      this.terminate(key, pod, rt, now);
      return;
    }
    if (isTerminal(pod)) return;

    const stuckAnnotation = pod.metadata.annotations?.[ANNOTATION_STUCK_PENDING];
    if (stuckAnnotation && rt.stuck === undefined && !rt.stuckCleared) rt.stuck = stuckAnnotation;
    const status = (pod.status ?? {}) as Rec;
    if (!status.startTime || !status.containerStatuses) {
      this.initialize(pod, rt, nodeName, now);
      return;
    }
    // stuckPending holds a pod that has not started yet; a running pod carries on.
    if (rt.stuck && status.phase === 'Pending') {
      this.writeStuck(pod, rt.stuck);
      return;
    }
    if (
      status.phase === 'Pending' &&
      !(status.containerStatuses as ContainerStatus[]).some((c) => c.state.running)
    ) {
      if (rt.startAt === undefined) rt.startAt = now + this.startDelay(pod, rt);
      if (now < rt.startAt) {
        this.ctx.wakeAt(this.name, key, rt.startAt);
        return;
      }
    }
    this.run(key, pod, rt, now);
  }

  private startDelay(pod: KubeObject, rt: PodRuntime): number {
    const jitter = this.ctx.profile.podStartJitterMs ?? 0;
    const base = annotationMs(pod, ANNOTATION_START_DELAY) ?? this.ctx.profile.podStartDelayMs;
    return base + rt.slowStartMs + (jitter > 0 ? Math.floor(this.ctx.random() * jitter) : 0);
  }

  private readyDelay(pod: KubeObject): number {
    return annotationMs(pod, ANNOTATION_READY_DELAY) ?? this.ctx.profile.podReadyDelayMs;
  }

  private specContainers(pod: KubeObject): ContainerSpec[] {
    return ((pod.spec as Rec | undefined)?.containers as ContainerSpec[] | undefined) ?? [];
  }

  private allocateIP(nodeName: string): string {
    const node = this.ctx.cache.nodes.get(nodeName);
    const cidr =
      ((node?.spec as Rec | undefined)?.podCIDR as string | undefined) ?? '10.244.0.0/24';
    const base = cidr.split('/')[0].split('.').map(Number);
    const n = this.nextIP.get(nodeName) ?? 0;
    this.nextIP.set(nodeName, (n + 1) % 252);
    return `${base[0]}.${base[1]}.${base[2]}.${n + 2}`;
  }

  private hostIP(nodeName: string): string {
    const node = this.ctx.cache.nodes.get(nodeName);
    const addresses =
      ((node?.status as Rec | undefined)?.addresses as Array<{ type: string; address: string }>) ??
      [];
    return addresses.find((a) => a.type === 'InternalIP')?.address ?? '10.0.0.1';
  }

  private initialize(pod: KubeObject, rt: PodRuntime, nodeName: string, now: number): void {
    const iso = this.ctx.clock.iso();
    const hostIP = this.hostIP(nodeName);
    const hostNetwork = (pod.spec as Rec | undefined)?.hostNetwork === true;
    const podIP = hostNetwork ? hostIP : this.allocateIP(nodeName);
    const containers = this.specContainers(pod);
    const names = containers.map((c) => c.name);
    const waiting = rt.stuck ?? 'ContainerCreating';
    tryMutate(this.ctx.store, 'pods', pod.metadata.namespace, pod.metadata.name ?? '', (p) => {
      if (p.metadata.uid !== pod.metadata.uid) return;
      const status = (p.status ?? (p.status = {})) as Rec;
      status.phase = 'Pending';
      status.hostIP = hostIP;
      status.hostIPs = [{ ip: hostIP }];
      status.podIP = podIP;
      status.podIPs = [{ ip: podIP }];
      status.startTime = iso;
      status.qosClass ??= 'BestEffort';
      setCondition(status, { type: 'PodReadyToStartContainers', status: 'True' }, iso);
      setCondition(status, { type: 'Initialized', status: 'True' }, iso);
      const unready = `containers with unready status: [${names.join(' ')}]`;
      setCondition(
        status,
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: unready },
        iso,
      );
      setCondition(
        status,
        {
          type: 'ContainersReady',
          status: 'False',
          reason: 'ContainersNotReady',
          message: unready,
        },
        iso,
      );
      setCondition(status, { type: 'PodScheduled', status: 'True' }, iso);
      sortConditions(status);
      const inits =
        ((p.spec as Rec | undefined)?.initContainers as Array<
          ContainerSpec & { restartPolicy?: string }
        >) ?? [];
      if (inits.length) {
        // Init containers are instantaneous here: done (or, for sidecars, running) by the time the pod is seen.
        status.initContainerStatuses = inits.map((c): ContainerStatus => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          ready: c.restartPolicy === 'Always',
          started: c.restartPolicy === 'Always',
          restartCount: 0,
          state:
            c.restartPolicy === 'Always'
              ? { running: { startedAt: iso } }
              : {
                  terminated: { exitCode: 0, reason: 'Completed', startedAt: iso, finishedAt: iso },
                },
          lastState: {},
        }));
      }
      status.containerStatuses = containers.map((c): ContainerStatus => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: waiting } },
        lastState: {},
      }));
    });
    if (!rt.stuck) {
      rt.startAt = now + this.startDelay(pod, rt);
      this.ctx.wakeAt(
        this.name,
        objectKey(pod.metadata.namespace, pod.metadata.name ?? ''),
        rt.startAt,
      );
    }
  }

  private writeStuck(pod: KubeObject, reason: string): void {
    const message =
      reason === 'ErrImagePull' || reason === 'ImagePullBackOff'
        ? `Back-off pulling image "${this.specContainers(pod)[0]?.image ?? ''}"`
        : undefined;
    tryMutate(this.ctx.store, 'pods', pod.metadata.namespace, pod.metadata.name ?? '', (p) => {
      const status = (p.status ?? (p.status = {})) as Rec;
      for (const cs of (status.containerStatuses as ContainerStatus[] | undefined) ?? []) {
        if (cs.state.running) continue;
        cs.state = { waiting: message ? { reason, message } : { reason } };
      }
    });
  }

  private terminate(key: string, pod: KubeObject, rt: PodRuntime, now: number): void {
    if (rt.stuckTerminating) return;
    if (rt.terminateAt === undefined) {
      const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
      rt.terminateAt = now + Math.min(grace, this.ctx.profile.podStopDelayMs ?? 0);
    }
    if (!rt.killingSent && (pod.metadata.deletionGracePeriodSeconds ?? 0) > 0) {
      rt.killingSent = true;
      const c = this.specContainers(pod)[0];
      if (c) {
        this.ctx.events.record(
          pod,
          'Normal',
          'Killing',
          `Stopping container ${c.name}`,
          this.source(pod),
          `spec.containers{${c.name}}`,
        );
      }
    }
    if (now < rt.terminateAt) {
      this.ctx.wakeAt(this.name, key, rt.terminateAt);
      return;
    }
    tryDelete(this.ctx.store, 'pods', pod.metadata.namespace, pod.metadata.name ?? '', {
      gracePeriodSeconds: 0,
      preconditions: { uid: pod.metadata.uid },
    });
  }

  private source(pod: KubeObject): { component: string; host?: string } {
    return { component: 'kubelet', host: nodeNameOf(pod) };
  }

  /** Running: starts containers, applies crashes and back-offs, computes readiness; one write at most. */
  private run(key: string, pod: KubeObject, rt: PodRuntime, now: number): void {
    const iso = this.ctx.clock.iso();
    const spec = (pod.spec ?? {}) as Rec;
    const restartPolicy = (spec.restartPolicy as string | undefined) ?? 'Always';
    const gates = ((spec.readinessGates as Array<{ conditionType: string }> | undefined) ?? []).map(
      (g) => g.conditionType,
    );
    const started: string[] = [];
    const backoffs: Array<{ name: string; seconds: number }> = [];
    let wake = Infinity;
    const { namespace, name, uid } = pod.metadata;

    tryMutate(this.ctx.store, 'pods', namespace, name ?? '', (p) => {
      if (p.metadata.uid !== uid) return;
      const status = (p.status ?? (p.status = {})) as Rec;
      const statuses = (status.containerStatuses as ContainerStatus[] | undefined) ?? [];
      for (const cs of statuses) {
        const c = this.container(rt, cs.name);
        if (cs.state.terminated) continue; // finished for good (restartPolicy Never/OnFailure)
        if (cs.state.waiting) {
          const inBackoff = cs.state.waiting.reason === 'CrashLoopBackOff';
          if (inBackoff && c.backoffUntil === undefined) c.backoffUntil = now; // runtime lost (e.g. restart): restart now
          if (inBackoff && now < (c.backoffUntil ?? now)) {
            wake = Math.min(wake, c.backoffUntil!);
            continue;
          }
          if (inBackoff && c.pendingCrash) {
            // Crashes again as soon as it is restarted.
            this.crashContainer(cs, c, pod, restartPolicy, now, iso, iso, backoffs);
            if (c.backoffUntil !== undefined && cs.state.waiting)
              wake = Math.min(wake, c.backoffUntil);
            continue;
          }
          cs.state = { running: { startedAt: iso } };
          cs.started = true;
          cs.ready = false;
          cs.containerID =
            `containerd://${(uid ?? '').replace(/-/g, '')}${cs.name}${cs.restartCount}`.slice(
              0,
              77,
            );
          c.startedAt = now;
          c.readyAt = now + this.readyDelay(pod);
          c.backoffUntil = undefined;
          if (cs.restartCount === 0) started.push(cs.name);
        }
        if (cs.state.running) {
          if (c.startedAt === undefined) {
            c.startedAt = Date.parse(cs.state.running.startedAt) || now;
            c.readyAt = cs.ready ? now : now + this.readyDelay(pod);
          }
          // Ten minutes of clean running reset the back-off (kubelet's backOff GC).
          if (c.crashCount > 0 && now - (c.startedAt ?? now) >= CLEAN_RUN_RESET_MS)
            c.crashCount = 0;
          if (c.pendingCrash) {
            this.crashContainer(
              cs,
              c,
              pod,
              restartPolicy,
              now,
              cs.state.running.startedAt,
              iso,
              backoffs,
            );
            if (c.backoffUntil !== undefined && cs.state.waiting)
              wake = Math.min(wake, c.backoffUntil);
            continue;
          }
          let ready = now >= (c.readyAt ?? now);
          if (!ready) wake = Math.min(wake, c.readyAt!);
          if (rt.readyOverride !== undefined) ready = rt.readyOverride;
          cs.ready = ready;
        }
      }
      // Phase: Running while any container runs or restarts; terminal once all have terminated.
      const all = statuses.length > 0 && statuses.every((cs) => cs.state.terminated);
      if (all) {
        status.phase = statuses.some((cs) => (cs.state.terminated?.exitCode ?? 0) !== 0)
          ? 'Failed'
          : 'Succeeded';
      } else if (
        statuses.some((cs) => cs.state.running || cs.lastState.terminated || cs.restartCount > 0)
      ) {
        status.phase = 'Running';
      }
      const unready = statuses.filter((cs) => !cs.ready).map((cs) => cs.name);
      const containersReady = unready.length === 0 && statuses.length > 0;
      const message = `containers with unready status: [${unready.join(' ')}]`;
      setCondition(
        status,
        containersReady
          ? { type: 'ContainersReady', status: 'True' }
          : {
              type: 'ContainersReady',
              status: 'False',
              reason: all ? 'PodCompleted' : 'ContainersNotReady',
              message,
            },
        iso,
      );
      const conds = (status.conditions as PodCondition[]) ?? [];
      const gatesOk = gates.every((g) => conds.find((c) => c.type === g)?.status === 'True');
      if (containersReady && gatesOk) setCondition(status, { type: 'Ready', status: 'True' }, iso);
      else if (containersReady) {
        const missing = gates.filter((g) => conds.find((c) => c.type === g)?.status !== 'True');
        setCondition(
          status,
          {
            type: 'Ready',
            status: 'False',
            reason: 'ReadinessGatesNotReady',
            message: `corresponding condition of pod readiness gate "${missing[0]}" does not exist.`,
          },
          iso,
        );
      } else {
        setCondition(
          status,
          {
            type: 'Ready',
            status: 'False',
            reason: all ? 'PodCompleted' : 'ContainersNotReady',
            message,
          },
          iso,
        );
      }
      sortConditions(status);
    });

    for (const c of started) {
      this.ctx.events.record(
        pod,
        'Normal',
        'Started',
        `Started container ${c}`,
        this.source(pod),
        `spec.containers{${c}}`,
      );
    }
    for (const b of backoffs) {
      this.ctx.events.record(
        pod,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${b.name} in pod ${name}_${namespace}(${uid})`,
        this.source(pod),
        `spec.containers{${b.name}}`,
      );
    }
    if (wake !== Infinity) this.ctx.wakeAt(this.name, key, wake);
  }

  private crashContainer(
    cs: ContainerStatus,
    c: ContainerRuntime,
    pod: KubeObject,
    restartPolicy: string,
    now: number,
    startedAt: string,
    iso: string,
    backoffs: Array<{ name: string; seconds: number }>,
  ): void {
    const crash = c.pendingCrash!;
    crash.remaining--;
    if (crash.remaining <= 0) c.pendingCrash = undefined;
    const containerID = cs.containerID;
    const terminated = {
      exitCode: crash.exitCode,
      reason: crash.reason,
      startedAt,
      finishedAt: iso,
      ...(containerID ? { containerID } : {}),
    };
    cs.ready = false;
    cs.started = false;
    const restarts =
      restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && crash.exitCode !== 0);
    if (!restarts) {
      cs.state = { terminated };
      c.pendingCrash = undefined;
      return;
    }
    const profile = this.ctx.profile;
    const delay = Math.min(
      profile.crashLoopBaseBackoffMs * 2 ** c.crashCount,
      profile.crashLoopMaxBackoffMs,
    );
    c.crashCount++;
    c.backoffUntil = now + delay;
    c.startedAt = undefined;
    cs.restartCount++;
    cs.lastState = { terminated };
    const seconds = Math.round(delay / 1000);
    const meta = pod.metadata;
    cs.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${goDuration(delay)} restarting failed container=${cs.name} pod=${meta.name}_${meta.namespace}(${meta.uid})`,
      },
    };
    backoffs.push({ name: cs.name, seconds });
  }
}

const CONDITION_ORDER = [
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
];

function sortConditions(status: Rec): void {
  const list = status.conditions as PodCondition[] | undefined;
  if (!list) return;
  const rank = (t: string) => {
    const i = CONDITION_ORDER.indexOf(t);
    return i < 0 ? CONDITION_ORDER.length : i;
  };
  list.sort((a, b) => rank(a.type) - rank(b.type));
}
