import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({
  description:
    'A registered Kubernetes cluster. Its kubeconfig is stored encrypted and is never returned.',
})
export class Cluster {
  @Field({ description: 'The cluster name, as used in applyLeaderWorkerSet(cluster:).' })
  name!: string;

  @Field({ description: 'The API server URL from the kubeconfig current context.' })
  server!: string;

  @Field({ description: 'The kind of credentials: token, client-certificate or basic-auth.' })
  credentialKind!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the cluster was registered.' })
  registeredAt!: Date;

  @Field({ description: 'Who registered it.' })
  registeredBy!: string;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether its watcher reaches the API server; null until a worker has watched it.',
  })
  healthy!: boolean | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Number of nodes last seen; null until a worker has watched it.',
  })
  nodes!: number | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When a worker last heard from the cluster; null until then.',
  })
  lastSeen!: Date | null;
}
