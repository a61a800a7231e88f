import { Field, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

@ObjectType({
  description: 'A pod of a LeaderWorkerSet in its cluster, as the watcher last saw it.',
})
export class Pod {
  @Field({
    description: 'The pod name: <lws>-<group> for a leader, <lws>-<group>-<worker> for a worker.',
  })
  name!: string;

  @Field({ description: 'The cluster it runs in.' })
  cluster!: string;

  @Field({ description: 'Its namespace.' })
  namespace!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Pending, Running, Succeeded, Failed or Unknown; null when the pod does not exist (yet).',
  })
  phase!: string | null;

  @Field({ description: 'Whether its Ready condition is True.' })
  ready!: boolean;

  @Field(() => Int, { description: 'Container restarts, summed over its containers.' })
  restarts!: number;

  @Field(() => String, {
    nullable: true,
    description: 'The node it is bound to; null until scheduled.',
  })
  nodeName!: string | null;

  @Field(() => GraphQLJSONObject, {
    description:
      "Its node's topology labels: topology.kubernetes.io/zone, rack, kubernetes.io/hostname.",
  })
  topology!: Record<string, string>;

  @Field(() => Int, {
    nullable: true,
    description: 'Its group index (leaderworkerset.sigs.k8s.io/group-index).',
  })
  groupIndex!: number | null;

  @Field(() => Int, { nullable: true, description: 'Its worker index: 0 for the leader.' })
  workerIndex!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Its subgroup index, when the LWS has subgroups (and the pod is in one).',
  })
  subGroupIndex!: number | null;

  @Field(() => String, { nullable: true, description: 'Its template revision hash.' })
  revision!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why a container last terminated (e.g. OOMKilled, Error).',
  })
  lastTerminationReason!: string | null;

  @Field(() => Int, { nullable: true, description: "That container's exit code." })
  lastExitCode!: number | null;
}
