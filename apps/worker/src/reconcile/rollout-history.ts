// Rollout history, derived (no I/O, no clock) from what one reconcile saw and planned: the anchor
// state before and after (the planner's partition and group count), the group views, the planned
// actions, and the rollout the read model says is open. The reconciler appends the facts returned
// here beside its other events; `lws_rollouts` is their projection.
import type { V1ConfigMap } from '@kubernetes/client-node';
import {
  anchorName,
  readAnchorState,
  resolvedMaxSurge,
  resolvedMaxUnavailable,
  type Action,
  type AnchorState,
  type GroupView,
} from '../../../../libs/planner/src';
import type { IntOrString } from '../../../../libs/lws/src';
import {
  RolloutEventType,
  RolloutState,
  type GroupReplacedData,
  type GroupUpdatedData,
  type RolloutCompletedData,
  type RolloutPausedData,
  type RolloutResumedData,
  type RolloutStartedData,
  type RolloutStrategy,
  type RolloutSupersededData,
  type SurgeGroupData,
} from '../../../api/src/lws/rollouts/rollout.events';

/** The rollout the read model holds as not finished (Progressing or Paused). */
export interface OpenRollout {
  toRevision: number;
  toTemplateHash: string;
  state: typeof RolloutState.Progressing | typeof RolloutState.Paused;
  startedAt: string;
  /** The spec partition it paused at, when Paused. */
  pausedAtPartition: number | null;
  /** Groups replaced (or surge groups added) in this rollout and not ready yet: index → when. */
  pending: Record<number, string>;
}

export interface RolloutHistoryInput {
  uid: string;
  cluster: string;
  lwsName: string;
  /** RFC 3339, the reconcile's clock. */
  now: string;
  /** The current revision and its hash (the desired template). */
  revision: number;
  templateHash: string;
  /** Every revision's number and hash (a rollback makes two revisions share a hash). */
  revisions: Array<{ revision: number; templateHash: string }>;
  replicas: number;
  rollingUpdate: { maxSurge: IntOrString; maxUnavailable: IntOrString; partition: number };
  /** The anchor as observed before this reconcile (undefined: not created yet). */
  previousAnchor?: AnchorState;
  /** The group views `plan` returned (observed state, before the actions). */
  groups: GroupView[];
  actions: Action[];
  open?: OpenRollout;
  /** The newest rollout recorded, in any state. */
  latest?: { toRevision: number; toTemplateHash: string };
}

export type RolloutFact =
  | { type: typeof RolloutEventType.Started; data: RolloutStartedData }
  | { type: typeof RolloutEventType.Superseded; data: RolloutSupersededData }
  | { type: typeof RolloutEventType.GroupReplaced; data: GroupReplacedData }
  | { type: typeof RolloutEventType.GroupUpdated; data: GroupUpdatedData }
  | { type: typeof RolloutEventType.SurgeGroupAdded; data: SurgeGroupData }
  | { type: typeof RolloutEventType.SurgeGroupRemoved; data: SurgeGroupData }
  | { type: typeof RolloutEventType.Paused; data: RolloutPausedData }
  | { type: typeof RolloutEventType.Resumed; data: RolloutResumedData }
  | { type: typeof RolloutEventType.Completed; data: RolloutCompletedData };

/** The anchor state after this reconcile's actions (the planner patches or creates it). */
export function anchorAfter(input: RolloutHistoryInput): AnchorState | undefined {
  const name = anchorName(input.lwsName);
  for (const action of input.actions) {
    if (action.type === 'createNamespace') continue;
    if (action.kind !== 'ConfigMap' || action.name !== name) continue;
    if (action.type === 'patch')
      return readAnchorState({ data: action.patch.data as Record<string, string> });
    if (action.type === 'create') return readAnchorState(action.object as V1ConfigMap);
  }
  return input.previousAnchor;
}

