import { Field, Int, ObjectType } from '@nestjs/graphql';
import { Pod } from './pod.model';

@ObjectType({ description: 'A subgroup of a group (subGroupPolicy): its index and pods.' })
export class SubGroup {
  @Field(() => Int, {
    description: 'The subgroup index (leaderworkerset.sigs.k8s.io/subgroup-index).',
  })
  index!: number;

  @Field(() => [Pod], { description: 'Its pods.' })
  pods!: Pod[];
}

@ObjectType({
  description:
    'One group of a LeaderWorkerSet: a leader and size - 1 workers that start, fail and update together.',
})
export class Group {
  @Field(() => Int, {
    description: 'The group index (0 … replicas - 1; surge groups of a rollout above).',
  })
  index!: number;

  @Field({ description: 'The cluster the group runs in.' })
  cluster!: string;

  @Field({
    description: 'Whether the leader and every worker exist, run the group revision and are Ready.',
  })
  ready!: boolean;

  @Field({ description: "The group's template revision hash (its leader's)." })
  revision!: string;

  @Field({ description: 'Whether every pod of the group is on the current revision.' })
  updated!: boolean;

  @Field({ description: 'Whether it is a surge group of a rollout (index ≥ spec.replicas).' })
  surge!: boolean;

  @Field(() => Pod, { description: 'The leader pod.' })
  leader!: Pod;

  @Field(() => [Pod], { description: 'The worker pods, by worker index.' })
  workers!: Pod[];

  @Field(() => [SubGroup], { description: 'Its subgroups; empty without a subGroupPolicy.' })
  subGroups!: SubGroup[];

  @Field(() => String, {
    nullable: true,
    description: 'What the group waits for, when it is not complete (e.g. its leader to be Ready).',
  })
  waiting!: string | null;
}
