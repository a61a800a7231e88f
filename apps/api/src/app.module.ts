import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { IncomingMessage } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { DataSource } from 'typeorm';
import { EventStore } from '../../../libs/events/src';
import type { SecretBox } from '../../../libs/kube/src';
import { ClustersResolver } from './clusters/clusters.resolver';
import { ClustersService } from './clusters/clusters.service';
import { clustersProjection } from './clusters/clusters.projection';
import { makeFormatError } from './common/format-error';
import type { GraphQLContext } from './common/graphql-context';
import { createLoaders } from './common/loaders';
import { queryLimitsRule } from './common/query-limits';
import { requestContextFrom } from './common/request-context';
import type { Logger } from './logger';
import { lwsProjection, lwsReconcileProjection } from './lws/lws.projection';
import { LwsRepository } from './lws/lws.repository';
import { LwsResolver } from './lws/lws.resolver';
import { GroupsRepository } from './lws/groups/groups.repository';
import { GroupsResolver } from './lws/groups/groups.resolver';
import { EventFeed } from './lws/subscriptions/event-feed';
import { LwsEventsResolver } from './lws/subscriptions/lws-events.resolver';
import { LwsService } from './lws/lws.service';
import { rolloutsProjection } from './lws/rollouts/rollouts.projection';
import { RolloutsRepository } from './lws/rollouts/rollouts.repository';
import { RolloutsResolver } from './lws/rollouts/rollouts.resolver';

/** The read models kept inline with the event log; `npm run rebuild-read-models` replays these. */
export const readModelProjections = [
  clustersProjection,
  lwsProjection,
  lwsReconcileProjection,
  rolloutsProjection,
];

export interface AppDependencies {
  dataSource: DataSource;
  secretBox: SecretBox;
  logger: Logger;
}

@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    const store = new EventStore(deps.dataSource, { projections: readModelProjections });
    const repository = new LwsRepository(deps.dataSource);
    const groupsRepository = new GroupsRepository(deps.dataSource);
    const formatError = makeFormatError(deps.logger);
    const rolloutsRepository = new RolloutsRepository(deps.dataSource);
    return {
      module: AppModule,
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          introspection: true,
          includeStacktraceInErrorResponses: false,
          validationRules: [queryLimitsRule()],
          formatError,
          subscriptions: {
            'graphql-ws': {
              path: '/graphql',
              // Subscription errors go through the same formatter as queries (codes, no internals).
              onNext: (
                _ctx: unknown,
                _id: string,
                _payload: unknown,
                _args: unknown,
                result: ExecutionResult,
              ) =>
                result.errors
                  ? ({
                      ...result,
                      errors: result.errors.map((e) => formatError(e.toJSON(), e)),
                    } as unknown as ExecutionResult)
                  : result,
            },
          },
          // HTTP requests carry `req`; graphql-ws subscriptions carry the upgrade request in `extra`.
          context: ({
            req,
            extra,
          }: {
            req?: IncomingMessage;
            extra?: { request?: IncomingMessage };
          }): GraphQLContext => {
            const http = req ?? extra?.request;
            return {
              req: http as IncomingMessage,
              request: requestContextFrom(http?.headers ?? {}),
              loaders: createLoaders(repository, groupsRepository, rolloutsRepository),
            };
          },
        }),
      ],
      providers: [
        { provide: EventStore, useValue: store },
        { provide: LwsRepository, useValue: repository },
        { provide: EventFeed, useValue: new EventFeed(store) },
        { provide: LwsService, useValue: new LwsService(store, repository) },
        {
          provide: ClustersService,
          useValue: new ClustersService(deps.dataSource, store, deps.secretBox),
        },
        LwsResolver,
        GroupsResolver,
        RolloutsResolver,
        LwsEventsResolver,
        ClustersResolver,
      ],
    };
  }
}
