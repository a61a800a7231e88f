import type { PoolClient } from 'pg';
import type { EventStore } from './event-store';
import { applyProjections, checkProjection } from './projections';
import * as q from './queries';
import { LOG_START, type Checkpoint, type Projection } from './types';

export interface RebuildProgress {
  /** Events read from the log so far. */
  events: number;
  elapsedMs: number;
}

export interface RebuildOptions {
  /** Events read per query (default 1000). */
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (progress: RebuildProgress) => void;
}

/**
 * Rebuilds read models from the log, in one transaction: `reset()` each projection, then replay
 * every event in global log order, a page at a time (each projection is given the whole page, in
 * its own form, before the next projection). Appends wait for it (it locks `streams`), readers see the old
 * rows until it commits. Returns the number of events replayed.
 */
export async function rebuildReadModels(
  store: EventStore,
  projections: readonly Projection[],
  options: RebuildOptions = {},
): Promise<RebuildProgress> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 1000;
  projections.forEach(checkProjection);
  return store.transaction(async (tx) => {
    const client = (await tx.manager.queryRunner!.connect()) as PoolClient;
    // Waits for appends in flight and holds new ones back, so the log read below is complete.
    await client.query('LOCK TABLE streams IN EXCLUSIVE MODE');
    for (const projection of projections) await projection.reset(tx.manager);
    let after: Checkpoint = LOG_START;
    let count = 0;
    for (;;) {
      const events = await q.readAllUnguarded(client, after, batchSize);
      // Each projection gets the page at once (its `sql` or `applyBatch` form: one call).
      await applyProjections(projections, events, tx.manager);
      count += events.length;
      options.onProgress?.({ events: count, elapsedMs: Date.now() - started });
      if (events.length < batchSize) break;
      const last = events[events.length - 1];
      after = { transactionId: last.transactionId, globalPosition: last.globalPosition };
    }
    return { events: count, elapsedMs: Date.now() - started };
  });
}
