import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({
  description:
    'A condition of the LeaderWorkerSet, as upstream: Available, Progressing or UpdateInProgress.',
})
export class LeaderWorkerSetCondition {
  @Field({ description: 'Available, Progressing or UpdateInProgress.' })
  type!: string;

  @Field({ description: 'True, False or Unknown.' })
  status!: string;

  @Field({ description: "Upstream's reason, e.g. AllGroupsReady." })
  reason!: string;

  @Field({ description: "Upstream's message, e.g. All replicas are ready." })
  message!: string;

  @Field(() => String, {
    nullable: true,
    description: 'When the condition last changed status (RFC 3339).',
  })
  lastTransitionTime!: string | null;
}

@ObjectType({
  description:
    'The status of a LeaderWorkerSet, computed as upstream computes it, from the pods in its cluster.',
})
export class LeaderWorkerSetStatus {
  @Field(() => Int, { description: 'Groups that exist (surge groups of a rollout included).' })
  replicas!: number;

  @Field(() => Int, { description: 'Groups whose leader and workers are all Ready.' })
  readyReplicas!: number;

  @Field(() => Int, { description: 'Groups whose pods are all on the current revision.' })
  updatedReplicas!: number;

  @Field(() => [LeaderWorkerSetCondition], {
    description: 'Available, Progressing, UpdateInProgress.',
  })
  conditions!: LeaderWorkerSetCondition[];
}
