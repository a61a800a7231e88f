import type { EntityManager } from 'typeorm';
import type { Projection, StoredEvent } from '../../../../../libs/events/src';
import {
  ROLLOUT_EVENT_TYPES,
  RolloutEventType,
  RolloutState,
  type GroupReplacedData,
  type GroupUpdatedData,
  type RolloutCompletedData,
  type RolloutPausedData,
  type RolloutResumedData,
  type RolloutStartedData,
  type RolloutSupersededData,
  type SurgeGroupData,
} from './rollout.events';

/**
 * `lws_rollouts` and `lws_rollout_steps`, inline with the append. Every value comes from the
 * events (data, stream position, time), so dropping the rows and replaying the log gives the same.
 */
export const rolloutsProjection: Projection = {
  name: 'lws-rollouts',
  handles: ROLLOUT_EVENT_TYPES,

  async apply(event: StoredEvent, manager: EntityManager): Promise<void> {
    const at = event.createdAt;
    const position = event.streamPosition;
    const step = (
      d: { uid: string; toRevision: number },
      kind: string,
      extra: { group?: number; fromTemplateHash?: string; partition?: number } = {},
    ) =>
      manager.query(
        `INSERT INTO lws_rollout_steps (lws_uid, to_revision, position, kind, group_index, at, from_template_hash, partition)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (lws_uid, position) DO NOTHING`,
        [
          d.uid,
          d.toRevision,
          position,
          kind,
          extra.group ?? null,
          at,
          extra.fromTemplateHash ?? null,
          extra.partition ?? null,
        ],
      );
    switch (event.type) {
      case RolloutEventType.Started: {
        const d = event.data as unknown as RolloutStartedData;
        await manager.query(
          `INSERT INTO lws_rollouts (lws_uid, to_revision, cluster, from_revision, from_template_hash, to_template_hash,
                                     strategy, state, started_at, started_position)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (lws_uid, to_revision) DO UPDATE SET
             cluster = EXCLUDED.cluster, from_revision = EXCLUDED.from_revision,
             from_template_hash = EXCLUDED.from_template_hash, strategy = EXCLUDED.strategy,
             state = EXCLUDED.state, started_at = EXCLUDED.started_at, finished_at = NULL,
             duration_ms = NULL, paused_at_partition = NULL, superseded_by = NULL,
             started_position = EXCLUDED.started_position`,
          [
            d.uid,
            d.toRevision,
            d.cluster,
            d.fromRevision,
            d.fromTemplateHash,
            d.toTemplateHash,
            d.strategy,
            RolloutState.Progressing,
            at,
            position,
          ],
        );
        return;
      }
      case RolloutEventType.GroupReplaced: {
        const d = event.data as unknown as GroupReplacedData;
        await step(d, event.type, { group: d.group, fromTemplateHash: d.fromTemplateHash });
        return;
      }
      case RolloutEventType.SurgeGroupAdded:
      case RolloutEventType.SurgeGroupRemoved: {
        const d = event.data as unknown as SurgeGroupData;
        await step(d, event.type, { group: d.group });
        return;
      }
      case RolloutEventType.GroupUpdated: {
        const d = event.data as unknown as GroupUpdatedData;
        // The group's latest replacement (or surge creation) in this rollout becomes ready.
        await manager.query(
          `UPDATE lws_rollout_steps SET ready_at = $4, ready_after_ms = $5
            WHERE (lws_uid, position) = (
              SELECT lws_uid, position FROM lws_rollout_steps
               WHERE lws_uid = $1 AND to_revision = $2 AND group_index = $3
                 AND kind IN ('${RolloutEventType.GroupReplaced}', '${RolloutEventType.SurgeGroupAdded}')
               ORDER BY position DESC LIMIT 1)`,
          [d.uid, d.toRevision, d.group, at, d.readyAfterMs],
        );
        return;
      }
      case RolloutEventType.Paused: {
        const d = event.data as unknown as RolloutPausedData;
        await manager.query(
          `UPDATE lws_rollouts SET state = $3, paused_at_partition = $4 WHERE lws_uid = $1 AND to_revision = $2`,
          [d.uid, d.toRevision, RolloutState.Paused, d.partition],
        );
        await step(d, event.type, { partition: d.partition });
        return;
      }
      case RolloutEventType.Resumed: {
        const d = event.data as unknown as RolloutResumedData;
        await manager.query(
          `UPDATE lws_rollouts SET state = $3, paused_at_partition = NULL WHERE lws_uid = $1 AND to_revision = $2`,
          [d.uid, d.toRevision, RolloutState.Progressing],
        );
        await step(d, event.type, { partition: d.partition });
        return;
      }
      case RolloutEventType.Completed: {
        const d = event.data as unknown as RolloutCompletedData;
        await manager.query(
          `UPDATE lws_rollouts SET state = $3, finished_at = $4, duration_ms = $5, paused_at_partition = NULL
            WHERE lws_uid = $1 AND to_revision = $2`,
          [d.uid, d.toRevision, RolloutState.Complete, at, d.durationMs],
        );
        return;
      }
      case RolloutEventType.Superseded: {
        const d = event.data as unknown as RolloutSupersededData;
        await manager.query(
          `UPDATE lws_rollouts SET state = $3, finished_at = $4, superseded_by = $5
            WHERE lws_uid = $1 AND to_revision = $2`,
          [d.uid, d.toRevision, RolloutState.Superseded, at, d.byRevision],
        );
        return;
      }
    }
  },

  async reset(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM lws_rollout_steps`);
    await manager.query(`DELETE FROM lws_rollouts`);
  },
};
