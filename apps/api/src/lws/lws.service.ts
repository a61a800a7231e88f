import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ConcurrencyError, type EventStore, type NewEvent } from '../../../../libs/events/src';
import {
  admitLeaderWorkerSet,
  changedFields,
  type FieldError,
  type LeaderWorkerSet,
} from '../../../../libs/lws/src';
import { AppError, badUserInput, conflict, ErrorCode, notFound } from '../common/errors';
import { newEvent } from '../common/new-event';
import type { RequestContext } from '../common/request-context';
import {
  LwsEventType,
  lwsStreamId,
  type LeaderWorkerSetCreatedData,
  type LeaderWorkerSetDeletedData,
  type LeaderWorkerSetScaledData,
  type LeaderWorkerSetUpdatedData,
  type LwsObjectState,
  type RevisionCreatedData,
} from './lws.events';
import { LwsRepository, type LwsRow, type RevisionRow } from './lws.repository';
import { toLeaderWorkerSetObject, toManifestYaml } from './manifest';

export interface ApplyCommand {
  manifest: string;
  cluster?: string | null;
  expectedGeneration?: number | null;
}

export interface ApplyResult {
  row: LwsRow;
  notices: string[];
  /** False when the apply changed nothing (and appended nothing). */
  changed: boolean;
}

/** How often a command re-reads and retries after losing a race it did not ask to detect. */
const MAX_ATTEMPTS = 5;
const UNIQUE_VIOLATION = '23505';

function pgCode(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
}

function isUniqueViolation(error: unknown): boolean {
  return pgCode(error) === UNIQUE_VIOLATION;
}

/**
 * A deadlock (40P01) or serialization failure (40001): Postgres rolled the transaction back and it
 * can simply run again. An apply locks the LWS row and then appends (the stream's row); a worker's
 * append takes the stream's row and then its projection updates the LWS row, so the two can meet
 * in opposite order.
 */
function isTransientConflict(error: unknown): boolean {
  const code = pgCode(error);
  return code === '40P01' || code === '40001';
}

function fieldErrorsToInput(message: string, errors: FieldError[]): AppError {
  return badUserInput(
    `${message}: ${errors.map((e) => e.message).join('; ')}`,
    errors.map((e) => ({ field: e.field, message: e.message })),
  );
}

function objectFromRow(row: LwsRow): LeaderWorkerSet {
  return toLeaderWorkerSetObject(row) as unknown as LeaderWorkerSet;
}

function stateOf(
  uid: string,
  cluster: string,
  generation: number,
  lws: LeaderWorkerSet,
): LwsObjectState {
  return {
    uid,
    namespace: lws.metadata.namespace ?? 'default',
    name: lws.metadata.name as string,
    cluster,
    generation,
    labels: (lws.metadata.labels ?? {}) as Record<string, string>,
    annotations: (lws.metadata.annotations ?? {}) as Record<string, string>,
    spec: lws.spec as unknown as Record<string, unknown>,
  };
}

/**
 * Commands on LeaderWorkerSets: decide the events from the current read model and append them with
 * the expected stream version, so a concurrent writer is refused (CONFLICT) instead of lost.
 */
export class LwsService {
  constructor(
    private readonly store: EventStore,
    private readonly repository: LwsRepository,
  ) {}

