// A fake cluster for planner tests: pure data, no I/O. It applies a plan's actions the way the API
// server and garbage collector would (uids, owner uids, foreground deletion of dependants) and lets
// a test move pods through their lives (scheduled, Running, Ready, restarted, failed, deleted).
//
//   let cluster = observed().from(plan(d, cluster.build()).actions).allRunningReady();
import type {
  V1ConfigMap,
  V1ContainerStatus,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { bindOwnerUid, ownerKey } from '../owners';
import type { Action, ObjectKind, Observed } from '../types';

type AnyObject = V1ConfigMap | V1Service | V1PersistentVolumeClaim | V1Pod;

export const TEST_NOW = '2026-11-29T09:00:00Z';

export class FakeCluster {
  private objects = new Map<string, { kind: ObjectKind; object: AnyObject }>();
  private namespaceExists = false;
  private nodes: Record<string, Record<string, string>> = {};
  private now = TEST_NOW;
  private nextUid = 1;
  /** Deletions leave objects terminating (deletionTimestamp set) instead of removing them. */
  private slowDeletes = false;
  /** Every write applied, for counting. */
  readonly log: Action[] = [];

  namespace(exists = true): this {
    this.namespaceExists = exists;
    return this;
  }

  node(name: string, labels: Record<string, string>): this {
    this.nodes[name] = { 'kubernetes.io/hostname': name, ...labels };
    return this;
  }

  at(now: string): this {
    this.now = now;
    return this;
  }

  keepTerminating(on = true): this {
    this.slowDeletes = on;
    return this;
  }

  /** Applies actions as the API server would; pending owner uids are resolved like an executor. */
  from(actions: Action[]): this {
    const created = new Map<string, string>();
    for (const action of actions) {
      this.log.push(action);
      if (action.type === 'createNamespace') {
        this.namespaceExists = true;
      } else if (action.type === 'create') {
        const object = structuredClone(bindOwnerUid(action, created)) as AnyObject;
        const k = ownerKey(action.kind, action.name);
        if (this.objects.has(k)) throw new Error(`AlreadyExists: ${k}`);
        const uid = `u${this.nextUid++}`;
        object.metadata = { ...object.metadata, uid, resourceVersion: '1' };
        for (const ref of object.metadata.ownerReferences ?? []) {
          if (!ref.uid)
            throw new Error(`${k}: owner reference to ${ref.kind}/${ref.name} without uid`);
        }
        if (action.kind === 'Pod') (object as V1Pod).status = { phase: 'Pending' };
        this.objects.set(k, { kind: action.kind, object });
        created.set(k, uid);
      } else if (action.type === 'patch') {
        const entry = this.objects.get(ownerKey(action.kind, action.name));
        if (!entry) throw new Error(`NotFound: ${action.kind}/${action.name}`);
        mergePatch(entry.object as unknown as Record<string, unknown>, action.patch);
      } else {
        const k = ownerKey(action.kind, action.name);
        const entry = this.objects.get(k);
        if (!entry) throw new Error(`NotFound: ${k}`);
        if (entry.object.metadata?.uid !== action.uid)
          throw new Error(`Conflict: uid precondition ${k}`);
        this.deleteCascade(k);
      }
    }
    return this;
  }

  private deleteCascade(k: string): void {
    const entry = this.objects.get(k);
    if (!entry) return;
    const uid = entry.object.metadata?.uid;
    for (const [other, e] of [...this.objects]) {
      if ((e.object.metadata?.ownerReferences ?? []).some((r) => r.uid === uid))
        this.deleteCascade(other);
    }
    if (this.slowDeletes) {
      entry.object.metadata = { ...entry.object.metadata, deletionTimestamp: new Date(this.now) };
    } else {
      this.objects.delete(k);
    }
  }

  /** Removes terminating objects (the kubelet and garbage collector finished). */
  finishDeletes(): this {
    for (const [k, e] of [...this.objects])
      if (e.object.metadata?.deletionTimestamp) this.objects.delete(k);
    return this;
  }

  pods(): V1Pod[] {
    return [...this.objects.values()].filter((e) => e.kind === 'Pod').map((e) => e.object as V1Pod);
  }

  pod(name: string): V1Pod {
    const entry = this.objects.get(ownerKey('Pod', name));
    if (!entry) throw new Error(`no pod ${name}`);
    return entry.object as V1Pod;
  }

  has(kind: ObjectKind, name: string): boolean {
    return this.objects.has(ownerKey(kind, name));
  }

  get<T extends AnyObject>(kind: ObjectKind, name: string): T {
    const entry = this.objects.get(ownerKey(kind, name));
    if (!entry) throw new Error(`no ${kind} ${name}`);
    return entry.object as T;
  }

  /** Schedules the pod on `node` (Pending, nodeName set). */
  schedule(name: string, node: string): this {
    const pod = this.pod(name);
    pod.spec = { ...(pod.spec ?? { containers: [] }), nodeName: node };
    return this;
  }

  /** Running + Ready (scheduling on `node-<pod>` when unscheduled). */
  ready(name: string, ready = true): this {
    const pod = this.pod(name);
    if (!pod.spec?.nodeName) this.schedule(name, this.defaultNode(name));
    pod.status = {
      ...pod.status,
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses:
        pod.status?.containerStatuses ??
        (pod.spec?.containers ?? []).map((c): V1ContainerStatus => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          ready,
          restartCount: 0,
        })),
    };
    for (const s of pod.status.containerStatuses ?? []) s.ready = ready;
    return this;
  }

  notReady(name: string): this {
    return this.ready(name, false);
  }

  private defaultNode(pod: string): string {
    const name = Object.keys(this.nodes)[0] ?? `node-${pod}`;
    return name;
  }

  allRunningReady(): this {
    for (const pod of this.pods())
      if (!pod.metadata?.deletionTimestamp) this.ready(pod.metadata?.name ?? '');
    return this;
  }

  /** A container restarted in place after terminating with `exitCode` / `reason`. */
  restart(name: string, container: string, exitCode: number, reason: string): this {
    const pod = this.pod(name);
    const statuses = pod.status?.containerStatuses ?? [];
    const status = statuses.find((s) => s.name === container);
    if (!status) throw new Error(`no container status ${container} in ${name}`);
    status.restartCount += 1;
    status.lastState = { terminated: { exitCode, reason } };
    return this;
  }

  fail(name: string, reason: string): this {
    const pod = this.pod(name);
    pod.status = {
      ...pod.status,
      phase: 'Failed',
      reason,
      conditions: [{ type: 'Ready', status: 'False' }],
    };
    return this;
  }

  /** The pod vanished without the planner seeing its deletion (e.g. deleted while lws-fleet was down). */
  remove(kind: ObjectKind, name: string): this {
    this.objects.delete(ownerKey(kind, name));
    return this;
  }

  /** The pod is being deleted by someone else (deletionTimestamp set). */
  terminate(name: string): this {
    const pod = this.pod(name);
    pod.metadata = { ...pod.metadata, deletionTimestamp: new Date(this.now) };
    return this;
  }

  build(): Observed {
    const all = [...this.objects.values()].map((e) => ({
      kind: e.kind,
      object: structuredClone(e.object),
    }));
    return {
      namespaceExists: this.namespaceExists,
      anchor: all.find((e) => e.kind === 'ConfigMap')?.object as V1ConfigMap | undefined,
      pods: all.filter((e) => e.kind === 'Pod').map((e) => e.object as V1Pod),
      services: all.filter((e) => e.kind === 'Service').map((e) => e.object as V1Service),
      pvcs: all
        .filter((e) => e.kind === 'PersistentVolumeClaim')
        .map((e) => e.object as V1PersistentVolumeClaim),
      nodes: structuredClone(this.nodes),
      now: this.now,
    };
  }
}

export function observed(): FakeCluster {
  return new FakeCluster().namespace(true);
}

function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (typeof value === 'object' && !Array.isArray(value)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      mergePatch(target[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else target[key] = value;
  }
}
