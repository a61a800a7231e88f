import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLContext } from '../../common/graphql-context';
import { LeaderWorkerSet } from '../models/leader-worker-set.model';
import { Rollout, RolloutStateEnum, RolloutStepKind, type RolloutStep } from './rollout.model';
import type { RolloutRow } from './rollouts.repository';

export function toRollout(row: RolloutRow): Rollout {
  return {
    fromRevision: row.from_revision,
    toRevision: row.to_revision,
    fromTemplateHash: row.from_template_hash,
    toTemplateHash: row.to_template_hash,
    state: row.state as RolloutStateEnum,
    cluster: row.cluster,
    strategy: {
      replicas: row.strategy.replicas,
      maxSurge: row.strategy.maxSurge,
      maxUnavailable: row.strategy.maxUnavailable,
      partition: row.strategy.partition,
    },
    pausedAtPartition: row.paused_at_partition,
    supersededBy: row.superseded_by,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    steps: row.steps.map((s): RolloutStep => ({
      kind: s.kind as RolloutStepKind,
      group: s.group_index,
      at: s.at,
      fromTemplateHash: s.from_template_hash,
      partition: s.partition,
      readyAt: s.ready_at,
      timeToReadyMs: s.ready_after_ms,
    })),
  };
}

/** Rollout history of a LeaderWorkerSet, batched per request by LWS uid. */
@Resolver(() => LeaderWorkerSet)
export class RolloutsResolver {
  @ResolveField(() => [Rollout], {
    description:
      'Every rollout from one template revision to another, oldest first, with its steps (beyond upstream, which keeps no history).',
  })
  async rollouts(
    @Parent() lws: LeaderWorkerSet,
    @Context() context: GraphQLContext,
  ): Promise<Rollout[]> {
    return (await context.loaders.rollouts.load(lws.uid)).map(toRollout);
  }
}
