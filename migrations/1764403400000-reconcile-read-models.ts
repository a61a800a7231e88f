import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the workers learn from clusters: the LWS status (a projection of StatusChanged events), and
 * two latest-wins tables of observed state that are not events (DESIGN.md: high-frequency observed
 * state is a table): the groups as last planned, and every managed pod as last seen.
 */
export class ReconcileReadModels1764403400000 implements MigrationInterface {
  name = 'ReconcileReadModels1764403400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE leader_worker_sets
        ADD COLUMN status jsonb,
        ADD COLUMN status_updated_at timestamptz`);
    await queryRunner.query(`
      CREATE TABLE lws_groups (
        lws_uid    uuid PRIMARY KEY,
        cluster    text NOT NULL,
        groups     jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE pods (
        cluster                 text NOT NULL,
        namespace               text NOT NULL,
        name                    text NOT NULL,
        lws_uid                 uuid NOT NULL,
        uid                     text NOT NULL,
        group_index             integer,
        worker_index            integer,
        subgroup_index          integer,
        revision                text,
        phase                   text,
        ready                   boolean NOT NULL DEFAULT false,
        restarts                integer NOT NULL DEFAULT 0,
        node_name               text,
        topology                jsonb NOT NULL DEFAULT '{}'::jsonb,
        last_termination_reason text,
        last_exit_code          integer,
        updated_at              timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cluster, namespace, name)
      )`);
    await queryRunner.query(
      `CREATE INDEX pods_by_lws ON pods (lws_uid, group_index, worker_index)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pods`);
    await queryRunner.query(`DROP TABLE lws_groups`);
    await queryRunner.query(
      `ALTER TABLE leader_worker_sets DROP COLUMN status, DROP COLUMN status_updated_at`,
    );
  }
}
