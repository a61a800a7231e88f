import type { EntityManager } from 'typeorm';
import type { Projection } from '../../../../../libs/events/src';
import { ROLLOUT_EVENT_TYPES, RolloutEventType as T, RolloutState } from './rollout.events';

/** `'text'` as an SQL string literal (the values below are this module's constants). */
const lit = (text: string): string => `'${text.replace(/'/g, "''")}'`;
const list = (...types: string[]): string => types.map(lit).join(', ');

/** Events that change a rollout's row, and events that add a step. */
const ROLLOUT_TYPES = list(T.Started, T.Paused, T.Resumed, T.Completed, T.Superseded);
const STEP_TYPES = list(
  T.GroupReplaced,
  T.SurgeGroupAdded,
  T.SurgeGroupRemoved,
  T.Paused,
  T.Resumed,
);
/** The steps a GroupUpdated can mark ready: a group's replacement or surge creation. */
const READY_KINDS = list(T.GroupReplaced, T.SurgeGroupAdded);

/**
 * The columns of a rollout's state: the events that set each (the others leave it) and the value
 * they set (over the event `r`). RolloutStarted resets them all.
 */
const STATE_COLUMNS: { column: string; value: string; setBy: string[] }[] = [
  {
    column: 'state',
    value: `CASE r.type WHEN ${lit(T.Paused)} THEN ${lit(RolloutState.Paused)}
                        WHEN ${lit(T.Completed)} THEN ${lit(RolloutState.Complete)}
                        WHEN ${lit(T.Superseded)} THEN ${lit(RolloutState.Superseded)}
                        ELSE ${lit(RolloutState.Progressing)} END`,
    setBy: [T.Started, T.Paused, T.Resumed, T.Completed, T.Superseded],
  },
  {
    column: 'paused_at_partition',
    value: `CASE WHEN r.type = ${lit(T.Paused)} THEN (r.data ->> 'partition')::int END`,
    setBy: [T.Started, T.Paused, T.Resumed, T.Completed],
  },
  {
    column: 'superseded_by',
    value: `CASE WHEN r.type = ${lit(T.Superseded)} THEN (r.data ->> 'byRevision')::int END`,
    setBy: [T.Started, T.Superseded],
  },
  {
    column: 'finished_at',
    value: `CASE WHEN r.type <> ${lit(T.Started)} THEN r.at END`,
    setBy: [T.Started, T.Completed, T.Superseded],
  },
  {
    column: 'duration_ms',
    value: `CASE WHEN r.type = ${lit(T.Completed)} THEN (r.data ->> 'durationMs')::int END`,
    setBy: [T.Started, T.Completed],
  },
];

/** Of a rollout's events in `r` that are of `types`, the `value` of the last one (log order). */
const last = (value: string, ...types: string[]): string =>
  `(array_agg(${value} ORDER BY r.ord DESC) FILTER (WHERE r.type IN (${list(...types)})))[1]`;
/** Whether any of a rollout's events in `r` is of `types` (then `last` is that column's value). */
const some = (...types: string[]): string => `bool_or(r.type IN (${list(...types)}))`;

/**
 * `lws_rollouts` and `lws_rollout_steps`, inline with the append. Every value comes from the
 * events (data, stream position, time), so dropping the rows and replaying the log gives the same.
 *
 * One set-based statement for a whole batch (a transaction, or a rebuild page: several events of
 * a rollout, several LWSs), so a worker's append with rollout events is one round trip. It gives
 * the rows that applying the events one at a time in log order would give:
 * - RolloutStarted upserts the rollout (uid, toRevision), resetting its state; RolloutPaused,
 *   RolloutResumed, RolloutCompleted and RolloutSuperseded update it (if it exists). Each column
 *   ends with the value of the last event in the batch that sets it: a Started sets them all, so
 *   events before it are overridden; events of a rollout without a Started in the batch update the
 *   existing row (none: nothing). `to_template_hash` is set only by the insert (the first Started).
 * - GroupReplaced, SurgeGroupAdded, SurgeGroupRemoved, RolloutPaused and RolloutResumed add a step
 *   at their stream position (ON CONFLICT DO NOTHING).
 * - GroupUpdated marks ready the group's latest GroupReplaced/SurgeGroupAdded step of the rollout
 *   as of that event: the existing steps and those added by earlier events of the batch. The last
 *   GroupUpdated of a step wins; a step added in this batch is inserted ready, an existing one
 *   updated.
 * Times are `created_at` to the millisecond, as the event's `createdAt` (a JS Date) gave them.
 */
