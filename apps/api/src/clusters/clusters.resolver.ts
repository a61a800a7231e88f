import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLContext } from '../common/graphql-context';
import { ClustersService, type ClusterRow } from './clusters.service';
import { RegisterClusterInput } from './dto/register-cluster.input';
import { Cluster } from './models/cluster.model';

function toCluster(row: ClusterRow): Cluster {
  return {
    name: row.name,
    server: row.server,
    credentialKind: row.credential_kind,
    registeredAt: row.registered_at,
    registeredBy: row.registered_by,
    healthy: row.healthy,
    nodes: row.nodes,
    lastSeen: row.last_seen,
  };
}

@Resolver(() => Cluster)
export class ClustersResolver {
  constructor(private readonly service: ClustersService) {}

  @Query(() => [Cluster], { description: 'Every registered cluster, by name.' })
  async clusters(): Promise<Cluster[]> {
    return (await this.service.list()).map(toCluster);
  }

  @Mutation(() => Cluster, {
    description:
      'Register a cluster by kubeconfig. The kubeconfig is validated, stored encrypted, and never returned.',
  })
  async registerCluster(
    @Args('input') input: RegisterClusterInput,
    @Context() context: GraphQLContext,
  ): Promise<Cluster> {
    return toCluster(await this.service.register(input, context.request));
  }

  @Mutation(() => Boolean, {
    description: 'Remove a cluster; refused while LeaderWorkerSets are placed on it.',
  })
  async removeCluster(
    @Args('name') name: string,
    @Context() context: GraphQLContext,
  ): Promise<boolean> {
    return this.service.remove(name, context.request);
  }
}
