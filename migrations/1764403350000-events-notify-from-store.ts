import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Followers are woken by the event store after commit (coalesced), not by a trigger inside every
 * appending transaction: a transaction that has called NOTIFY holds a server-wide lock through
 * its commit, so a per-append NOTIFY serialized every append's commit (and its WAL flush) and
 * cost a third of the append throughput (bench/store.bench.ts).
 */
export class EventsNotifyFromStore1764403350000 implements MigrationInterface {
  name = 'EventsNotifyFromStore1764403350000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER events_notify ON events`);
    await queryRunner.query(`DROP FUNCTION events_notify()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
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
  }
}
