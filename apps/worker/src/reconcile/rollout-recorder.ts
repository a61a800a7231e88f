import type { EventMetadata, NewEvent } from '../../../../libs/events/src';
import { readAnchorState, type Observed, type PlanResult } from '../../../../libs/planner/src';
import { newEvent } from '../../../api/src/common/new-event';
import { RolloutState } from '../../../api/src/lws/rollouts/rollout.events';
import type { DesiredSnapshot } from './desired-state';
import { deriveRolloutFacts, type OpenRollout } from './rollout-history';

interface RolloutRow {
  to_revision: number;
  to_template_hash: string;
  state: string;
  started_at: string;
  paused_at_partition: number | null;
  pending: Record<string, string> | null;
}

/** What the rollout history holds for one LWS: its revisions and its newest rollout. */
export interface RolloutRecord {
  revisions: Array<{ revision: number; templateHash: string }> | null;
  latest: RolloutRow | null;
}

/**
 * The newest rollout of the LWS whose uid is `uid` (an SQL expression) as one JSON object, with
 * the groups still pending in it: a column for the reconcile's one read (see `loadDesired`).
 */
export function latestRolloutSql(uid: string): string {
  return `(SELECT json_build_object(
             'to_revision', o.to_revision, 'to_template_hash', o.to_template_hash, 'state', o.state,
             'started_at', o.started_at, 'paused_at_partition', o.paused_at_partition,
             'pending', (SELECT json_object_agg(s.group_index, s.at) FROM (
                           SELECT DISTINCT ON (group_index) group_index, kind, at, ready_at FROM lws_rollout_steps
                            WHERE lws_uid = ${uid} AND to_revision = o.to_revision
                              AND kind IN ('GroupReplaced', 'SurgeGroupAdded', 'SurgeGroupRemoved')
                            ORDER BY group_index, position DESC) s
                          WHERE s.ready_at IS NULL AND s.kind <> 'SurgeGroupRemoved'))
      FROM lws_rollouts o WHERE o.lws_uid = ${uid} ORDER BY o.started_position DESC LIMIT 1)`;
}

/**
 * The rollout events of one reconcile, derived with `deriveRolloutFacts` (pure) from the record
 * `loadDesired` read.
 */
export function rolloutEvents(
  cluster: string,
  snapshot: DesiredSnapshot,
  observed: Observed,
  result: PlanResult,
  meta: EventMetadata,
): NewEvent[] {
  const { desired, rollout: record } = snapshot;
  const latest = record.latest ?? undefined;
  const isOpen =
    latest && (latest.state === RolloutState.Progressing || latest.state === RolloutState.Paused);
  const open: OpenRollout | undefined = isOpen
    ? {
        toRevision: latest.to_revision,
        toTemplateHash: latest.to_template_hash,
        state: latest.state as OpenRollout['state'],
        startedAt: new Date(latest.started_at).toISOString(),
        pausedAtPartition: latest.paused_at_partition,
        pending: Object.fromEntries(
          Object.entries(latest.pending ?? {}).map(([group, at]) => [
            Number(group),
            new Date(at).toISOString(),
          ]),
        ),
      }
    : undefined;
  const rolling = desired.spec.rolloutStrategy.rollingUpdateConfiguration;
  const facts = deriveRolloutFacts({
    uid: desired.uid,
    cluster,
    lwsName: desired.name,
    now: observed.now,
    revision: desired.revision,
    templateHash: desired.templateHash,
    revisions: record.revisions ?? [],
    replicas: desired.spec.replicas,
    rollingUpdate: {
      maxSurge: rolling.maxSurge,
      maxUnavailable: rolling.maxUnavailable,
      partition: rolling.partition,
    },
    previousAnchor: readAnchorState(observed.anchor),
    groups: result.groups,
    actions: result.actions,
    open,
    latest: latest
      ? { toRevision: latest.to_revision, toTemplateHash: latest.to_template_hash }
      : undefined,
  });
  return facts.map((fact) => newEvent(fact.type, fact.data, meta));
}
