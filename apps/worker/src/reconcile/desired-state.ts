import type { DataSource } from 'typeorm';
import { preparedQuery } from '../../../../libs/events/src';
import type { LeaderWorkerSetSpec, LeaderWorkerSetStatus } from '../../../../libs/lws/src';
import type { DesiredLws, GroupView, RevisionTemplate } from '../../../../libs/planner/src';
import { latestRolloutSql, type RolloutRecord } from './rollout-recorder';

export interface DesiredRow {
  uid: string;
  namespace: string;
  name: string;
  cluster: string;
  generation: number;
  current_revision: number;
  template_hash: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: LeaderWorkerSetSpec;
  status: LeaderWorkerSetStatus | null;
  deletion_requested_at: Date | null;
  deleted_at: Date | null;
}

export interface DesiredSnapshot {
  row: DesiredRow;
  desired: DesiredLws;
  /** The groups as the last reconcile saw them (for readiness transitions). */
  groups: GroupView[] | undefined;
  /** The rollout history's revisions and newest rollout (for the rollout events). */
  rollout: RolloutRecord;
}

/**
 * Reads what a reconcile needs from the read models, in one statement: the LWS, every revision's
 * template, the last groups, and the newest rollout.
 */
export async function loadDesired(
  db: DataSource,
  uid: string,
): Promise<DesiredSnapshot | undefined> {
  const rows: Array<
    DesiredRow & {
      revisions: Array<{ revision: number; hash: string; template: RevisionTemplate }> | null;
      groups: GroupView[] | null;
      latest_rollout: RolloutRecord['latest'];
    }
  > = await preparedQuery(
    db,
    'lws_worker_load_desired_v1',
    `SELECT l.uid, l.namespace, l.name, l.cluster, l.generation, l.current_revision, l.template_hash, l.labels,
              l.annotations, l.spec, l.status, l.deletion_requested_at, l.deleted_at,
              (SELECT json_agg(json_build_object('revision', r.revision, 'hash', r.template_hash,
                                                 'template', r.template) ORDER BY r.revision)
                 FROM lws_revisions r WHERE r.lws_uid = l.uid) AS revisions,
              (SELECT g.groups FROM lws_groups g WHERE g.lws_uid = l.uid) AS groups,
              ${latestRolloutSql('l.uid')} AS latest_rollout
         FROM leader_worker_sets l WHERE l.uid = $1`,
    [uid],
  );
  const row = rows[0];
  if (!row) return undefined;
  const revisions: Record<string, RevisionTemplate> = {};
  for (const r of row.revisions ?? []) revisions[r.hash] = r.template;
  return {
    row,
    groups: row.groups ?? undefined,
    rollout: {
      revisions:
        row.revisions?.map((r) => ({ revision: r.revision, templateHash: r.hash })) ?? null,
      latest: row.latest_rollout,
    },
    desired: {
      uid: row.uid,
      namespace: row.namespace,
      name: row.name,
      generation: row.generation,
      revision: row.current_revision,
      templateHash: row.template_hash,
      labels: row.labels,
      annotations: row.annotations,
      spec: row.spec,
      revisions,
      status: row.status ?? undefined,
    },
  };
}
