/**
 * The machinery every controller shares: per-controller work queues with per-key dedup, a drain
 * loop that runs them (deferred with setImmediate after store events, run at once by flush() and
 * after each timer of a manual clock), pause/resume, store-write helpers and core/v1 events.
 */
import {
  StoreError,
  type ClockTimer,
  type KubeObject,
  type ObjectStore,
  type SimClock,
  type StoreEvent,
} from '../store/types';
import type { ControllerName, SimProfile } from './types';
import type { ClusterCache } from './cache';
import { rfc3339 } from './clock';

/** Insertion-ordered set of keys: adding a key already queued is a no-op. */
export class WorkQueue {
  private keys = new Set<string>();

  add(key: string): void {
    this.keys.add(key);
  }

  get size(): number {
    return this.keys.size;
  }

  /** Takes every queued key; keys added meanwhile land in the next batch. */
  takeAll(): string[] {
    const out = [...this.keys];
    this.keys = new Set();
    return out;
  }
}

export interface Controller {
  readonly name: ControllerName;
  /** Synchronous and cheap: update private indexes and enqueue keys. */
  onEvent(event: StoreEvent): void;
  /** Reconciles one key against the current state. */
  reconcile(key: string): void;
  /** Runs after each batch of this controller's keys (the scheduler retries unschedulable pods here). */
  afterBatch?(): void;
  stop?(): void;
}

export interface ControllerContext {
  store: ObjectStore;
  clock: SimClock;
  profile: SimProfile;
  cache: ClusterCache;
  random: () => number;
  events: EventRecorder;
  enqueue(controller: ControllerName, key: string): void;
  /** A timer on the sim clock that enqueues `key` for `controller` when due; one per (controller, key). */
  wakeAt(controller: ControllerName, key: string, at: number): void;
  cancelWake(controller: ControllerName, key: string): void;
}

const MAX_ROUNDS = 10_000;

export class Runner {
  private readonly queues = new Map<ControllerName, WorkQueue>();
  private readonly controllers = new Map<ControllerName, Controller>();
  private readonly pausedSet = new Set<ControllerName>();
  private readonly wakes = new Map<string, ClockTimer>();
  private draining = false;
  private readonly counts = new Map<ControllerName, number>();
  private scheduled: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(private readonly clock: SimClock) {}

  register(controller: Controller): void {
    this.controllers.set(controller.name, controller);
    this.queues.set(controller.name, new WorkQueue());
  }

  dispatch(event: StoreEvent): void {
    if (this.stopped) return;
    for (const c of this.controllers.values()) {
      try {
        c.onEvent(event);
      } catch (err) {
        warn(`${c.name} onEvent`, err);
      }
    }
    this.schedule();
  }

  enqueue(name: ControllerName, key: string): void {
    if (this.stopped) return;
    this.queues.get(name)?.add(key);
    this.schedule();
  }

  wakeAt(name: ControllerName, key: string, at: number): void {
    if (this.stopped) return;
    const id = `${name}\u0000${key}`;
    const existing = this.wakes.get(id);
    if (existing) {
      if (existing.due <= at) return;
      this.clock.clearTimeout(existing);
    }
    const timer = this.clock.setTimeout(() => {
      this.wakes.delete(id);
      this.enqueue(name, key);
    }, at - this.clock.now());
    this.wakes.set(id, timer);
  }

  cancelWake(name: ControllerName, key: string): void {
    const id = `${name}\u0000${key}`;
    const existing = this.wakes.get(id);
    if (existing) {
      this.clock.clearTimeout(existing);
      this.wakes.delete(id);
    }
  }

  pause(name: ControllerName): void {
    if (!this.controllers.has(name)) throw new Error(`unknown controller ${name}`);
    this.pausedSet.add(name);
  }

  resume(name: ControllerName): void {
    if (!this.controllers.has(name)) throw new Error(`unknown controller ${name}`);
    this.pausedSet.delete(name);
    this.schedule();
  }

  paused(): ControllerName[] {
    return [...this.pausedSet];
  }

  /** Reconciles run per controller since start. */
  reconcileCounts(): Partial<Record<ControllerName, number>> {
    return Object.fromEntries(this.counts);
  }

  isPaused(name: ControllerName): boolean {
    return this.pausedSet.has(name);
  }

