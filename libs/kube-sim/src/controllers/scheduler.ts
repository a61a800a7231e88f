/**
 * kube-scheduler, simplified: one pod at a time in arrival order, upstream filters and message
 * (scheduling.ts), binding by writing spec.nodeName and PodScheduled=True. Pods that fit nowhere
 * get PodScheduled=False/Unschedulable and one FailedScheduling event per distinct message, and
 * are retried when the cluster changes (a pod leaves or lands, a node or a claim changes).
 */
import type { KubeObject, StoreEvent } from '../store/types';
import type { Controller, ControllerContext } from './runtime';
import { setCondition, tryMutate } from './runtime';
import { objectKey } from './cache';
import {
  type ResourceList,
  type SchedulingView,
  addResources,
  isTerminal,
  nodeNameOf,
  podRequests,
  podScoringRequests,
  requiredAntiAffinityTerms,
  scheduleOne,
  REASON_POD_AFFINITY,
} from './scheduling';
import type { LabelSelector, Labels } from './selectors';
import { DEFAULT_SCHEDULER } from './labels';

interface Assigned {
  pod: KubeObject;
  node: string;
  requests: ResourceList;
}

function isPending(pod: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as { nodeName?: string; schedulerName?: string };
  if (spec.nodeName) return false;
  if (pod.metadata.deletionTimestamp) return false;
  if (isTerminal(pod)) return false;
  return !spec.schedulerName || spec.schedulerName === DEFAULT_SCHEDULER;
}

/** The scheduler's incrementally maintained snapshot: O(1) per pod event. */
class SchedulerSnapshot implements SchedulingView {
  readonly nodesByName = new Map<string, KubeObject>();
  private sortedNodes: KubeObject[] | undefined;
  readonly assigned = new Map<string, Assigned>();
  private readonly used = new Map<string, ResourceList>();
  private readonly labelIndex = new Map<string, Map<string, Set<string>>>();
  private readonly antiAffinityPods = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {}

  setNode(node: KubeObject | undefined, name: string): void {
    if (node) this.nodesByName.set(name, node);
    else this.nodesByName.delete(name);
    this.sortedNodes = undefined;
  }

  /** Returns whether the pod's assignment changed (added, moved or removed). */
  setPod(key: string, pod: KubeObject | undefined): boolean {
    const before = this.assigned.get(key);
    const nodeName = pod && !isTerminal(pod) ? nodeNameOf(pod) : undefined;
    if (before && pod && nodeName === before.node && before.pod.metadata.uid === pod.metadata.uid) {
      // Same placement: refresh the object (labels may have changed) without touching usage.
      this.unindexLabels(key, before.pod);
      before.pod = pod;
      this.indexLabels(key, pod);
      if (requiredAntiAffinityTerms(pod).length) this.antiAffinityPods.add(key);
      else this.antiAffinityPods.delete(key);
      return false;
    }
    if (before) {
      this.unindexLabels(key, before.pod);
      this.antiAffinityPods.delete(key);
      const used = this.used.get(before.node);
      if (used) {
        addResources(used, before.requests, -1);
      }
      this.assigned.delete(key);
    }
    if (pod && nodeName) {
      const requests: ResourceList = { ...podRequests(pod), pods: 1 };
      const sc = podScoringRequests(pod);
      requests['score:cpu'] = sc.cpu;
      requests['score:memory'] = sc.memory;
      const used = this.used.get(nodeName) ?? {};
      addResources(used, requests);
      this.used.set(nodeName, used);
      this.assigned.set(key, { pod, node: nodeName, requests });
      this.indexLabels(key, pod);
      if (requiredAntiAffinityTerms(pod).length) this.antiAffinityPods.add(key);
    }
    return before !== undefined || nodeName !== undefined;
  }

  private indexLabels(key: string, pod: KubeObject): void {
    for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) {
      let values = this.labelIndex.get(k);
      if (!values) this.labelIndex.set(k, (values = new Map()));
      let keys = values.get(v);
      if (!keys) values.set(v, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindexLabels(key: string, pod: KubeObject): void {
    for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) {
      const values = this.labelIndex.get(k);
      const keys = values?.get(v);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) values!.delete(v);
      if (values!.size === 0) this.labelIndex.delete(k);
    }
  }

