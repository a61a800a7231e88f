import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

@ObjectType({
  description:
    'One fact in the history of a LeaderWorkerSet (or a cluster): what happened, when, and who caused it.',
})
export class Event {
  @Field({ description: 'The event id (a uuid), unique in its stream.' })
  id!: string;

  @Field({
    description:
      'The event type, a past-tense fact such as LeaderWorkerSetCreated or RevisionCreated.',
  })
  type!: string;

  @Field(() => Int, {
    description: 'Position in its stream, from 1: the stream version after this event.',
  })
  position!: number;

  @Field(() => GraphQLISODateTime, { description: 'When the event was recorded.' })
  time!: Date;

  @Field({
    description:
      'Who caused it: the X-LWS-Actor of the request, or the component (e.g. worker:east).',
  })
  actor!: string;

  @Field({ description: 'Ties together everything done for one request or reconcile.' })
  correlationId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The cluster the event is about, when there is one.',
  })
  cluster!: string | null;

  @Field(() => Int, { description: 'Version of the shape of data.' })
  schemaVersion!: number;

  @Field(() => GraphQLJSONObject, { description: 'The event payload; its shape depends on type.' })
  data!: Record<string, unknown>;
}

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field({ description: 'Whether more items follow the last one of this page.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether items precede the first one of this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of this page.' })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last item of this page; pass it as after for the next page.',
  })
  endCursor!: string | null;
}

@ObjectType({ description: 'An event and its cursor.' })
export class EventEdge {
  @Field({ description: 'Opaque cursor of this event.' })
  cursor!: string;

  @Field(() => Event)
  node!: Event;
}

@ObjectType({ description: 'A page of events, oldest first (newest last).' })
export class EventConnection {
  @Field(() => [EventEdge])
  edges!: EventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
