import { Field, InputType, Int } from '@nestjs/graphql';

@InputType({ description: 'Create or update a LeaderWorkerSet from an upstream manifest.' })
export class ApplyLeaderWorkerSetInput {
  @Field({
    description:
      'One LeaderWorkerSet of leaderworkerset.x-k8s.io/v1, as YAML or JSON (at most 1 MiB).',
  })
  manifest!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The cluster to place it on; required when more than one cluster is registered. An existing LeaderWorkerSet stays where it is.',
  })
  cluster?: string | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Optimistic concurrency: the generation you last read (0 to create only). A different current generation is a CONFLICT.',
  })
  expectedGeneration?: number | null;
}
