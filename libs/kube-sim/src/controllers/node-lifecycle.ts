/**
 * The node lifecycle controller and the taint manager, plus PodGC for deleted nodes:
 * - a node whose kubelet reports NotReady gets Ready=False and the `not-ready` taints at once;
 * - an unreachable node (heartbeats stopped) gets every condition Unknown and the `unreachable`
 *   taints after nodeMonitorGracePeriodMs (at once for a lost node);
 * - its pods are marked Ready=False, and NoExecute taints evict the pods that do not tolerate
 *   them, after their tolerationSeconds (the admission default of 300 s stands for the profile's
 *   podEvictionTimeoutMs); with the kubelet gone an evicted pod stays Terminating, as upstream;
 * - pods bound to a node that no longer exists are force-deleted;
 * - a recovered node gets Ready=True back and its taints removed.
 */
import type { KubeObject, StoreEvent } from '../store/types';
import type { NodeFaultMode } from './types';
import type { Controller, ControllerContext } from './runtime';
import { getCondition, setCondition, tryDelete, tryMutate } from './runtime';
import { rfc3339Micro } from './clock';
import { objectKey } from './cache';
import { isTerminal } from './scheduling';
import { tolerationFor, type Taint, type Toleration } from './selectors';
import { DEFAULT_TOLERATION_SECONDS, TAINT_NOT_READY, TAINT_UNREACHABLE } from './labels';

type Rec = Record<string, unknown>;

export interface NodeFault {
  mode: NodeFaultMode;
  /** When the fault began (clock ms). */
  since: number;
  /** Lost: no grace period before the node is marked Unknown. */
  lost: boolean;
}

export type NodeFaultState = Map<string, NodeFault>;

const CONDITION_TYPES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];
/** Node names are DNS subdomains: this key can never be one. */
const HEARTBEAT_KEY = '#heartbeat';
/** The kubelet posts node status this many lease renewals apart (upstream: 10 s lease, 5 min status). */
const STATUS_EVERY = 30;

export class NodeLifecycleController implements Controller {
  readonly name = 'nodeLifecycle' as const;
  /** When each node's NoExecute taints were added, in clock ms (timeAdded is only second-precise). */
  private readonly taintedAt = new Map<string, number>();
  private readonly evicted = new Set<string>();

  private heartbeats = 0;

  constructor(
    private readonly ctx: ControllerContext,
    readonly faults: NodeFaultState,
  ) {
    const interval = ctx.profile.nodeHeartbeatIntervalMs ?? 0;
    if (interval > 0) ctx.wakeAt(this.name, HEARTBEAT_KEY, ctx.clock.now() + interval);
  }

  onEvent(event: StoreEvent): void {
    const { resource, object, type } = event;
    if (resource === 'nodes') {
      this.ctx.enqueue(this.name, object.metadata.name ?? '');
      return;
    }
    if (resource === 'pods' && type !== 'DELETED') {
      const node = (object.spec as Rec | undefined)?.nodeName as string | undefined;
      if (!node) return;
      const prevNode = (event.previous?.spec as Rec | undefined)?.nodeName;
      if (prevNode === node) return;
      // A pod landed on a node: evict it if the node has NoExecute taints, force-delete it if the node is gone.
      const n = this.ctx.cache.nodes.get(node);
      if (
        !n ||
        ((n.spec as Rec | undefined)?.taints as Taint[] | undefined)?.some(
          (t) => t.effect === 'NoExecute',
        )
      ) {
        this.ctx.enqueue(this.name, node);
      }
    }
  }

  fail(node: string, mode: NodeFaultMode, lost = false): void {
    this.faults.set(node, { mode, since: this.ctx.clock.now(), lost });
    this.ctx.enqueue(this.name, node);
  }

  recover(node: string): void {
    this.faults.delete(node);
    this.ctx.enqueue(this.name, node);
  }

  reconcile(name: string): void {
    if (name === HEARTBEAT_KEY) {
      this.heartbeat();
      return;
    }
    const node = this.ctx.cache.nodes.get(name);
    const now = this.ctx.clock.now();
    if (!node) {
      // PodGC: pods bound to a node that does not exist are force-deleted.
      for (const pod of this.ctx.cache.podsOnNode(name)) {
        tryDelete(this.ctx.store, 'pods', pod.metadata.namespace, pod.metadata.name ?? '', {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        });
      }
      this.taintedAt.delete(name);
      return;
    }
    const fault = this.faults.get(name);
    const grace = this.ctx.profile.nodeMonitorGracePeriodMs;
    let wake = Infinity;
    if (!fault) {
      this.writeHealthy(node);
    } else if (fault.mode === 'NotReady') {
      this.writeDown(node, 'False', TAINT_NOT_READY);
    } else if (fault.lost || now >= fault.since + grace) {
      this.writeDown(node, 'Unknown', TAINT_UNREACHABLE);
    } else {
      wake = fault.since + grace;
    }
    const current = this.ctx.cache.nodes.get(name) ?? node;
    const down = getCondition(current, 'Ready')?.status !== 'True';
    wake = Math.min(wake, this.evictPods(current, down, now));
    if (wake !== Infinity) this.ctx.wakeAt(this.name, name, wake);
  }

