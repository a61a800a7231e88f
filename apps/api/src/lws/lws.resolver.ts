import {
  Args,
  Context,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import type { StoredEvent } from '../../../../libs/events/src';
import { badUserInput } from '../common/errors';
import type { GraphQLContext } from '../common/graphql-context';
import { encodeCursor, pageSize } from '../common/pagination';
import { ApplyLeaderWorkerSetInput } from './dto/apply-leader-worker-set.input';
import { lwsStreamId } from './lws.events';
import { LwsRepository, type LwsRow, type RevisionRow } from './lws.repository';
import { LwsService } from './lws.service';
import { Event, EventConnection } from './models/event.model';
import { LeaderWorkerSet, LeaderWorkerSetConnection } from './models/leader-worker-set.model';
import { Revision } from './models/revision.model';
import { LeaderWorkerSetStatus } from './models/status.model';
import { toManifestYaml } from './manifest';

export function toLeaderWorkerSet(row: LwsRow, notices: string[] = []): LeaderWorkerSet {
  return {
    uid: row.uid,
    namespace: row.namespace,
    name: row.name,
    generation: row.generation,
    cluster: row.cluster,
    // Built when a query asks for it (YAML is not cheap, and most queries do not).
    get manifest() {
      return toManifestYaml(row);
    },
    spec: row.spec,
    labels: row.labels,
    annotations: row.annotations,
    currentRevision: row.current_revision,
    templateHash: row.template_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletionRequestedAt: row.deletion_requested_at,
    deletedAt: row.deleted_at,
    status: row.status ? toStatus(row.status) : null,
    notices,
  };
}

function toStatus(status: Record<string, unknown>): LeaderWorkerSetStatus {
  const conditions = (status.conditions as Array<Record<string, unknown>> | undefined) ?? [];
  return {
    replicas: Number(status.replicas ?? 0),
    readyReplicas: Number(status.readyReplicas ?? 0),
    updatedReplicas: Number(status.updatedReplicas ?? 0),
    conditions: conditions.map((c) => ({
      type: String(c.type),
      status: String(c.status),
      reason: String(c.reason ?? ''),
      message: String(c.message ?? ''),
      lastTransitionTime: c.lastTransitionTime ? String(c.lastTransitionTime) : null,
    })),
  };
}

function toRevision(row: RevisionRow): Revision {
  return {
    revision: row.revision,
    templateHash: row.template_hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    manifest: row.manifest,
    restoredFrom: row.restored_from,
  };
}

export function toEvent(event: StoredEvent): Event {
  return {
    id: event.eventId,
    type: event.type,
    position: event.streamPosition,
    time: event.createdAt,
    actor: event.metadata.actor,
    correlationId: event.metadata.correlationId,
    cluster: event.metadata.cluster ?? null,
    schemaVersion: event.schemaVersion,
    data: event.data,
  };
}

const NAMESPACE = { defaultValue: 'default', description: 'The namespace; default when left out.' };

@Resolver(() => LeaderWorkerSet)
export class LwsResolver {
  constructor(
    private readonly service: LwsService,
    private readonly repository: LwsRepository,
  ) {}

  @Query(() => LeaderWorkerSet, {
    nullable: true,
    description: 'One live LeaderWorkerSet by namespace and name, or null.',
  })
  async leaderWorkerSet(
    @Args('namespace', NAMESPACE) namespace: string,
    @Args('name', { description: 'The name.' }) name: string,
  ): Promise<LeaderWorkerSet | null> {
    const row = await this.repository.findLive(namespace, name);
    return row ? toLeaderWorkerSet(row) : null;
  }

  @Query(() => [LeaderWorkerSet], {
    description:
      'Every LeaderWorkerSet that has had this name, deleted ones included (each with its own uid and history), oldest first.',
  })
  async leaderWorkerSetHistory(
    @Args('namespace', NAMESPACE) namespace: string,
    @Args('name', { description: 'The name.' }) name: string,
  ): Promise<LeaderWorkerSet[]> {
    return (await this.repository.findIncarnations(namespace, name)).map((row) =>
      toLeaderWorkerSet(row),
    );
  }

  @Query(() => LeaderWorkerSetConnection, {
    description:
      'Live LeaderWorkerSets, ordered by namespace and name (Relay connection; first is capped at 100).',
  })
  async leaderWorkerSets(
    @Args('namespace', { nullable: true, type: () => String, description: 'Only this namespace.' })
    namespace: string | null,
    @Args('cluster', {
      nullable: true,
      type: () => String,
      description: 'Only those placed on this cluster.',
    })
    cluster: string | null,
    @Args('first', {
      nullable: true,
      type: () => Int,
      description: 'Page size: default 20, at most 100.',
    })
    first: number | null,
    @Args('after', {
      nullable: true,
      type: () => String,
      description: 'The endCursor of the previous page.',
    })
    after: string | null,
  ): Promise<LeaderWorkerSetConnection> {
    const { rows, hasNextPage } = await this.repository.list({
      namespace,
      cluster,
      first: pageSize(first),
      after,
    });
    const edges = rows.map((row) => ({
      cursor: LwsRepository.cursorOf(row),
      node: toLeaderWorkerSet(row),
    }));
    return {
      edges,
      pageInfo: {
        hasNextPage,
        hasPreviousPage: Boolean(after),
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    };
  }

  @Mutation(() => LeaderWorkerSet, {
    description:
      'Create or update a LeaderWorkerSet from an upstream manifest. An apply that changes nothing records nothing.',
  })
  async applyLeaderWorkerSet(
    @Args('input') input: ApplyLeaderWorkerSetInput,
    @Context() context: GraphQLContext,
  ): Promise<LeaderWorkerSet> {
    const result = await this.service.apply(input, context.request);
    return toLeaderWorkerSet(result.row, result.notices);
  }

  @Mutation(() => LeaderWorkerSet, { description: 'Set spec.replicas (the number of groups).' })
  async scaleLeaderWorkerSet(
    @Args('namespace', NAMESPACE) namespace: string,
    @Args('name') name: string,
    @Args('replicas', { type: () => Int, description: 'The new number of groups.' })
    replicas: number,
    @Context() context: GraphQLContext,
  ): Promise<LeaderWorkerSet> {
    return toLeaderWorkerSet(await this.service.scale(namespace, name, replicas, context.request));
  }

  @Mutation(() => LeaderWorkerSet, {
    description:
      "Roll back to an older revision: a new revision with that revision's template is created (history is never rewritten) and rolled out with the LeaderWorkerSet's strategy. An unknown revision is NOT_FOUND; the current one changes nothing and says so in notices.",
  })
  async rollbackLeaderWorkerSet(
    @Args('namespace', NAMESPACE) namespace: string,
    @Args('name', { description: 'The name.' }) name: string,
    @Args('revision', { type: () => Int, description: 'The revision whose template to restore.' })
    revision: number,
    @Context() context: GraphQLContext,
  ): Promise<LeaderWorkerSet> {
    const result = await this.service.rollback(namespace, name, revision, context.request);
    return toLeaderWorkerSet(result.row, result.notices);
  }

  @Mutation(() => Boolean, {
    description:
      'Request deletion of a LeaderWorkerSet; its pods and Services are removed from its cluster.',
  })
  async deleteLeaderWorkerSet(
    @Args('namespace', NAMESPACE) namespace: string,
    @Args('name') name: string,
    @Context() context: GraphQLContext,
  ): Promise<boolean> {
    return this.service.delete(namespace, name, context.request);
  }

  @ResolveField(() => [Revision], { description: 'Every revision of the template, oldest first.' })
  async revisions(
    @Parent() lws: LeaderWorkerSet,
    @Context() context: GraphQLContext,
  ): Promise<Revision[]> {
    return (await context.loaders.revisions.load(lws.uid)).map(toRevision);
  }

  @ResolveField(() => EventConnection, {
    description:
      'The history of this LeaderWorkerSet (desired-state changes and reconciles), newest last. Use first/after to read forward, last/before to read the newest.',
  })
  async events(
    @Parent() lws: LeaderWorkerSet,
    @Context() context: GraphQLContext,
    @Args('first', { nullable: true, type: () => Int }) first: number | null,
    @Args('after', { nullable: true, type: () => String }) after: string | null,
    @Args('last', { nullable: true, type: () => Int }) last: number | null,
    @Args('before', { nullable: true, type: () => String }) before: string | null,
  ): Promise<EventConnection> {
    if (first !== null && first !== undefined && last !== null && last !== undefined) {
      throw badUserInput('pass first or last, not both', [
        { field: 'last', message: 'cannot be used with first' },
      ]);
    }
    const args = {
      first: last === null || last === undefined ? pageSize(first) : null,
      last: last === null || last === undefined ? null : pageSize(last, 'last'),
      after,
      before,
    };
    const page = await context.loaders.eventPage(args).load(lwsStreamId(lws.uid));
    const edges = page.events.map((event) => ({
      cursor: encodeCursor([event.streamPosition]),
      node: toEvent(event),
    }));
    return {
      edges,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    };
  }
}
