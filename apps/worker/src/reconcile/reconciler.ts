import { isDeepStrictEqual } from 'node:util';
import type { DataSource } from 'typeorm';
import {
  preparedQuery,
  type EventMetadata,
  type EventStore,
  type NewEvent,
} from '../../../../libs/events/src';
import type { ClusterWatcher } from '../../../../libs/kube/src';
import {
  LABEL_ROLE,
  ROLE_ANCHOR,
  plan,
  planDeletion,
  type Action,
  type CreateAction,
  type DeleteAction,
  type GroupView,
  type Observed,
} from '../../../../libs/planner/src';
import { newEvent } from '../../../api/src/common/new-event';
import {
  LwsEventType,
  ReconcileEventType,
  lwsStreamId,
  type GroupRecreatedData,
  type ReconcileAppliedData,
  type ReconcileFailure,
} from '../../../api/src/lws/lws.events';
import { executeActions, type ExecutionReport } from './executor';
import { loadDesired, type DesiredSnapshot } from './desired-state';
import { rolloutEvents } from './rollout-recorder';

export type ReconcileOutcome =
  | { result: 'converged' }
  | { result: 'applied'; actions: number }
  | { result: 'deleted' }
  | { result: 'absent' }
  | {
      result: 'failed';
      failure: ReconcileFailure & {
        retry: 'transient' | 'throttled' | 'permanent';
        retryAfterMs?: number;
      };
      /** Whether the reconcile changed the cluster before the failure stopped it. */
      progress: boolean;
    };

/** Milliseconds per phase of one reconcile (only the phases it reached). */
export type ReconcileTimings = Partial<Record<'load' | 'plan' | 'execute' | 'record', number>>;

/** Returns a function that charges the time since its last call to the named phase. */
function phaseClock(timings?: ReconcileTimings): (phase: keyof ReconcileTimings) => void {
  let last = performance.now();
  return (phase) => {
    if (!timings) return;
    const now = performance.now();
    timings[phase] = Math.round((now - last) * 10) / 10;
    last = now;
  };
}

export interface ReconcilerOptions {
  /** How long to wait for the watcher to see the objects a reconcile created or deleted. */
  settleTimeoutMs?: number;
  now?: () => Date;
}

/**
 * One reconcile of one LWS in one cluster: desired state from the read models, observed state from
 * the watcher's cache, `plan` (pure), the actions through the Kubernetes API, and what happened as
 * events. A converged LWS costs no API write and no event.
 */
export class Reconciler {
  constructor(
    private readonly db: DataSource,
    private readonly store: EventStore,
    readonly cluster: string,
    private readonly watcher: ClusterWatcher,
    private readonly options: ReconcilerOptions = {},
  ) {}

  /**
   * Per LWS, the pods this process tried to create and could not, until the watcher sees them:
   * the planner must not take such a pod for one that was lost and recreate its whole group.
   */
  private readonly notCreated = new Map<string, Set<string>>();

  observe(snapshot: DesiredSnapshot): Observed {
    const { namespace } = snapshot.row;
    const objects = this.watcher.observed(snapshot.row.uid);
    const notCreated = this.notCreated.get(snapshot.row.uid);
    if (notCreated) {
      for (const pod of objects.pods) notCreated.delete(pod.metadata?.name ?? '');
      if (!notCreated.size) this.notCreated.delete(snapshot.row.uid);
    }
    return {
      notCreated: notCreated?.size ? [...notCreated] : undefined,
      namespaceExists: this.watcher.namespaceExists(namespace),
      anchor: objects.configMaps.find((cm) => cm.metadata?.labels?.[LABEL_ROLE] === ROLE_ANCHOR),
      pods: objects.pods,
      services: objects.services,
      pvcs: objects.pvcs,
      nodes: this.watcher.nodeLabels(),
      now: (this.options.now?.() ?? new Date()).toISOString(),
    };
  }

