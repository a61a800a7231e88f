import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({
  description:
    'One revision of a LeaderWorkerSet template. Every revision is kept (upstream keeps only the current one).',
})
export class Revision {
  @Field(() => Int, {
    description:
      'The revision number, from 1, increasing with each template change (a rollback too makes a new one).',
  })
  revision!: number;

  @Field({
    description:
      'The template revision hash: a function of leaderWorkerTemplate + networkConfig only, as upstream.',
  })
  templateHash!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the revision was created.' })
  createdAt!: Date;

  @Field({ description: 'Who applied it.' })
  createdBy!: string;

  @Field({ description: 'The whole LeaderWorkerSet, as YAML, when this revision was made.' })
  manifest!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'The older revision whose template this one restores (a rollback), if any.',
  })
  restoredFrom!: number | null;
}
