import type { EntityManager } from 'typeorm';
import type { Projection, StoredEvent } from '../../../../libs/events/src';
import {
  LWS_STREAM_PREFIX,
  LwsEventType,
  ReconcileEventType,
  type ReconcileAppliedData,
  type StatusChangedData,
  type LeaderWorkerSetCreatedData,
  type LeaderWorkerSetDeletedData,
  type LeaderWorkerSetDeletionRequestedData,
  type LeaderWorkerSetScaledData,
  type LeaderWorkerSetUpdatedData,
  type RevisionCreatedData,
} from './lws.events';

/**
 * The `leader_worker_sets` and `lws_revisions` read models. Inline: they change in the transaction
 * that appends the event. Every value comes from the event (its data, metadata and time), never from
 * the clock or other tables, so a rebuild gives the same rows.
 */
export const lwsProjection: Projection = {
  name: 'leader-worker-sets',
  // Every event of an LWS stream: the ones below change columns, all of them move stream_version.

  /**
   * A transaction's events at once, with the result of applying them one by one: statuses and
   * reconciled generations collapse to the last (and the greatest) per LWS, and the events that only
   * move stream_version (most of a reconcile's: readiness, rollout steps) cost one statement for all.
   */
  async applyBatch(events: StoredEvent[], manager: EntityManager): Promise<void> {
    // Per LWS, the one StatusChanged and the one ReconcileApplied that decide the columns.
    const deciding = new Map<string, StoredEvent>();
    for (const event of events) {
      if (event.type === ReconcileEventType.StatusChanged) {
        deciding.set(`status/${(event.data as unknown as StatusChangedData).uid}`, event);
      } else if (event.type === ReconcileEventType.Applied) {
        const d = event.data as unknown as ReconcileAppliedData;
        const best = deciding.get(`applied/${d.uid}`)?.data as unknown as ReconcileAppliedData;
        if (!best || d.generation >= best.generation) deciding.set(`applied/${d.uid}`, event);
      }
    }
    const superseded = (event: StoredEvent) => {
      const uid = (event.data as { uid?: string }).uid;
      if (event.type === ReconcileEventType.StatusChanged)
        return deciding.get(`status/${uid}`) !== event;
      if (event.type === ReconcileEventType.Applied)
        return deciding.get(`applied/${uid}`) !== event;
      return false;
    };
    const versions = new Map<string, number>();
    for (const event of events) {
      if (event.streamId.startsWith(LWS_STREAM_PREFIX))
        versions.set(event.streamId.slice(LWS_STREAM_PREFIX.length), event.streamPosition);
      if (COLUMN_EVENTS.has(event.type) && !superseded(event)) await applyOne(event, manager);
    }
    if (versions.size) {
      const sorted = [...versions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      await manager.query(
        `UPDATE leader_worker_sets l SET stream_version = v.version
           FROM unnest($1::uuid[], $2::bigint[]) AS v(uid, version)
          WHERE l.uid = v.uid AND l.stream_version < v.version`,
        // In uid order, as every batch takes its row locks: two batches never wait on each other in a circle.
        [sorted.map(([uid]) => uid), sorted.map(([, version]) => version)],
      );
    }
  },

  async reset(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM lws_revisions`);
    await manager.query(`DELETE FROM leader_worker_sets`);
  },
};

/** The event types that change columns besides stream_version. */
const COLUMN_EVENTS: ReadonlySet<string> = new Set([
  LwsEventType.Created,
  LwsEventType.Updated,
  LwsEventType.RevisionCreated,
  LwsEventType.Scaled,
  LwsEventType.DeletionRequested,
  LwsEventType.Deleted,
  ReconcileEventType.Applied,
  ReconcileEventType.StatusChanged,
]);

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
      await manager.query(
        `INSERT INTO lws_revisions (lws_uid, revision, template_hash, template, manifest, restored_from, created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          d.uid,
          d.revision,
          d.templateHash,
          d.template,
          d.manifest,
          d.restoredFrom ?? null,
          at,
          event.metadata.actor,
        ],
      );
      await manager.query(
        `UPDATE leader_worker_sets
              SET current_revision = $2, template_hash = $3, stream_version = $4, updated_at = $5
            WHERE uid = $1`,
        [d.uid, d.revision, d.templateHash, event.streamPosition, at],
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
    case ReconcileEventType.Applied: {
      const d = event.data as unknown as ReconcileAppliedData;
      await manager.query(
        `UPDATE leader_worker_sets
              SET reconciled_generation = GREATEST(coalesce(reconciled_generation, 0), $2), stream_version = $3
            WHERE uid = $1`,
        [d.uid, d.generation, event.streamPosition],
      );
      return;
    }
    case ReconcileEventType.StatusChanged: {
      const d = event.data as unknown as StatusChangedData;
      await manager.query(
        `UPDATE leader_worker_sets SET status = $2, status_updated_at = $3, stream_version = $4 WHERE uid = $1`,
        [d.uid, d.status, at, event.streamPosition],
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
