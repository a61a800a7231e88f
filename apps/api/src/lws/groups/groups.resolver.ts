import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLContext } from '../../common/graphql-context';
import { LeaderWorkerSet } from '../models/leader-worker-set.model';
import { Group } from './group.model';
import type { PodRow } from './groups.repository';
import { Pod } from './pod.model';

function toPod(name: string, lws: LeaderWorkerSet, row: PodRow | undefined): Pod {
  return {
    name,
    cluster: row?.cluster ?? lws.cluster,
    namespace: row?.namespace ?? lws.namespace,
    phase: row?.phase ?? null,
    ready: row?.ready ?? false,
    restarts: row?.restarts ?? 0,
    nodeName: row?.node_name ?? null,
    topology: row?.topology ?? {},
    groupIndex: row?.group_index ?? null,
    workerIndex: row?.worker_index ?? null,
    subGroupIndex: row?.subgroup_index ?? null,
    revision: row?.revision ?? null,
    lastTerminationReason: row?.last_termination_reason ?? null,
    lastExitCode: row?.last_exit_code ?? null,
  };
}

/** Groups and pods of a LeaderWorkerSet: observed state, batched per request through DataLoaders. */
@Resolver(() => LeaderWorkerSet)
export class GroupsResolver {
  @ResolveField(() => [Group], {
    description:
      'Its groups in its cluster, as the last reconcile saw them, by index; empty until a worker has reconciled it.',
  })
  async groups(
    @Parent() lws: LeaderWorkerSet,
    @Context() context: GraphQLContext,
  ): Promise<Group[]> {
    const [groups, pods] = await Promise.all([
      context.loaders.groups.load(lws.uid),
      context.loaders.pods.load(lws.uid),
    ]);
    if (!groups) return [];
    const byName = new Map(pods.map((p) => [p.name, p]));
    const pod = (name: string) => toPod(name, lws, byName.get(name));
    return groups.groups.map((g) => ({
      index: g.index,
      cluster: groups.cluster,
      ready: g.ready,
      revision: g.revision,
      updated: g.updated,
      surge: g.surge,
      leader: pod(g.leader),
      workers: g.workers.map(pod),
      subGroups: g.subGroups.map((s) => ({ index: s.index, pods: s.pods.map(pod) })),
      waiting: g.waiting ?? null,
    }));
  }

  @ResolveField(() => [Pod], {
    description: 'Every pod of it that exists in its cluster, by group and worker index.',
  })
  async pods(@Parent() lws: LeaderWorkerSet, @Context() context: GraphQLContext): Promise<Pod[]> {
    return (await context.loaders.pods.load(lws.uid)).map((row) => toPod(row.name, lws, row));
  }
}
