import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event store: the `events` log, one `streams` row per stream (its version, the row every
 * append of the stream locks), and `checkpoints` for the followers of the global log.
 */
export class EventStore1764403200000 implements MigrationInterface {
  name = 'EventStore1764403200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE streams (
        stream_id      text   PRIMARY KEY,
        version        bigint NOT NULL CHECK (version >= 0),
        -- the last transaction that appended; a stream's appends must come in xid order
        transaction_id xid8   NOT NULL DEFAULT pg_current_xact_id()
      )
    `);
    await queryRunner.query(`
      CREATE TABLE events (
        global_position bigserial   PRIMARY KEY,
        transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
        stream_id       text        NOT NULL,
        stream_position bigint      NOT NULL CHECK (stream_position >= 1),
        event_id        uuid        NOT NULL,
        type            text        NOT NULL,
        schema_version  int         NOT NULL DEFAULT 1,
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_stream_position_key UNIQUE (stream_id, stream_position),
        CONSTRAINT events_stream_event_id_key UNIQUE (stream_id, event_id)
      )
    `);
    await queryRunner.query(
      `CREATE INDEX events_transaction_position_idx ON events (transaction_id, global_position)`,
    );
    // Wake-up for followers; delivered at commit, once per transaction.
    await queryRunner.query(`
      CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('lws_events', '');
        RETURN NULL;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER events_notify AFTER INSERT ON events
        FOR EACH STATEMENT EXECUTE FUNCTION events_notify()
    `);
    await queryRunner.query(`
      CREATE TABLE checkpoints (
        name            text        PRIMARY KEY,
        transaction_id  xid8        NOT NULL DEFAULT '0',
        global_position bigint      NOT NULL DEFAULT 0,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE checkpoints`);
    await queryRunner.query(`DROP TABLE events`);
    await queryRunner.query(`DROP FUNCTION events_notify()`);
    await queryRunner.query(`DROP TABLE streams`);
  }
}
