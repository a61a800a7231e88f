import type { DataSource } from 'typeorm';
import type { GroupView } from '../../../../../libs/planner/src';

export interface PodRow {
  cluster: string;
  namespace: string;
  name: string;
  lws_uid: string;
  group_index: number | null;
  worker_index: number | null;
  subgroup_index: number | null;
  revision: string | null;
  phase: string | null;
  ready: boolean;
  restarts: number;
  node_name: string | null;
  topology: Record<string, string>;
  last_termination_reason: string | null;
  last_exit_code: number | null;
}

export interface GroupsRow {
  lws_uid: string;
  cluster: string;
  groups: GroupView[];
}

/** Reads of the observed-state tables (groups as last planned, pods as last seen): one statement per batch. */
export class GroupsRepository {
  constructor(private readonly db: DataSource) {}

  async groupsOf(uids: readonly string[]): Promise<GroupsRow[]> {
    return this.db.query(
      `SELECT lws_uid, cluster, groups FROM lws_groups WHERE lws_uid = ANY($1::uuid[])`,
      [uids],
    );
  }

  async podsOf(uids: readonly string[]): Promise<PodRow[]> {
    return this.db.query(
      `SELECT * FROM pods WHERE lws_uid = ANY($1::uuid[]) ORDER BY group_index, worker_index, name`,
      [uids],
    );
  }
}