  nodes(): Iterable<KubeObject> {
    if (!this.sortedNodes) {
      this.sortedNodes = [...this.nodesByName.values()].sort((a, b) =>
        (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1,
      );
    }
    return this.sortedNodes;
  }

  getNode(name: string): KubeObject | undefined {
    return this.nodesByName.get(name);
  }

  requested(nodeName: string): ResourceList {
    return this.used.get(nodeName) ?? {};
  }

  /** Narrows by the selector's first equality-like requirement through the label index. */
  *candidatePods(selector: LabelSelector | null): Iterable<KubeObject> {
    if (!selector) return;
    let keys: Iterable<string> | undefined;
    const ml = Object.entries(selector.matchLabels ?? {});
    if (ml.length) {
      keys = this.labelIndex.get(ml[0][0])?.get(ml[0][1]) ?? [];
    } else {
      const req = (selector.matchExpressions ?? []).find(
        (r) => r.operator === 'In' || r.operator === 'Exists',
      );
      if (req) {
        const values = this.labelIndex.get(req.key);
        const out: string[] = [];
        if (values) {
          if (req.operator === 'Exists') for (const set of values.values()) out.push(...set);
          else for (const v of req.values ?? []) out.push(...(values.get(v) ?? []));
        }
        keys = out;
      }
    }
    if (!keys) {
      for (const a of this.assigned.values()) yield a.pod;
      return;
    }
    for (const k of keys) {
      const a = this.assigned.get(k);
      if (a) yield a.pod;
    }
  }

  *podsWithRequiredAntiAffinity(): Iterable<KubeObject> {
    for (const k of this.antiAffinityPods) {
      const a = this.assigned.get(k);
      if (a) yield a.pod;
    }
  }

  namespaceLabels(ns: string): Labels | undefined {
    return (
      this.ctx.cache.namespaces.get(ns)?.metadata.labels ?? { 'kubernetes.io/metadata.name': ns }
    );
  }

  claimExists(namespace: string, name: string): boolean {
    return this.ctx.cache.claims.has(objectKey(namespace, name));
  }
}

interface Unschedulable {
  message: string;
  /** Failed on some node for pod affinity: a pod landing anywhere may help. */
  affinity: boolean;
  attempts: number;
  /** Not retried before this time (clock ms): upstream's per-pod back-off, 1 s doubling to 10 s. */
  retryAt: number;
  /** A cluster change since the last attempt may let it fit. */
  dirty: boolean;
}

export class SchedulerController implements Controller {
  readonly name = 'scheduler' as const;
  private readonly snapshot: SchedulerSnapshot;
  /** Pods that fit nowhere, with the last message written (so an unchanged verdict writes nothing). */
  private readonly unschedulable = new Map<string, Unschedulable>();
  private retryAll = false;
  private retryAffinity = false;

  constructor(private readonly ctx: ControllerContext) {
    this.snapshot = new SchedulerSnapshot(ctx);
  }

  onEvent(event: StoreEvent): void {
    this.handle(event);
    // Make sure a batch runs so that afterBatch moves the unschedulable pods back.
    if ((this.retryAll || this.retryAffinity) && this.unschedulable.size)
      this.ctx.enqueue(this.name, '');
  }

