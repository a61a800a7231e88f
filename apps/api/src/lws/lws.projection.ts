import type { EntityManager } from 'typeorm';
import type { Projection, StoredEvent } from '../../../../libs/events/src';
import {
  LWS_STREAM_PREFIX,
  LwsEventType,
  ReconcileEventType,
  type LeaderWorkerSetCreatedData,
  type LeaderWorkerSetDeletedData,
  type LeaderWorkerSetDeletionRequestedData,
  type LeaderWorkerSetScaledData,
  type LeaderWorkerSetUpdatedData,
  type RevisionCreatedData,
} from './lws.events';
import { ROLLOUT_EVENT_TYPES } from './rollouts/rollout.events';

/**
 * The `leader_worker_sets` and `lws_revisions` read models, from the events that change desired
 * state (the API's). Inline: they change in the transaction that appends the event. Every value
 * comes from the event (its data, metadata and time), never from the clock or other tables, so a
 * rebuild gives the same rows. What the workers append is `lwsReconcileProjection`'s.
 */
export const lwsProjection: Projection = {
  name: 'leader-worker-sets',
  handles: Object.values(LwsEventType),

  apply: applyOne,

  async reset(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM lws_revisions`);
    await manager.query(`DELETE FROM leader_worker_sets`);
  },
};

/**
 * What the workers append to an LWS stream, in `leader_worker_sets`: `status` (the last
 * StatusChanged), `reconciled_generation` (the greatest ReconcileApplied generation), and
 * `stream_version` for each of their events (reconcile and rollout events). One set-based
 * statement for a whole transaction, so a reconcile's append (with the rollout history's, also in
 * this form) is one round trip to Postgres. Registered after `lwsProjection`, whose rows it updates.
 */
export const lwsReconcileProjection: Projection = {
  name: 'lws-reconciles',
  // What the workers append to an LWS stream (lwsProjection's events move stream_version themselves).
  handles: [...Object.values(ReconcileEventType), ...ROLLOUT_EVENT_TYPES],
  sql: (batch) => `
    WITH b AS (
      SELECT substr(e.stream_id, ${LWS_STREAM_PREFIX.length + 1})::uuid AS uid, e.stream_position,
             e.type, e.data, e.created_at
        FROM ${batch} AS e WHERE starts_with(e.stream_id, '${LWS_STREAM_PREFIX}')
    ),
    v AS (SELECT uid, max(stream_position) AS version FROM b GROUP BY uid),
    s AS (SELECT DISTINCT ON (uid) uid, data -> 'status' AS status, created_at FROM b
           WHERE type = '${ReconcileEventType.StatusChanged}' ORDER BY uid, stream_position DESC),
    a AS (SELECT uid, max((data ->> 'generation')::int) AS generation FROM b
           WHERE type = '${ReconcileEventType.Applied}' GROUP BY uid)
    UPDATE leader_worker_sets l
       SET stream_version = GREATEST(l.stream_version, v.version),
           status = CASE WHEN s.uid IS NULL THEN l.status ELSE s.status END,
           status_updated_at = CASE WHEN s.uid IS NULL THEN l.status_updated_at ELSE s.created_at END,
           reconciled_generation = CASE WHEN a.uid IS NULL THEN l.reconciled_generation
                                        ELSE GREATEST(coalesce(l.reconciled_generation, 0), a.generation) END
      FROM v LEFT JOIN s USING (uid) LEFT JOIN a USING (uid)
     WHERE l.uid = v.uid
       AND (l.stream_version < v.version OR s.uid IS NOT NULL OR a.uid IS NOT NULL)`,

  // The rows are lwsProjection's (its reset removes them).
  async reset(): Promise<void> {},
};

async function applyOne(event: StoredEvent, manager: EntityManager): Promise<void> {
  const at = event.createdAt;
  switch (event.type) {
    case LwsEventType.Created: {
      const d = event.data as unknown as LeaderWorkerSetCreatedData;
      await manager.query(
        `INSERT INTO leader_worker_sets
             (uid, namespace, name, cluster, generation, stream_version, labels, annotations, spec,
              current_revision, template_hash, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, '', $10, $10)`,
        [
          d.uid,
          d.namespace,
          d.name,
          d.cluster,
          d.generation,
          event.streamPosition,
          d.labels,
          d.annotations,
          d.spec,
          at,
        ],
      );
      return;
    }
    case LwsEventType.Updated: {
      const d = event.data as unknown as LeaderWorkerSetUpdatedData;
      await manager.query(
        `UPDATE leader_worker_sets
              SET generation = $2, stream_version = $3, labels = $4, annotations = $5, spec = $6, updated_at = $7
            WHERE uid = $1`,
        [d.uid, d.generation, event.streamPosition, d.labels, d.annotations, d.spec, at],
      );
      return;
    }
    case LwsEventType.RevisionCreated: {
      const d = event.data as unknown as RevisionCreatedData;
      // One statement: the revision, and the LWS pointing at it.
      await manager.query(
        `WITH revision AS (
           INSERT INTO lws_revisions (lws_uid, revision, template_hash, template, manifest, restored_from, created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         )
         UPDATE leader_worker_sets
            SET current_revision = $2, template_hash = $3, stream_version = $9, updated_at = $7
          WHERE uid = $1`,
        [
          d.uid,
          d.revision,
          d.templateHash,
          d.template,
          d.manifest,
          d.restoredFrom ?? null,
          at,
          event.metadata.actor,
          event.streamPosition,
        ],
      );
      return;
    }
    case LwsEventType.Scaled: {
      const d = event.data as unknown as LeaderWorkerSetScaledData;
      await manager.query(
        `UPDATE leader_worker_sets
              SET spec = jsonb_set(spec, '{replicas}', to_jsonb($2::int)), generation = $3,
                  stream_version = $4, updated_at = $5
            WHERE uid = $1`,
        [d.uid, d.toReplicas, d.generation, event.streamPosition, at],
      );
      return;
    }
    case LwsEventType.DeletionRequested: {
      const d = event.data as unknown as LeaderWorkerSetDeletionRequestedData;
      await manager.query(
        `UPDATE leader_worker_sets SET deletion_requested_at = $2, stream_version = $3, updated_at = $2 WHERE uid = $1`,
        [d.uid, at, event.streamPosition],
      );
      return;
    }
    case LwsEventType.Deleted: {
      const d = event.data as unknown as LeaderWorkerSetDeletedData;
      await manager.query(
        `UPDATE leader_worker_sets SET deleted_at = $2, stream_version = $3, updated_at = $2 WHERE uid = $1`,
        [d.uid, at, event.streamPosition],
      );
      return;
    }
  }
}
