import type { DataSource, EntityManager } from 'typeorm';

export interface RolloutStepRow {
  position: number;
  kind: string;
  group_index: number | null;
  at: Date;
  from_template_hash: string | null;
  partition: number | null;
  ready_at: Date | null;
  ready_after_ms: number | null;
}

export interface RolloutRow {
  lws_uid: string;
  to_revision: number;
  cluster: string;
  from_revision: number | null;
  from_template_hash: string;
  to_template_hash: string;
  strategy: {
    replicas: number;
    maxSurge: number;
    maxUnavailable: number;
    partition: number;
  };
  state: string;
  paused_at_partition: number | null;
  superseded_by: number | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  steps: RolloutStepRow[];
}

/** Reads of `lws_rollouts` with their steps: one statement for any number of LWSs. */
export class RolloutsRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  async rolloutsOf(uids: readonly string[]): Promise<RolloutRow[]> {
    const rows: Array<Omit<RolloutRow, 'steps'> & { steps: RolloutStepRow[] | null }> =
      await this.db.query(
        `SELECT r.*,
                (SELECT json_agg(json_build_object(
                          'position', s.position, 'kind', s.kind, 'group_index', s.group_index, 'at', s.at,
                          'from_template_hash', s.from_template_hash, 'partition', s.partition,
                          'ready_at', s.ready_at, 'ready_after_ms', s.ready_after_ms) ORDER BY s.position)
                   FROM lws_rollout_steps s
                  WHERE s.lws_uid = r.lws_uid AND s.to_revision = r.to_revision) AS steps
           FROM lws_rollouts r
          WHERE r.lws_uid = ANY($1::uuid[])
          ORDER BY r.lws_uid, r.started_position`,
        [uids],
      );
    return rows.map((row) => ({
      ...row,
      steps: (row.steps ?? []).map((s) => ({
        ...s,
        at: new Date(s.at),
        ready_at: s.ready_at ? new Date(s.ready_at) : null,
      })),
    }));
  }
}