  async apply(command: ApplyCommand, ctx: RequestContext): Promise<ApplyResult> {
    // Refuse a bad manifest before touching the database at all.
    const standalone = admitLeaderWorkerSet(command.manifest);
    if (!standalone.ok) throw fieldErrorsToInput('the manifest is invalid', standalone.errors);
    if (
      command.expectedGeneration !== undefined &&
      command.expectedGeneration !== null &&
      command.expectedGeneration < 0
    ) {
      throw badUserInput('expectedGeneration must be 0 (create) or a generation', [
        { field: 'expectedGeneration', message: 'must not be negative' },
      ]);
    }
    return this.withRetries(command.expectedGeneration, () =>
      this.store.transaction(async (tx) => {
        const namespace = standalone.lws.metadata.namespace ?? 'default';
        const name = standalone.lws.metadata.name as string;
        // FOR UPDATE: writers of one LWS queue here instead of racing to append.
        const current = await this.repository.findLive(namespace, name, tx.manager, { lock: true });
        this.checkExpectedGeneration(command.expectedGeneration, current, namespace, name);
        if (current?.deletion_requested_at) {
          throw conflict(
            `LeaderWorkerSet ${namespace}/${name} is being deleted; apply again once it is gone`,
          );
        }
        const cluster = await this.placement(tx.manager, command.cluster, current);
        const admitted = current
          ? admitLeaderWorkerSet(command.manifest, objectFromRow(current))
          : standalone;
        if (!admitted.ok) throw fieldErrorsToInput('the update is invalid', admitted.errors);
        const meta = { actor: ctx.actor, correlationId: ctx.correlationId, source: 'api', cluster };

        if (!current) {
          const uid = randomUUID();
          const state = stateOf(uid, cluster, 1, admitted.lws);
          const events: NewEvent[] = [
            newEvent(
              LwsEventType.Created,
              { ...state, notices: admitted.notices } satisfies LeaderWorkerSetCreatedData,
              meta,
            ),
            newEvent(
              LwsEventType.RevisionCreated,
              this.revision(uid, 1, admitted.templateHash, state),
              meta,
            ),
          ];
          await tx.append(lwsStreamId(uid), events, { expectedVersion: 'no_stream' });
          return {
            row: (await this.repository.findLive(namespace, name, tx.manager))!,
            notices: admitted.notices,
            changed: true,
          };
        }

        const changes = changedFields(objectFromRow(current), admitted.lws);
        if (changes.length === 0)
          return { row: current, notices: admitted.notices, changed: false };
        // As upstream: only a spec change moves the generation.
        const generation = changes.some((c: string) => c.startsWith('spec'))
          ? current.generation + 1
          : current.generation;
        const state = stateOf(current.uid, cluster, generation, admitted.lws);
        const events: NewEvent[] = [
          newEvent(
            LwsEventType.Updated,
            {
              ...state,
              changes,
              previousGeneration: current.generation,
              notices: admitted.notices,
            } satisfies LeaderWorkerSetUpdatedData,
            meta,
          ),
        ];
        if (admitted.templateHash !== current.template_hash) {
          events.push(
            newEvent(
              LwsEventType.RevisionCreated,
              this.revision(
                current.uid,
                current.current_revision + 1,
                admitted.templateHash,
                state,
              ),
              meta,
            ),
          );
        }
        await tx.append(lwsStreamId(current.uid), events, {
          expectedVersion: await tx.streamVersion(lwsStreamId(current.uid)),
        });
        return {
          row: (await this.repository.findLive(namespace, name, tx.manager))!,
          notices: admitted.notices,
          changed: true,
        };
      }),
    );
  }

  async scale(
    namespace: string,
    name: string,
    replicas: number,
    ctx: RequestContext,
  ): Promise<LwsRow> {
    return this.withRetries(undefined, () =>
      this.store.transaction(async (tx) => {
        const current = await this.repository.findLive(namespace, name, tx.manager);
        if (!current) throw notFound(`LeaderWorkerSet ${namespace}/${name} not found`);
        if (current.deletion_requested_at)
          throw conflict(`LeaderWorkerSet ${namespace}/${name} is being deleted`);
        const from = Number(current.spec.replicas);
        if (from === replicas) return current;
        const next = objectFromRow(current);
        next.spec.replicas = replicas;
        const admitted = admitLeaderWorkerSet(JSON.stringify(next), objectFromRow(current));
        if (!admitted.ok) throw fieldErrorsToInput('cannot scale', admitted.errors);
        const data: LeaderWorkerSetScaledData = {
          uid: current.uid,
          fromReplicas: from,
          toReplicas: replicas,
          generation: current.generation + 1,
        };
        await tx.append(
          lwsStreamId(current.uid),
          [
            newEvent(LwsEventType.Scaled, data, {
              actor: ctx.actor,
              correlationId: ctx.correlationId,
              source: 'api',
              cluster: current.cluster,
            }),
          ],
          { expectedVersion: await tx.streamVersion(lwsStreamId(current.uid)) },
        );
        return (await this.repository.findLive(namespace, name, tx.manager))!;
      }),
    );
  }

