import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollout history (a projection of the Rollout* / GroupReplaced / GroupUpdated / SurgeGroup*
 * events, rebuildable from the log): one row per rollout, identified by the revision it rolls out
 * to, and its steps in the order they happened.
 */
export class Rollouts1764403500000 implements MigrationInterface {
  name = 'Rollouts1764403500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE lws_rollouts (
        lws_uid             uuid NOT NULL,
        to_revision         integer NOT NULL,
        cluster             text NOT NULL,
        from_revision       integer,
        from_template_hash  text NOT NULL,
        to_template_hash    text NOT NULL,
        strategy            jsonb NOT NULL,
        state               text NOT NULL,
        paused_at_partition integer,
        superseded_by       integer,
        started_at          timestamptz NOT NULL,
        finished_at         timestamptz,
        duration_ms         integer,
        started_position    integer NOT NULL,
        PRIMARY KEY (lws_uid, to_revision)
      )`);
    await queryRunner.query(
      `CREATE INDEX lws_rollouts_by_start ON lws_rollouts (lws_uid, started_position)`,
    );
    await queryRunner.query(`
      CREATE TABLE lws_rollout_steps (
        lws_uid            uuid NOT NULL,
        to_revision        integer NOT NULL,
        position           integer NOT NULL,
        kind               text NOT NULL,
        group_index        integer,
        at                 timestamptz NOT NULL,
        from_template_hash text,
        partition          integer,
        ready_at           timestamptz,
        ready_after_ms     integer,
        PRIMARY KEY (lws_uid, position)
      )`);
    await queryRunner.query(
      `CREATE INDEX lws_rollout_steps_by_rollout ON lws_rollout_steps (lws_uid, to_revision, position)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE lws_rollout_steps`);
    await queryRunner.query(`DROP TABLE lws_rollouts`);
  }
}