  /**
   * `timings`, when given, receives how long each phase took (ms): reading the desired state,
   * planning, the API calls, recording what happened.
   */
  async reconcile(
    uid: string,
    correlationId: string,
    timings?: ReconcileTimings,
  ): Promise<ReconcileOutcome> {
    const clock = phaseClock(timings);
    const snapshot = await loadDesired(this.db, uid);
    clock('load');
    if (!snapshot || snapshot.row.deleted_at) return { result: 'absent' };
    if (snapshot.row.cluster !== this.cluster) return { result: 'absent' };
    const meta: EventMetadata = {
      actor: `worker:${this.cluster}`,
      correlationId,
      source: 'worker',
      cluster: this.cluster,
    };
    const observed = this.observe(snapshot);

    if (snapshot.row.deletion_requested_at) {
      const deletion = planDeletion(snapshot.desired, observed);
      if (deletion.done) {
        await this.append(uid, [
          newEvent(
            LwsEventType.Deleted,
            { uid, reason: `cluster ${this.cluster} confirmed nothing is left` },
            meta,
          ),
        ]);
        return { result: 'deleted' };
      }
      if (deletion.actions.length === 0) return { result: 'converged' }; // waiting for the garbage collector
      const report = await executeActions(this.watcher.connection.core, deletion.actions);
      return this.record(snapshot, report, deletion.actions, meta, []);
    }

    const result = plan(snapshot.desired, observed);
    clock('plan');
    const events: NewEvent[] = [];
    if (!isDeepStrictEqual(result.status, snapshot.row.status ?? undefined)) {
      events.push(
        newEvent(
          ReconcileEventType.StatusChanged,
          { uid, cluster: this.cluster, status: result.status },
          meta,
        ),
      );
    }
    events.push(...this.readinessEvents(uid, snapshot.groups, result.groups, meta));
    events.push(...rolloutEvents(this.cluster, snapshot, observed, result, meta));
    // The groups read model is written while the actions run (it waits for nothing they do).
    const groupsSaved = isDeepStrictEqual(result.groups, snapshot.groups)
      ? undefined
      : this.saveGroups(uid, result.groups);
    if (result.actions.length === 0) {
      await Promise.all([groupsSaved, events.length ? this.append(uid, events) : undefined]);
      return { result: 'converged' };
    }
    const [report] = await Promise.all([
      executeActions(this.watcher.connection.core, result.actions),
      groupsSaved,
    ]);
    clock('execute');
    this.rememberNotCreated(uid, result.actions, report);
    const outcome = await this.record(snapshot, report, result.actions, meta, events);
    clock('record');
    return outcome;
  }

  private async record(
    snapshot: DesiredSnapshot,
    report: ExecutionReport,
    actions: Action[],
    meta: EventMetadata,
    events: NewEvent[],
  ): Promise<ReconcileOutcome> {
    const { uid } = snapshot.row;
    const did =
      report.created.length +
      report.patched.length +
      report.deleted.length +
      report.alreadyPresent.length;
    const failure = report.failure
      ? {
          action: report.failure.action,
          kind: report.failure.kind,
          status: report.failure.status,
          reason: report.failure.reason,
          message: report.failure.message,
        }
      : undefined;
    for (const recreation of report.recreations)
      events.push(
        newEvent(ReconcileEventType.GroupRecreated, this.recreated(snapshot, recreation), meta),
      );
    if (did > 0) {
      const data: ReconcileAppliedData = {
        uid,
        cluster: this.cluster,
        generation: snapshot.row.generation,
        revision: snapshot.row.current_revision,
        created: report.created,
        patched: report.patched,
        deleted: report.deleted,
        alreadyPresent: report.alreadyPresent,
        ...(failure ? { failure } : {}),
      };
      events.unshift(newEvent(ReconcileEventType.Applied, data, meta));
    }
    const permanent = report.failure?.kind === 'permanent';
    if (failure && permanent) {
      events.push(
        newEvent(
          ReconcileEventType.Failed,
          {
            uid,
            cluster: this.cluster,
            generation: snapshot.row.generation,
            permanent: true,
            failure,
          },
          meta,
        ),
      );
    }
    // Appending and waiting for the watcher to see the creates are both waits: they overlap.
    await Promise.all([
      events.length ? this.append(uid, events) : undefined,
      report.failure ? undefined : this.settle(uid, report, actions),
    ]);
    if (report.failure) {
      const retry =
        report.failure.kind === 'throttled' ? 'throttled' : permanent ? 'permanent' : 'transient';
      return {
        result: 'failed',
        failure: { ...failure!, retry, retryAfterMs: report.failure.retryAfterMs },
        progress: did > 0,
      };
    }
    return { result: 'applied', actions: actions.length };
  }

