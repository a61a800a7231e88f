import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models of desired state: registered clusters, LeaderWorkerSets and their revisions. All of
 * them are projections of the event log and can be rebuilt from it (npm run rebuild-read-models).
 */
export class DesiredStateReadModels1764403300000 implements MigrationInterface {
  name = 'DesiredStateReadModels1764403300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE clusters (
        name              text PRIMARY KEY,
        server            text NOT NULL,
        credential_kind   text NOT NULL,
        kubeconfig_sealed text NOT NULL,
        registered_at     timestamptz NOT NULL,
        registered_by     text NOT NULL,
        healthy           boolean,
        nodes             integer,
        last_seen         timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE leader_worker_sets (
        uid                   uuid PRIMARY KEY,
        namespace             text NOT NULL,
        name                  text NOT NULL,
        cluster               text NOT NULL,
        generation            integer NOT NULL,
        stream_version        bigint NOT NULL,
        labels                jsonb NOT NULL DEFAULT '{}'::jsonb,
        annotations           jsonb NOT NULL DEFAULT '{}'::jsonb,
        spec                  jsonb NOT NULL,
        current_revision      integer NOT NULL,
        template_hash         text NOT NULL,
        reconciled_generation integer,
        created_at            timestamptz NOT NULL,
        updated_at            timestamptz NOT NULL,
        deletion_requested_at timestamptz,
        deleted_at            timestamptz
      )`);
    // One live LWS per namespace/name; a deleted one keeps its row (and history) beside a new one.
    await queryRunner.query(`
      CREATE UNIQUE INDEX leader_worker_sets_live_name
        ON leader_worker_sets (namespace, name) WHERE deleted_at IS NULL`);
    await queryRunner.query(`
      CREATE INDEX leader_worker_sets_live_cluster
        ON leader_worker_sets (cluster, namespace, name) WHERE deleted_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE lws_revisions (
        lws_uid       uuid NOT NULL,
        revision      integer NOT NULL,
        template_hash text NOT NULL,
        template      jsonb NOT NULL,
        manifest      text NOT NULL,
        restored_from integer,
        created_at    timestamptz NOT NULL,
        created_by    text NOT NULL,
        PRIMARY KEY (lws_uid, revision)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE lws_revisions`);
    await queryRunner.query(`DROP TABLE leader_worker_sets`);
    await queryRunner.query(`DROP TABLE clusters`);
  }
}