  private handle(event: StoreEvent): void {
    const { resource, object, type } = event;
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    if (resource === 'pods') {
      const gone = type === 'DELETED';
      const changed = this.snapshot.setPod(key, gone ? undefined : object);
      if (changed) {
        // A pod left or landed: resources, anti-affinity and affinity may now allow others.
        const left = gone || !nodeNameOf(object) || isTerminal(object);
        if (left) this.retryAll = true;
        else this.retryAffinity = true;
      }
      if (gone) {
        this.unschedulable.delete(key);
        return;
      }
      if (!isPending(object)) {
        this.unschedulable.delete(key);
        return;
      }
      const prev = event.previous;
      if (
        type === 'ADDED' ||
        !this.unschedulable.has(key) ||
        (prev &&
          (JSON.stringify(prev.spec) !== JSON.stringify(object.spec) ||
            JSON.stringify(prev.metadata.labels) !== JSON.stringify(object.metadata.labels)))
      ) {
        this.unschedulable.delete(key);
        this.ctx.enqueue(this.name, key);
      }
      return;
    }
    if (resource === 'nodes') {
      this.snapshot.setNode(type === 'DELETED' ? undefined : object, object.metadata.name ?? '');
      if (type !== 'DELETED') this.retryAll = true;
      return;
    }
    if (resource === 'persistentvolumeclaims' || resource === 'namespaces') {
      if (type !== 'DELETED') this.retryAll = true;
    }
  }

  afterBatch(): void {
    if (this.retryAll || this.retryAffinity) {
      const all = this.retryAll;
      this.retryAll = false;
      this.retryAffinity = false;
      for (const state of this.unschedulable.values())
        if (all || state.affinity) state.dirty = true;
    }
    const now = this.ctx.clock.now();
    let next = Infinity;
    for (const [key, state] of this.unschedulable) {
      if (!state.dirty) continue;
      if (state.retryAt <= now) {
        state.dirty = false;
        this.ctx.enqueue(this.name, key);
      } else next = Math.min(next, state.retryAt);
    }
    if (next !== Infinity) this.ctx.wakeAt(this.name, '', next);
  }

  reconcile(key: string): void {
    if (key === '') return; // a wake-up for afterBatch only
    const pod = this.ctx.cache.pods.get(key);
    if (!pod || !isPending(pod)) return;
    const result = scheduleOne(pod, this.snapshot);
    const { namespace, name, uid } = pod.metadata;
    const now = this.ctx.clock.iso();
    if (result.nodeName) {
      const nodeName = result.nodeName;
      let bound = false;
      tryMutate(this.ctx.store, 'pods', namespace, name ?? '', (p) => {
        const spec = (p.spec ?? (p.spec = {})) as Record<string, unknown>;
        if (p.metadata.uid !== uid || spec.nodeName || p.metadata.deletionTimestamp) return;
        spec.nodeName = nodeName;
        const status = (p.status ?? (p.status = {})) as Record<string, unknown>;
        status.phase ??= 'Pending';
        setCondition(status, { type: 'PodScheduled', status: 'True' }, now);
        bound = true;
      });
      this.unschedulable.delete(key);
      if (bound) {
        this.ctx.events.record(
          pod,
          'Normal',
          'Scheduled',
          `Successfully assigned ${namespace}/${name} to ${nodeName}`,
          {
            component: 'default-scheduler',
          },
        );
      }
      return;
    }
    const message = result.message ?? 'no nodes available to schedule pods';
    const affinity = [...result.failures.values()].some((f) =>
      f.reasons.includes(REASON_POD_AFFINITY),
    );
    const previous = this.unschedulable.get(key);
    const attempts = (previous?.attempts ?? 0) + 1;
    const base = this.ctx.profile.schedulerBackoffMs ?? 1000;
    const backoff = Math.min(base * 2 ** (attempts - 1), base * 10);
    this.unschedulable.set(key, {
      message,
      affinity,
      attempts,
      retryAt: this.ctx.clock.now() + backoff,
      dirty: previous?.dirty ?? false,
    });
    tryMutate(this.ctx.store, 'pods', namespace, name ?? '', (p) => {
      if (p.metadata.uid !== uid) return;
      const status = (p.status ?? (p.status = {})) as Record<string, unknown>;
      status.phase ??= 'Pending';
      setCondition(
        status,
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message },
        now,
      );
    });
    if (previous?.message !== message) {
      this.ctx.events.record(pod, 'Warning', 'FailedScheduling', message, {
        component: 'default-scheduler',
      });
    }
  }

  /** For tests and the admin API: why a pending pod is unschedulable. */
  verdict(key: string): string | undefined {
    return this.unschedulable.get(key)?.message;
  }
}
