import type { DataSource, EntityManager } from 'typeorm';
import type { StoredEvent } from '../../../../libs/events/src';
import { decodeCursor, encodeCursor } from '../common/pagination';

/** A row of the `leader_worker_sets` read model. */
export interface LwsRow {
  uid: string;
  namespace: string;
  name: string;
  cluster: string;
  generation: number;
  stream_version: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
  current_revision: number;
  template_hash: string;
  reconciled_generation: number | null;
  status: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  deletion_requested_at: Date | null;
  deleted_at: Date | null;
}

export interface RevisionRow {
  lws_uid: string;
  revision: number;
  template_hash: string;
  template: Record<string, unknown>;
  manifest: string;
  restored_from: number | null;
  created_at: Date;
  created_by: string;
}

export interface LwsListFilter {
  namespace?: string | null;
  cluster?: string | null;
  first: number;
  after?: string | null;
}

export interface EventPageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface EventPage {
  events: StoredEvent[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

interface EventRow {
  event_id: string;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: StoredEvent['metadata'];
  stream_id: string;
  stream_position: string;
  global_position: string;
  transaction_id: string;
  created_at: Date;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    streamPosition: Number(row.stream_position),
    globalPosition: String(row.global_position),
    transactionId: String(row.transaction_id),
    createdAt: row.created_at,
  };
}

/** Reads of the LWS read models; every method is one SQL statement, whatever the counts. */
export class LwsRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  /** The live LWS of this name; `lock` (inside a transaction) holds its row until commit. */
  async findLive(
    namespace: string,
    name: string,
    manager: EntityManager | DataSource = this.db,
    options: { lock?: boolean } = {},
  ): Promise<LwsRow | undefined> {
    const rows: LwsRow[] = await manager.query(
      `SELECT * FROM leader_worker_sets WHERE namespace = $1 AND name = $2 AND deleted_at IS NULL${options.lock ? ' FOR UPDATE' : ''}`,
      [namespace, name],
    );
    return rows[0];
  }

  /** Every LeaderWorkerSet that has had this name, live or deleted, oldest first. */
  async findIncarnations(namespace: string, name: string): Promise<LwsRow[]> {
    return this.db.query(
      `SELECT * FROM leader_worker_sets WHERE namespace = $1 AND name = $2 ORDER BY created_at, uid`,
      [namespace, name],
    );
  }

  /** Live LWSs in (namespace, name) order, keyset-paginated; returns one row more than asked when there is a next page. */
  async list(filter: LwsListFilter): Promise<{ rows: LwsRow[]; hasNextPage: boolean }> {
    const where = ['deleted_at IS NULL'];
    const params: unknown[] = [];
    if (filter.namespace) {
      params.push(filter.namespace);
      where.push(`namespace = $${params.length}`);
    }
    if (filter.cluster) {
      params.push(filter.cluster);
      where.push(`cluster = $${params.length}`);
    }
    if (filter.after) {
      const [namespace, name] = decodeCursor(filter.after, 'after', 2);
      params.push(namespace, name);
      where.push(`(namespace, name) > ($${params.length - 1}, $${params.length})`);
    }
    params.push(filter.first + 1);
    const rows: LwsRow[] = await this.db.query(
      `SELECT * FROM leader_worker_sets WHERE ${where.join(' AND ')} ORDER BY namespace, name LIMIT $${params.length}`,
      params,
    );
    return { rows: rows.slice(0, filter.first), hasNextPage: rows.length > filter.first };
  }

  static cursorOf(row: Pick<LwsRow, 'namespace' | 'name'>): string {
    return encodeCursor([row.namespace, row.name]);
  }

  async countLiveOnCluster(
    cluster: string,
    manager: EntityManager | DataSource = this.db,
  ): Promise<number> {
    const rows: Array<{ count: string }> = await manager.query(
      `SELECT count(*) FROM leader_worker_sets WHERE cluster = $1 AND deleted_at IS NULL`,
      [cluster],
    );
    return Number(rows[0].count);
  }

  async revisionsOf(uids: readonly string[]): Promise<RevisionRow[]> {
    return this.db.query(
      `SELECT * FROM lws_revisions WHERE lws_uid = ANY($1::uuid[]) ORDER BY lws_uid, revision`,
      [uids],
    );
  }

  /**
   * One page of events for each of several streams, in one statement. Pages count by stream position
   * (newest last): `first`/`after` read forward from the start, `last`/`before` backward from the end.
   */
  async eventPages(
    streamIds: readonly string[],
    args: EventPageArgs,
  ): Promise<Map<string, EventPage>> {
    const after = args.after ? Number(decodeCursor(args.after, 'after', 1)[0]) : 0;
    const before = args.before
      ? Number(decodeCursor(args.before, 'before', 1)[0])
      : Number.MAX_SAFE_INTEGER;
    const backward =
      args.last !== undefined &&
      args.last !== null &&
      (args.first === undefined || args.first === null);
    const limit = (backward ? args.last : args.first) ?? 20;
    const rows: Array<EventRow & { rank: string; in_window: string }> = await this.db.query(
      `SELECT * FROM (
         SELECT e.*,
                count(*) OVER (PARTITION BY e.stream_id) AS in_window,
                row_number() OVER (PARTITION BY e.stream_id ORDER BY e.stream_position ${backward ? 'DESC' : 'ASC'}) AS rank
           FROM events e
          WHERE e.stream_id = ANY($1::text[]) AND e.stream_position > $2 AND e.stream_position < $3
       ) ranked
       WHERE rank <= $4
       ORDER BY stream_id, stream_position`,
      [streamIds, after, before, limit],
    );
    const pages = new Map<string, EventPage>();
    for (const id of streamIds)
      pages.set(id, { events: [], hasNextPage: false, hasPreviousPage: false });
    for (const row of rows) {
      const page = pages.get(row.stream_id)!;
      page.events.push(toStoredEvent(row));
      const more = Number(row.in_window) > limit;
      if (backward) {
        page.hasPreviousPage = more;
        page.hasNextPage = before !== Number.MAX_SAFE_INTEGER;
      } else {
        page.hasNextPage = more;
        page.hasPreviousPage = after > 0;
      }
    }
    return pages;
  }
}