export const rolloutsProjection: Projection = {
  name: 'lws-rollouts',
  handles: ROLLOUT_EVENT_TYPES,

  sql: (batch) => `
    WITH b AS (
      SELECT (e.data ->> 'uid')::uuid AS uid, (e.data ->> 'toRevision')::int AS rev,
             e.stream_position::int AS position, e.type, e.data,
             date_trunc('milliseconds', e.created_at) AS at,
             row_number() OVER (ORDER BY e.transaction_id, e.global_position) AS ord
        FROM ${batch} AS e
    ),
    -- The steps this batch adds (one per uid and position: the first, as DO NOTHING would keep).
    steps AS (
      SELECT DISTINCT ON (b.uid, b.position)
             b.uid, b.rev, b.position, b.type AS kind, b.at, b.ord,
             CASE WHEN b.type IN (${list(T.GroupReplaced, T.SurgeGroupAdded, T.SurgeGroupRemoved)})
                  THEN (b.data ->> 'group')::int END AS group_index,
             CASE WHEN b.type = ${lit(T.GroupReplaced)} THEN b.data ->> 'fromTemplateHash' END AS from_template_hash,
             CASE WHEN b.type IN (${list(T.Paused, T.Resumed)}) THEN (b.data ->> 'partition')::int END AS partition
        FROM b
       WHERE b.type IN (${STEP_TYPES})
         AND NOT EXISTS (SELECT 1 FROM lws_rollout_steps s WHERE s.lws_uid = b.uid AND s.position = b.position)
       ORDER BY b.uid, b.position, b.ord
    ),
    -- Each GroupUpdated's step: the greatest position among the existing steps and those added by
    -- earlier events of the batch; of several GroupUpdated of one step, the last.
    ready AS (
      SELECT DISTINCT ON (g.uid, t.position)
             g.uid, t.position, t.added, g.at, (g.data ->> 'readyAfterMs')::int AS ready_after_ms
        FROM b AS g
        CROSS JOIN LATERAL (
          SELECT c.position, c.added FROM (
            SELECT s.position, false AS added FROM lws_rollout_steps s
             WHERE s.lws_uid = g.uid AND s.to_revision = g.rev
               AND s.group_index = (g.data ->> 'group')::int AND s.kind IN (${READY_KINDS})
            UNION ALL
            SELECT n.position, true FROM steps n
             WHERE n.uid = g.uid AND n.rev = g.rev AND n.ord < g.ord
               AND n.group_index = (g.data ->> 'group')::int AND n.kind IN (${READY_KINDS})
          ) c ORDER BY c.position DESC LIMIT 1
        ) t
       WHERE g.type = ${lit(T.GroupUpdated)}
       ORDER BY g.uid, t.position, g.ord DESC
    ),
    added AS (
      INSERT INTO lws_rollout_steps (lws_uid, to_revision, position, kind, group_index, at,
                                     from_template_hash, partition, ready_at, ready_after_ms)
      SELECT n.uid, n.rev, n.position, n.kind, n.group_index, n.at, n.from_template_hash, n.partition,
             y.at, y.ready_after_ms
        FROM steps n LEFT JOIN ready y ON y.added AND y.uid = n.uid AND y.position = n.position
      ON CONFLICT (lws_uid, position) DO NOTHING
    ),
    marked AS (
      UPDATE lws_rollout_steps s SET ready_at = y.at, ready_after_ms = y.ready_after_ms
        FROM ready y WHERE NOT y.added AND s.lws_uid = y.uid AND s.position = y.position
    ),
    -- Per rollout, each column's last value (and whether an event of the batch sets it).
    f AS (
      SELECT r.uid, r.rev, ${some(T.Started)} AS started,
             ${last('r.data', T.Started)} AS s, ${last('r.at', T.Started)} AS started_at,
             ${last('r.position', T.Started)} AS started_position,
             (array_agg(r.data ->> 'toTemplateHash' ORDER BY r.ord)
                FILTER (WHERE r.type = ${lit(T.Started)}))[1] AS to_template_hash,
             ${STATE_COLUMNS.map(
               ({ column, value, setBy }) =>
                 `${some(...setBy)} AS sets_${column}, ${last(value, ...setBy)} AS ${column}`,
             ).join(',\n')}
        FROM b AS r WHERE r.type IN (${ROLLOUT_TYPES})
       GROUP BY r.uid, r.rev
    ),
    upserted AS (
      INSERT INTO lws_rollouts (lws_uid, to_revision, cluster, from_revision, from_template_hash,
                                to_template_hash, strategy, state, paused_at_partition, superseded_by,
                                started_at, finished_at, duration_ms, started_position)
      SELECT f.uid, f.rev, f.s ->> 'cluster', (f.s ->> 'fromRevision')::int, f.s ->> 'fromTemplateHash',
             f.to_template_hash, f.s -> 'strategy', f.state, f.paused_at_partition, f.superseded_by,
             f.started_at, f.finished_at, f.duration_ms, f.started_position
        FROM f WHERE f.started
      ON CONFLICT (lws_uid, to_revision) DO UPDATE SET
        cluster = EXCLUDED.cluster, from_revision = EXCLUDED.from_revision,
        from_template_hash = EXCLUDED.from_template_hash, strategy = EXCLUDED.strategy,
        state = EXCLUDED.state, paused_at_partition = EXCLUDED.paused_at_partition,
        superseded_by = EXCLUDED.superseded_by, started_at = EXCLUDED.started_at,
        finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms,
        started_position = EXCLUDED.started_position
    )
    UPDATE lws_rollouts o SET ${STATE_COLUMNS.map(
      ({ column }) =>
        `${column} = CASE WHEN f.sets_${column} THEN f.${column} ELSE o.${column} END`,
    ).join(', ')}
      FROM f WHERE NOT f.started AND o.lws_uid = f.uid AND o.to_revision = f.rev`,

  async reset(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM lws_rollout_steps`);
    await manager.query(`DELETE FROM lws_rollouts`);
  },
};