  private rememberNotCreated(uid: string, actions: Action[], report: ExecutionReport): void {
    if (!report.failure) return;
    const done = new Set([...report.created, ...report.alreadyPresent]);
    const missed = actions.filter(
      (a) => a.type === 'create' && a.kind === 'Pod' && !done.has(`Pod ${a.namespace}/${a.name}`),
    );
    if (!missed.length) return;
    let names = this.notCreated.get(uid);
    if (!names) this.notCreated.set(uid, (names = new Set()));
    for (const a of missed) names.add((a as { name: string }).name);
  }

  private recreated(snapshot: DesiredSnapshot, action: DeleteAction): GroupRecreatedData {
    const cause = action.cause!;
    const group = Number(/-(\d+)$/.exec(action.name)?.[1] ?? -1);
    return {
      uid: snapshot.row.uid,
      cluster: this.cluster,
      group,
      pod: cause.pod,
      role: cause.role,
      trigger: cause.event,
      container: cause.container,
      exitCode: cause.exitCode,
      reason: cause.reason,
      restartCount: cause.restartCount,
    };
  }

  private readinessEvents(
    uid: string,
    before: GroupView[] | undefined,
    after: GroupView[],
    meta: EventMetadata,
  ): NewEvent[] {
    const previous = new Map((before ?? []).map((g) => [g.index, g.ready]));
    const events: NewEvent[] = [];
    for (const group of after) {
      const was = previous.get(group.index) ?? false;
      if (group.ready === was) continue;
      const type = group.ready
        ? ReconcileEventType.GroupBecameReady
        : ReconcileEventType.GroupBecameNotReady;
      events.push(
        newEvent(
          type,
          { uid, cluster: this.cluster, group: group.index, revision: group.revision },
          meta,
        ),
      );
    }
    return events;
  }

  private async saveGroups(uid: string, groups: GroupView[]): Promise<void> {
    await preparedQuery(
      this.db,
      'lws_worker_save_groups_v1',
      `INSERT INTO lws_groups (lws_uid, cluster, groups, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (lws_uid) DO UPDATE SET cluster = EXCLUDED.cluster, groups = EXCLUDED.groups, updated_at = now()`,
      [uid, this.cluster, JSON.stringify(groups)],
    );
  }

  private async append(uid: string, events: NewEvent[]): Promise<void> {
    await this.store.append(lwsStreamId(uid), events, { expectedVersion: 'any' });
  }

  /**
   * Waits (bounded) until the watcher's cache shows what this reconcile did, so the next reconcile
   * plans from a cache that includes its own writes instead of repeating them.
   */
  private async settle(uid: string, report: ExecutionReport, actions: Action[]): Promise<void> {
    // Only creates are awaited: a deletion may take a grace period, and repeating it is harmless.
    const created = new Set(report.created);
    const awaited = actions.filter(
      (a): a is CreateAction =>
        a.type === 'create' && created.has(`${a.kind} ${a.namespace}/${a.name}`),
    );
    if (!awaited.length) return;
    const deadline = Date.now() + (this.options.settleTimeoutMs ?? 5000);
    let next = 0; // objects before this one have been seen
    while (Date.now() < deadline) {
      while (next < awaited.length) {
        const { kind, namespace, name } = awaited[next];
        if (!this.watcher.has(uid, kind, namespace, name)) break;
        next++;
      }
      if (next === awaited.length) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}