  /**
   * Rolls back to an older revision by making a NEW revision with its template (history is never
   * rewritten): `LeaderWorkerSetUpdated` with leaderWorkerTemplate and networkConfig restored, and
   * `RevisionCreated` with `restoredFrom`. The workers then roll out to it with the LWS's strategy.
   * Rolling back to the current revision (or to one with the current template) changes nothing and
   * says so in the notices.
   */
  async rollback(
    namespace: string,
    name: string,
    revision: number,
    ctx: RequestContext,
  ): Promise<{ row: LwsRow; notices: string[] }> {
    return this.withRetries(undefined, () =>
      this.store.transaction(async (tx) => {
        const current = await this.repository.findLive(namespace, name, tx.manager, { lock: true });
        if (!current) throw notFound(`LeaderWorkerSet ${namespace}/${name} not found`);
        if (current.deletion_requested_at)
          throw conflict(`LeaderWorkerSet ${namespace}/${name} is being deleted`);
        const targets: RevisionRow[] = await tx.manager.query(
          `SELECT * FROM lws_revisions WHERE lws_uid = $1 AND revision = $2`,
          [current.uid, revision],
        );
        const target = targets[0];
        if (!target) {
          throw notFound(
            `LeaderWorkerSet ${namespace}/${name} has no revision ${revision} (revisions 1 to ${current.current_revision})`,
          );
        }
        if (target.revision === current.current_revision) {
          return {
            row: current,
            notices: [`revision ${revision} is the current revision: nothing to roll back`],
          };
        }
        if (target.template_hash === current.template_hash) {
          return {
            row: current,
            notices: [
              `revision ${revision} has the current revision's template (${current.template_hash}, revision ${current.current_revision}): nothing to roll back`,
            ],
          };
        }
        const previous = objectFromRow(current);
        const next = objectFromRow(current);
        const template = target.template as {
          leaderWorkerTemplate: LeaderWorkerSet['spec']['leaderWorkerTemplate'];
          networkConfig: LeaderWorkerSet['spec']['networkConfig'];
        };
        next.spec.leaderWorkerTemplate = template.leaderWorkerTemplate;
        next.spec.networkConfig = template.networkConfig;
        const admitted = admitLeaderWorkerSet(JSON.stringify(next), previous);
        if (!admitted.ok) {
          throw fieldErrorsToInput(
            `revision ${revision} cannot be restored on the current spec`,
            admitted.errors,
          );
        }
        const notices = [
          ...admitted.notices,
          `rolled back to revision ${revision}: revision ${current.current_revision + 1} restores its template`,
        ];
        const generation = current.generation + 1;
        const state = stateOf(current.uid, current.cluster, generation, admitted.lws);
        const meta = {
          actor: ctx.actor,
          correlationId: ctx.correlationId,
          source: 'api',
          cluster: current.cluster,
        };
        const events: NewEvent[] = [
          newEvent(
            LwsEventType.Updated,
            {
              ...state,
              changes: changedFields(previous, admitted.lws),
              previousGeneration: current.generation,
              notices,
            } satisfies LeaderWorkerSetUpdatedData,
            meta,
          ),
          newEvent(
            LwsEventType.RevisionCreated,
            {
              ...this.revision(
                current.uid,
                current.current_revision + 1,
                admitted.templateHash,
                state,
              ),
              restoredFrom: revision,
            } satisfies RevisionCreatedData,
            meta,
          ),
        ];
        await tx.append(lwsStreamId(current.uid), events, {
          expectedVersion: await tx.streamVersion(lwsStreamId(current.uid)),
        });
        return { row: (await this.repository.findLive(namespace, name, tx.manager))!, notices };
      }),
    );
  }

  /**
   * Requests deletion. The LWS stays visible (with deletionRequestedAt) until its cluster confirms the
   * objects are gone; one that no worker has ever reconciled has nothing in any cluster, so its
   * deletion completes at once and its name is free again.
   */
  async delete(namespace: string, name: string, ctx: RequestContext): Promise<boolean> {
    return this.withRetries(undefined, () =>
      this.store.transaction(async (tx) => {
        const current = await this.repository.findLive(namespace, name, tx.manager, { lock: true });
        if (!current) throw notFound(`LeaderWorkerSet ${namespace}/${name} not found`);
        if (current.deletion_requested_at) return true;
        const meta = {
          actor: ctx.actor,
          correlationId: ctx.correlationId,
          source: 'api',
          cluster: current.cluster,
        };
        const events: NewEvent[] = [
          newEvent(LwsEventType.DeletionRequested, { uid: current.uid }, meta),
        ];
        if (current.reconciled_generation === null) {
          const data: LeaderWorkerSetDeletedData = {
            uid: current.uid,
            reason: 'nothing was placed in a cluster yet',
          };
          events.push(newEvent(LwsEventType.Deleted, data, meta));
        }
        await tx.append(lwsStreamId(current.uid), events, {
          expectedVersion: await tx.streamVersion(lwsStreamId(current.uid)),
        });
        return true;
      }),
    );
  }

