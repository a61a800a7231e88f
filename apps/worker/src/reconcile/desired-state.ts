import type { DataSource } from 'typeorm';
import type { LeaderWorkerSetSpec, LeaderWorkerSetStatus } from '../../../../libs/lws/src';
import type { DesiredLws, GroupView, RevisionTemplate } from '../../../../libs/planner/src';

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
}

/** Reads what a reconcile needs from the read models: the LWS, every revision's template, the last groups. */
export async function loadDesired(
  db: DataSource,
  uid: string,
): Promise<DesiredSnapshot | undefined> {
  const rows: Array<
    DesiredRow & {
      revisions: Array<{ hash: string; template: RevisionTemplate }> | null;
      groups: GroupView[] | null;
    }
  > = await db.query(
    `SELECT l.uid, l.namespace, l.name, l.cluster, l.generation, l.current_revision, l.template_hash, l.labels,
              l.annotations, l.spec, l.status, l.deletion_requested_at, l.deleted_at,
              (SELECT json_agg(json_build_object('hash', r.template_hash, 'template', r.template))
                 FROM lws_revisions r WHERE r.lws_uid = l.uid) AS revisions,
              (SELECT g.groups FROM lws_groups g WHERE g.lws_uid = l.uid) AS groups
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