  /** Runs queued work until every unpaused queue is empty. */
  drain(): void {
    if (this.draining || this.stopped) return;
    this.draining = true;
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        let did = false;
        for (const [name, controller] of this.controllers) {
          if (this.pausedSet.has(name)) continue;
          const queue = this.queues.get(name)!;
          if (queue.size === 0) continue;
          did = true;
          for (const key of queue.takeAll()) {
            if (this.pausedSet.has(name) || this.stopped) {
              queue.add(key);
              continue;
            }
            try {
              this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
              controller.reconcile(key);
            } catch (err) {
              warn(`${name} reconcile ${key}`, err);
              // Retry later, not in a hot loop.
              this.wakeAt(name, key, this.clock.now() + 1000);
            }
          }
          try {
            controller.afterBatch?.();
          } catch (err) {
            warn(`${name} afterBatch`, err);
          }
        }
        if (!did) break;
      }
    } finally {
      this.draining = false;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.wakes.values()) this.clock.clearTimeout(t);
    this.wakes.clear();
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    for (const c of this.controllers.values()) c.stop?.();
  }

  private schedule(): void {
    if (this.scheduled || this.draining || this.stopped) return;
    // Not unref'd: Node lets the event loop sleep in poll past an unref'd immediate (only ref'd
    // ones make it poll without waiting), so queued controller work would wait for the next I/O
    // or timer: a pod deleted on a quiet cluster stayed until a heartbeat seconds later. stop()
    // clears it, so it never keeps a stopped simulator's process alive.
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.drain();
    });
  }
}

let warned = 0;
function warn(where: string, err: unknown): void {
  if (warned++ > 50) return;
  process.emitWarning(
    `kube-sim controller ${where} failed: ${(err as Error)?.stack ?? String(err)}`,
  );
}

export function isNotFound(err: unknown): boolean {
  return err instanceof StoreError && err.code === 404;
}

/** store.mutate that treats a vanished object as nothing to do. */
export function tryMutate(
  store: ObjectStore,
  resource: string,
  namespace: string | undefined,
  name: string,
  fn: (object: KubeObject) => void,
): KubeObject | undefined {
  try {
    return store.mutate(resource, namespace, name, fn);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function tryDelete(
  store: ObjectStore,
  resource: string,
  namespace: string | undefined,
  name: string,
  options?: Parameters<ObjectStore['delete']>[3],
): KubeObject | undefined {
  try {
    return store.delete(resource, namespace, name, options);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    // A uid precondition that no longer holds: the object was replaced; nothing to do.
    if (err instanceof StoreError && err.code === 409) return undefined;
    throw err;
  }
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/**
 * Sets a condition in place; lastTransitionTime changes only when the status does. Returns
 * the conditions array (created when missing).
 */
export function setCondition(
  status: Record<string, unknown>,
  condition: PodCondition,
  now: string,
): PodCondition[] {
  const list = ((status.conditions as PodCondition[] | undefined) ?? []).slice();
  const i = list.findIndex((c) => c.type === condition.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: PodCondition = {
    type: condition.type,
    status: condition.status,
    lastProbeTime: prev?.lastProbeTime ?? null,
    lastTransitionTime: prev && prev.status === condition.status ? prev.lastTransitionTime : now,
  };
  if (condition.reason) next.reason = condition.reason;
  if (condition.message) next.message = condition.message;
  if (i >= 0) list[i] = next;
  else list.push(next);
  status.conditions = list;
  return list;
}

export function getCondition(obj: KubeObject | undefined, type: string): PodCondition | undefined {
  const conditions = (obj?.status as { conditions?: PodCondition[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === type);
}

/** How many distinct events the recorder remembers for aggregation. */
const EVENT_MEMORY = 10_000;

/**
 * Writes core/v1 Events the way client-go's recorder names and shapes them; a repeat of the same
 * event (same object, type, reason and message) bumps `count` and `lastTimestamp` of the first one,
 * as client-go's EventCorrelator does, so `kubectl describe` shows `(x3 over 2m)`.
 */
export class EventRecorder {
  private seq = 0;
  private readonly seen = new Map<string, { namespace: string; name: string }>();

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: SimClock,
    private readonly enabled: boolean,
  ) {}

  record(
    involved: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    source: { component: string; host?: string },
    fieldPath?: string,
  ): void {
    if (!this.enabled) return;
    const now = this.clock.now();
    const meta = involved.metadata;
    const namespace = meta.namespace ?? 'default';
    const ts = rfc3339(now);
    const key = `${meta.uid ?? meta.name}\u0000${type}\u0000${reason}\u0000${message}\u0000${fieldPath ?? ''}`;
    const previous = this.seen.get(key);
    if (previous) {
      try {
        const updated = tryMutate(this.store, 'events', previous.namespace, previous.name, (e) => {
          e.count = ((e.count as number | undefined) ?? 1) + 1;
          e.lastTimestamp = ts;
        });
        if (updated) return;
      } catch {
        // fall through to a new event
      }
      this.seen.delete(key);
    }
    const name = `${meta.name}.${(BigInt(Math.floor(now)) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
    try {
      this.store.create('events', {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          kind: involved.kind,
          namespace: meta.namespace,
          name: meta.name,
          uid: meta.uid,
          apiVersion: involved.apiVersion,
          resourceVersion: meta.resourceVersion,
          ...(fieldPath ? { fieldPath } : {}),
        },
        reason,
        message,
        source,
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: source.component,
        reportingInstance: source.host ?? `${source.component}-kube-sim`,
      });
      if (this.seen.size >= EVENT_MEMORY) this.seen.delete(this.seen.keys().next().value as string);
      this.seen.set(key, { namespace, name });
    } catch {
      // Events are best effort, as in client-go (e.g. a namespace being deleted).
    }
  }
}