  private revision(
    uid: string,
    revision: number,
    templateHash: string,
    state: LwsObjectState,
  ): RevisionCreatedData {
    const spec = state.spec as { leaderWorkerTemplate?: unknown; networkConfig?: unknown };
    return {
      uid,
      revision,
      templateHash,
      template: {
        leaderWorkerTemplate: spec.leaderWorkerTemplate,
        networkConfig: spec.networkConfig,
      },
      manifest: toManifestYaml(state),
    };
  }

  private checkExpectedGeneration(
    expected: number | null | undefined,
    current: LwsRow | undefined,
    namespace: string,
    name: string,
  ): void {
    if (expected === undefined || expected === null) return;
    const actual = current?.generation ?? 0;
    if (expected !== actual) {
      throw conflict(
        current
          ? `LeaderWorkerSet ${namespace}/${name} is at generation ${actual}, not the expected ${expected}`
          : `LeaderWorkerSet ${namespace}/${name} does not exist (expected generation ${expected}); use 0 or omit it to create`,
        { expectedGeneration: expected, actualGeneration: actual },
      );
    }
  }

  /** The cluster an apply lands on: the LWS's own, or the one named, or the only one registered. */
  private async placement(
    manager: EntityManager,
    requested: string | null | undefined,
    current: LwsRow | undefined,
  ): Promise<string> {
    if (current) {
      if (requested && requested !== current.cluster) {
        throw badUserInput(
          `LeaderWorkerSet ${current.namespace}/${current.name} is placed on cluster ${current.cluster}; moving it to ${requested} is not supported`,
          [
            {
              field: 'cluster',
              message: `must be ${current.cluster} (where the LeaderWorkerSet is placed) or omitted`,
            },
          ],
        );
      }
      return current.cluster;
    }
    // FOR KEY SHARE: a concurrent removeCluster (FOR UPDATE) waits for this apply, and then sees
    // it; a worker recording the cluster's health (an UPDATE of other columns) does not.
    const clusters: Array<{ name: string }> = await manager.query(
      `SELECT name FROM clusters ORDER BY name FOR KEY SHARE`,
    );
    const names = clusters.map((c) => c.name);
    if (requested) {
      if (!names.includes(requested)) {
        throw badUserInput(
          `cluster ${requested} is not registered${names.length ? ` (registered: ${names.join(', ')})` : ''}`,
          [{ field: 'cluster', message: `unknown cluster "${requested}"` }],
        );
      }
      return requested;
    }
    if (names.length === 1) return names[0];
    if (names.length === 0) {
      throw badUserInput('no cluster is registered: register one with registerCluster first', [
        { field: 'cluster', message: 'no cluster is registered' },
      ]);
    }
    throw badUserInput(
      `cluster is required when more than one cluster is registered (${names.join(', ')})`,
      [{ field: 'cluster', message: 'is required when more than one cluster is registered' }],
    );
  }

  /**
   * Runs a command, re-reading and retrying when another writer appended first (a worker's event, or a
   * creator of the same name). The retry re-checks expectedGeneration, so a caller whose read is stale
   * gets CONFLICT, while a caller who only raced a worker's bookkeeping does not.
   */
  private async withRetries<T>(
    expectedGeneration: number | null | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        const raced =
          error instanceof ConcurrencyError ||
          isUniqueViolation(error) ||
          isTransientConflict(error);
        if (!raced) throw error;
        if (i < MAX_ATTEMPTS) {
          // Jittered pause, so a herd of creators of one name does not collide again in lockstep.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * i));
          continue;
        }
        throw new AppError(
          ErrorCode.Conflict,
          'the LeaderWorkerSet is being changed by other writers; retry',
          {
            expectedGeneration,
          },
        );
      }
    }
  }
}
