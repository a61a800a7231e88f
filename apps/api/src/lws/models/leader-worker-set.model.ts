import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageInfo } from './event.model';
import { LeaderWorkerSetStatus } from './status.model';

@ObjectType({
  description:
    'A LeaderWorkerSet (leaderworkerset.x-k8s.io/v1) managed by lws-fleet: replicas groups of one leader and size - 1 workers, placed on one cluster.',
})
export class LeaderWorkerSet {
  @Field(() => ID, {
    description:
      'The uid, new for each creation: a name deleted and created again is a new LeaderWorkerSet.',
  })
  uid!: string;

  @Field({ description: 'The namespace (default when the manifest names none).' })
  namespace!: string;

  @Field({ description: 'The name (metadata.name).' })
  name!: string;

  @Field(() => Int, {
    description: 'metadata.generation: 1 at creation, increased by each change of the spec.',
  })
  generation!: number;

  @Field({ description: 'The cluster the LeaderWorkerSet is placed on.' })
  cluster!: string;

  @Field({ description: 'The LeaderWorkerSet as YAML (defaulted spec), ready to apply again.' })
  manifest!: string;

  @Field(() => GraphQLJSONObject, {
    description: 'The defaulted spec, as upstream would store it.',
  })
  spec!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { description: 'metadata.labels.' })
  labels!: Record<string, string>;

  @Field(() => GraphQLJSONObject, { description: 'metadata.annotations.' })
  annotations!: Record<string, string>;

  @Field(() => Int, { description: 'The current revision number.' })
  currentRevision!: number;

  @Field({ description: 'The template revision hash of the current revision.' })
  templateHash!: string;

  @Field(() => GraphQLISODateTime, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When its desired state last changed.' })
  updatedAt!: Date;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description:
      'When deletion was requested; it stays visible until its cluster confirms the objects are gone.',
  })
  deletionRequestedAt!: Date | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description:
      'When its deletion completed (its cluster holds nothing of it any more); null while it lives.',
  })
  deletedAt!: Date | null;

  @Field(() => LeaderWorkerSetStatus, {
    nullable: true,
    description: 'The status in its cluster; null until a worker has reconciled it.',
  })
  status!: LeaderWorkerSetStatus | null;

  @Field(() => [String], {
    description:
      'Notices from the apply that returned this object (e.g. an alias that was normalised); empty elsewhere.',
  })
  notices!: string[];
}

@ObjectType({ description: 'A LeaderWorkerSet and its cursor.' })
export class LeaderWorkerSetEdge {
  @Field({ description: 'Opaque cursor of this item.' })
  cursor!: string;

  @Field(() => LeaderWorkerSet)
  node!: LeaderWorkerSet;
}

@ObjectType({ description: 'A page of LeaderWorkerSets, ordered by namespace and name.' })
export class LeaderWorkerSetConnection {
  @Field(() => [LeaderWorkerSetEdge])
  edges!: LeaderWorkerSetEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
