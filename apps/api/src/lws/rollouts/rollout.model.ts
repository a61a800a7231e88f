import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum RolloutStateEnum {
  Progressing = 'Progressing',
  Complete = 'Complete',
  Superseded = 'Superseded',
  Paused = 'Paused',
}

registerEnumType(RolloutStateEnum, {
  name: 'RolloutState',
  description: 'Where a rollout stands.',
  valuesMap: {
    Progressing: { description: 'Groups are being replaced.' },
    Complete: {
      description: 'Every group is on the new revision and ready; surge groups are gone.',
    },
    Superseded: { description: 'A newer template was applied before it completed.' },
    Paused: {
      description:
        'Stopped at the partition: groups at or above it are updated, those below it stay on the old revision.',
    },
  },
});

export enum RolloutStepKind {
  GroupReplaced = 'GroupReplaced',
  SurgeGroupAdded = 'SurgeGroupAdded',
  SurgeGroupRemoved = 'SurgeGroupRemoved',
  RolloutPaused = 'RolloutPaused',
  RolloutResumed = 'RolloutResumed',
}

registerEnumType(RolloutStepKind, {
  name: 'RolloutStepKind',
  description: 'What a rollout step did.',
  valuesMap: {
    GroupReplaced: {
      description: "An outdated group's pods were deleted to be recreated from the new revision.",
    },
    SurgeGroupAdded: {
      description: 'An extra group (index ≥ replicas) was created on the new revision.',
    },
    SurgeGroupRemoved: { description: 'A surge group was removed as the rollout neared its end.' },
    RolloutPaused: { description: 'The rollout stopped at the partition.' },
    RolloutResumed: { description: 'The partition changed and the rollout went on.' },
  },
});

@ObjectType({ description: 'One step of a rollout, in the order they happened.' })
export class RolloutStep {
  @Field(() => RolloutStepKind, { description: 'What happened.' })
  kind!: RolloutStepKind;

  @Field(() => Int, {
    nullable: true,
    description: 'The group index (null for pause and resume).',
  })
  group!: number | null;

  @Field(() => GraphQLISODateTime, { description: 'When the worker did it (or saw it).' })
  at!: Date;

  @Field(() => String, {
    nullable: true,
    description: 'For a replaced group: the template hash its pods were on before.',
  })
  fromTemplateHash!: string | null;

  @Field(() => Int, { nullable: true, description: 'For pause and resume: the spec partition.' })
  partition!: number | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description:
      'When the replaced (or surge) group became ready on the new revision; null while it is not.',
  })
  readyAt!: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Milliseconds from the step to the group being ready on the new revision.',
  })
  timeToReadyMs!: number | null;
}

@ObjectType({
  description: 'The rolling-update settings a rollout ran with, resolved against replicas.',
})
export class RolloutStrategySummary {
  @Field(() => Int, { description: 'spec.replicas when it started.' })
  replicas!: number;

  @Field(() => Int, { description: 'maxSurge, resolved (rounded up, capped at replicas).' })
  maxSurge!: number;

  @Field(() => Int, { description: 'maxUnavailable, resolved (rounded down).' })
  maxUnavailable!: number;

  @Field(() => Int, { description: 'The spec partition when it started.' })
  partition!: number;
}

@ObjectType({
  description:
    'One rollout: the move of the groups from one template revision to the next (a rollback is a rollout to a new revision with an old template).',
})
export class Rollout {
  @Field(() => Int, {
    nullable: true,
    description: 'The revision the groups were on; null when it could not be told.',
  })
  fromRevision!: number | null;

  @Field(() => Int, { description: 'The revision rolled out to.' })
  toRevision!: number;

  @Field({ description: 'Template hash of fromRevision.' })
  fromTemplateHash!: string;

  @Field({ description: 'Template hash of toRevision.' })
  toTemplateHash!: string;

  @Field(() => RolloutStateEnum, { description: 'Where it stands.' })
  state!: RolloutStateEnum;

  @Field({ description: 'The cluster it ran in.' })
  cluster!: string;

  @Field(() => RolloutStrategySummary, { description: 'The strategy it ran with.' })
  strategy!: RolloutStrategySummary;

  @Field(() => Int, {
    nullable: true,
    description: 'When Paused: the partition it stopped at.',
  })
  pausedAtPartition!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'When Superseded: the revision that replaced it.',
  })
  supersededBy!: number | null;

  @Field(() => GraphQLISODateTime, { description: 'When the worker started it.' })
  startedAt!: Date;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When it completed or was superseded; null while Progressing or Paused.',
  })
  finishedAt!: Date | null;

  @Field(() => [RolloutStep], { description: 'Its steps, in order.' })
  steps!: RolloutStep[];
}