  /**
   * The kubelets' heartbeats, when the profile asks for them: every live node renews its Lease in
   * kube-node-lease, and refreshes its conditions' lastHeartbeatTime every STATUS_EVERY renewals.
   * Faulted nodes stay silent, so their heartbeats freeze as a real lost node's do.
   */
  private heartbeat(): void {
    const interval = this.ctx.profile.nodeHeartbeatIntervalMs ?? 0;
    if (interval <= 0) return;
    const now = this.ctx.clock.now();
    const micro = rfc3339Micro(now);
    const iso = this.ctx.clock.iso();
    const postStatus = this.heartbeats++ % STATUS_EVERY === STATUS_EVERY - 1;
    for (const [name, node] of this.ctx.cache.nodes) {
      if (this.faults.has(name)) continue;
      const renewed = tryMutate(this.ctx.store, 'leases', 'kube-node-lease', name, (lease) => {
        (lease.spec as Rec).renewTime = micro;
      });
      if (!renewed) {
        try {
          this.ctx.store.create('leases', {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: {
              name,
              namespace: 'kube-node-lease',
              ownerReferences: [
                { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid ?? '' },
              ],
            },
            spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro },
          });
        } catch {
          // kube-node-lease missing or leases not served: heartbeats are best effort.
        }
      }
      if (postStatus && getCondition(node, 'Ready')?.status === 'True') {
        tryMutate(this.ctx.store, 'nodes', undefined, name, (n) => {
          for (const c of ((n.status as Rec | undefined)?.conditions as Rec[] | undefined) ?? []) {
            c.lastHeartbeatTime = iso;
          }
        });
      }
    }
    this.ctx.wakeAt(this.name, HEARTBEAT_KEY, now + interval);
  }

  private writeHealthy(node: KubeObject): void {
    const ready = getCondition(node, 'Ready');
    const taints = ((node.spec as Rec | undefined)?.taints as Taint[] | undefined) ?? [];
    const ours = taints.some((t) => t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE);
    if (ready?.status === 'True' && !ours) return;
    const iso = this.ctx.clock.iso();
    tryMutate(this.ctx.store, 'nodes', undefined, node.metadata.name ?? '', (n) => {
      const status = (n.status ?? (n.status = {})) as Rec;
      for (const type of CONDITION_TYPES) {
        const healthy = type === 'Ready' ? 'True' : 'False';
        const reason = {
          MemoryPressure: 'KubeletHasSufficientMemory',
          DiskPressure: 'KubeletHasNoDiskPressure',
          PIDPressure: 'KubeletHasSufficientPID',
          Ready: 'KubeletReady',
        }[type]!;
        const message = {
          MemoryPressure: 'kubelet has sufficient memory available',
          DiskPressure: 'kubelet has no disk pressure',
          PIDPressure: 'kubelet has sufficient PID available',
          Ready: 'kubelet is posting ready status',
        }[type]!;
        setNodeCondition(status, type, healthy, reason, message, iso);
      }
      const spec = (n.spec ?? (n.spec = {})) as Rec;
      const rest = ((spec.taints as Taint[] | undefined) ?? []).filter(
        (t) => t.key !== TAINT_NOT_READY && t.key !== TAINT_UNREACHABLE,
      );
      if (rest.length) spec.taints = rest;
      else delete spec.taints;
    });
    this.taintedAt.delete(node.metadata.name ?? '');
    this.ctx.events.record(
      node,
      'Normal',
      'NodeReady',
      `Node ${node.metadata.name} status is now: NodeReady`,
      {
        component: 'kubelet',
        host: node.metadata.name,
      },
    );
  }

  private writeDown(node: KubeObject, readyStatus: 'False' | 'Unknown', taintKey: string): void {
    const name = node.metadata.name ?? '';
    const taints = ((node.spec as Rec | undefined)?.taints as Taint[] | undefined) ?? [];
    const other = taintKey === TAINT_NOT_READY ? TAINT_UNREACHABLE : TAINT_NOT_READY;
    const hasTaints =
      taints.some((t) => t.key === taintKey && t.effect === 'NoExecute') &&
      taints.some((t) => t.key === taintKey && t.effect === 'NoSchedule') &&
      !taints.some((t) => t.key === other);
    if (getCondition(node, 'Ready')?.status === readyStatus && hasTaints) {
      if (!this.taintedAt.has(name)) this.taintedAt.set(name, this.ctx.clock.now());
      return;
    }
    const iso = this.ctx.clock.iso();
    tryMutate(this.ctx.store, 'nodes', undefined, name, (n) => {
      const status = (n.status ?? (n.status = {})) as Rec;
      if (readyStatus === 'Unknown') {
        for (const type of CONDITION_TYPES) {
          setNodeCondition(
            status,
            type,
            'Unknown',
            'NodeStatusUnknown',
            'Kubelet stopped posting node status.',
            iso,
            false,
          );
        }
      } else {
        setNodeCondition(
          status,
          'Ready',
          'False',
          'KubeletNotReady',
          'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady',
          iso,
        );
      }
      const spec = (n.spec ?? (n.spec = {})) as Rec;
      const rest = ((spec.taints as Taint[] | undefined) ?? []).filter(
        (t) => t.key !== TAINT_NOT_READY && t.key !== TAINT_UNREACHABLE,
      );
      spec.taints = [
        ...rest,
        { key: taintKey, effect: 'NoSchedule', timeAdded: iso },
        { key: taintKey, effect: 'NoExecute', timeAdded: iso },
      ];
    });
    this.taintedAt.set(name, this.ctx.clock.now());
    this.ctx.events.record(
      node,
      'Normal',
      'NodeNotReady',
      `Node ${name} status is now: NodeNotReady`,
      {
        component: 'node-controller',
      },
    );
  }

  /** Marks pods of a down node not Ready and evicts pods that do not tolerate NoExecute taints. Returns the next due time. */
  private evictPods(node: KubeObject, down: boolean, now: number): number {
    const name = node.metadata.name ?? '';
    const taints = (((node.spec as Rec | undefined)?.taints as Taint[] | undefined) ?? []).filter(
      (t) => t.effect === 'NoExecute',
    );
    let wake = Infinity;
    const iso = this.ctx.clock.iso();
    for (const pod of this.ctx.cache.podsOnNode(name)) {
      if (isTerminal(pod)) continue;
      if (down && getCondition(pod, 'Ready')?.status === 'True') {
        // upstream MarkPodsNotReady
        tryMutate(this.ctx.store, 'pods', pod.metadata.namespace, pod.metadata.name ?? '', (p) => {
          const status = (p.status ?? (p.status = {})) as Rec;
          setCondition(status, { type: 'Ready', status: 'False' }, iso);
          for (const cs of (status.containerStatuses as Array<{ ready: boolean }> | undefined) ??
            [])
            cs.ready = false;
        });
      }
      if (!taints.length || pod.metadata.deletionTimestamp) continue;
      const due = this.evictionTime(pod, taints, name);
      if (due === undefined) continue;
      if (now >= due) {
        const key = `${objectKey(pod.metadata.namespace, pod.metadata.name ?? '')}/${pod.metadata.uid}`;
        if (this.evicted.has(key)) continue;
        this.evicted.add(key);
        this.ctx.events.record(
          pod,
          'Normal',
          'TaintManagerEviction',
          `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`,
          {
            component: 'taint-eviction-controller',
          },
        );
        tryMutate(this.ctx.store, 'pods', pod.metadata.namespace, pod.metadata.name ?? '', (p) => {
          if (p.metadata.uid !== pod.metadata.uid) return;
          const status = (p.status ?? (p.status = {})) as Rec;
          setCondition(
            status,
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'DeletionByTaintManager',
              message: 'Taint manager: deleting due to NoExecute taint',
            },
            iso,
          );
        });
        tryDelete(this.ctx.store, 'pods', pod.metadata.namespace, pod.metadata.name ?? '', {
          preconditions: { uid: pod.metadata.uid },
        });
      } else {
        wake = Math.min(wake, due);
      }
    }
    return wake;
  }

  /** When a pod must leave a node with these NoExecute taints; undefined when it may stay. */
  private evictionTime(pod: KubeObject, taints: Taint[], nodeName: string): number | undefined {
    const tolerations =
      ((pod.spec as Rec | undefined)?.tolerations as Toleration[] | undefined) ?? [];
    const since = this.taintedAt.get(nodeName) ?? this.ctx.clock.now();
    let due: number | undefined;
    for (const taint of taints) {
      const ours = taint.key === TAINT_NOT_READY || taint.key === TAINT_UNREACHABLE;
      const added = ours ? since : taint.timeAdded ? Date.parse(taint.timeAdded) : since;
      const t = tolerationFor(tolerations, taint);
      let at: number | undefined;
      if (!t) at = ours ? added + this.ctx.profile.podEvictionTimeoutMs : added;
      else if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) at = undefined;
      else if (ours && t.tolerationSeconds === DEFAULT_TOLERATION_SECONDS)
        at = added + this.ctx.profile.podEvictionTimeoutMs;
      else at = added + Math.max(0, t.tolerationSeconds) * 1000;
      if (at !== undefined) due = due === undefined ? at : Math.min(due, at);
    }
    return due;
  }
}

function setNodeCondition(
  status: Rec,
  type: string,
  value: string,
  reason: string,
  message: string,
  iso: string,
  heartbeat = true,
): void {
  const list = ((status.conditions as Array<Rec> | undefined) ?? []).slice();
  const i = list.findIndex((c) => c.type === type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Rec = {
    type,
    status: value,
    lastHeartbeatTime: heartbeat ? iso : (prev?.lastHeartbeatTime ?? iso),
    lastTransitionTime: prev && prev.status === value ? prev.lastTransitionTime : iso,
    reason,
    message,
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  status.conditions = list;
}
