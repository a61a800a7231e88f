import { Args, Resolver, Subscription } from '@nestjs/graphql';
import { notFound } from '../../common/errors';
import { lwsStreamId } from '../lws.events';
import { LwsRepository } from '../lws.repository';
import { toEvent } from '../lws.resolver';
import { Event } from '../models/event.model';
import { EventFeed, iterateStream } from './event-feed';

@Resolver(() => Event)
export class LwsEventsResolver {
  constructor(
    private readonly feed: EventFeed,
    private readonly repository: LwsRepository,
  ) {}

  @Subscription(() => Event, {
    description:
      'Every new event of one LeaderWorkerSet (desired-state changes, reconciles, group and pod facts), as it is recorded. Over graphql-ws at /graphql.',
  })
  async leaderWorkerSetEvents(
    @Args('namespace', {
      defaultValue: 'default',
      description: 'The namespace; default when left out.',
    })
    namespace: string,
    @Args('name', { description: 'The name.' }) name: string,
  ): Promise<AsyncIterableIterator<{ leaderWorkerSetEvents: Event }>> {
    const lws = await this.repository.findLive(namespace, name);
    if (!lws) throw notFound(`LeaderWorkerSet ${namespace}/${name} not found`);
    return iterateStream(this.feed, lwsStreamId(lws.uid), (event) => ({
      leaderWorkerSetEvents: toEvent(event),
    }));
  }
}