/** The group index of a leader pod name (`<lws>-<i>`), or undefined for any other name. */
export function leaderIndex(lwsName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${lwsName}-`)) return undefined;
  const rest = podName.slice(lwsName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** The newest revision below `before` (or any, when there is none) with this hash. */
export function revisionOfHash(
  revisions: RolloutHistoryInput['revisions'],
  hash: string,
  before: number,
): number | null {
  let best: number | null = null;
  for (const r of revisions) {
    if (r.templateHash !== hash || r.revision >= before) continue;
    if (best === null || r.revision > best) best = r.revision;
  }
  return best;
}

export function strategyOf(input: RolloutHistoryInput): RolloutStrategy {
  const r = { replicas: input.replicas, ...input.rollingUpdate };
  return {
    type: 'RollingUpdate',
    replicas: input.replicas,
    maxSurge: resolvedMaxSurge(r),
    maxUnavailable: resolvedMaxUnavailable(r),
    partition: input.rollingUpdate.partition,
  };
}

const ms = (from: string, to: string): number | null => {
  const d = Date.parse(to) - Date.parse(from);
  return Number.isFinite(d) ? Math.max(0, d) : null;
};

/**
 * The rollout facts of one reconcile, in the order they happened: a superseded rollout, a new one
 * started, groups that became ready on the new revision (from what was observed), surge groups
 * removed, groups replaced and surge groups added (what is being done now), then pause, resume or
 * completion. A reconcile that changes nothing of a rollout returns nothing.
 */
export function deriveRolloutFacts(input: RolloutHistoryInput): RolloutFact[] {
  const facts: RolloutFact[] = [];
  const { uid, cluster, templateHash: key, replicas: R } = input;
  const prev = input.previousAnchor;
  const open = input.open;

  let current:
    | {
        toRevision: number;
        state: OpenRollout['state'];
        startedAt: string;
        pausedAtPartition: number | null;
        pending: Record<number, string>;
      }
    | undefined = open ? { ...open, pending: { ...open.pending } } : undefined;

  const start = (fromHash: string) => {
    if (current && open) {
      facts.push({
        type: RolloutEventType.Superseded,
        data: { uid, cluster, toRevision: open.toRevision, byRevision: input.revision },
      });
    }
    facts.push({
      type: RolloutEventType.Started,
      data: {
        uid,
        cluster,
        toRevision: input.revision,
        fromRevision: revisionOfHash(input.revisions, fromHash, input.revision),
        fromTemplateHash: fromHash,
        toTemplateHash: key,
        strategy: strategyOf(input),
      },
    });
    current = {
      toRevision: input.revision,
      state: RolloutState.Progressing,
      startedAt: input.now,
      pausedAtPartition: null,
      pending: {},
    };
  };

  if (prev && prev.templateHash !== key) {
    // The planner moves the anchor to the new template in this reconcile: a rollout starts.
    if (!open || open.toTemplateHash !== key) start(prev.templateHash);
  } else if (
    !open &&
    prev &&
    prev.stableTemplateHash !== key &&
    input.latest?.toTemplateHash !== key
  ) {
    // The anchor moved but its rollout was never recorded (a worker stopped between the two).
    start(prev.stableTemplateHash);
  }
  if (!current) return facts;
  const ref = { uid, cluster, toRevision: current.toRevision };

  const partition = input.rollingUpdate.partition;
  if (current.state === RolloutState.Paused && partition !== current.pausedAtPartition) {
    facts.push({ type: RolloutEventType.Resumed, data: { ...ref, partition } });
    current.state = RolloutState.Progressing;
  }

  // Groups replaced earlier in this rollout that are now ready on the new revision.
  for (const g of input.groups) {
    const since = current.pending[g.index];
    if (since === undefined || !g.ready || !g.updated || g.revision !== key) continue;
    facts.push({
      type: RolloutEventType.GroupUpdated,
      data: { ...ref, group: g.index, surge: g.index >= R, readyAfterMs: ms(since, input.now) },
    });
    delete current.pending[g.index];
  }

  // What this reconcile does to groups.
  const views = new Map(input.groups.map((g) => [g.index, g]));
  const next = anchorAfter(input);
  const removed: RolloutFact[] = [];
  const replaced: RolloutFact[] = [];
  const added: RolloutFact[] = [];
  for (const action of input.actions) {
    if (action.type === 'createNamespace' || action.kind !== 'Pod') continue;
    const i = leaderIndex(input.lwsName, action.name);
    if (i === undefined) continue;
    if (action.type === 'delete' && !action.cause) {
      if (i >= R && i >= (prev?.replicas ?? R)) {
        removed.push({ type: RolloutEventType.SurgeGroupRemoved, data: { ...ref, group: i } });
        delete current.pending[i];
        continue;
      }
      const view = views.get(i);
      if (i < R && view && view.revision !== key && i >= (next?.partition ?? 0)) {
        replaced.push({
          type: RolloutEventType.GroupReplaced,
          data: { ...ref, group: i, fromTemplateHash: view.revision, toTemplateHash: key },
        });
        current.pending[i] = input.now;
      }
    } else if (action.type === 'create' && i >= R) {
      added.push({ type: RolloutEventType.SurgeGroupAdded, data: { ...ref, group: i } });
      current.pending[i] = input.now;
    }
  }
  facts.push(...removed, ...replaced, ...added);

  // Where the rollout stands, from the observed groups.
  const desired = input.groups.filter((g) => g.index < R);
  const complete =
    desired.length === R &&
    desired.every((g) => g.ready && g.updated && g.revision === key) &&
    !input.groups.some((g) => g.index >= R) &&
    added.length === 0;
  if (complete) {
    facts.push({
      type: RolloutEventType.Completed,
      data: { ...ref, durationMs: ms(current.startedAt, input.now) },
    });
  } else if (
    current.state === RolloutState.Progressing &&
    partition > 0 &&
    desired
      .filter((g) => g.index >= partition)
      .every((g) => g.ready && g.updated && g.revision === key)
  ) {
    facts.push({
      type: RolloutEventType.Paused,
      data: {
        ...ref,
        partition,
        updatedGroups: input.groups.filter((g) => g.ready && g.updated && g.revision === key)
          .length,
      },
    });
  }
  return facts;
}
