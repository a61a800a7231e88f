import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { IncomingMessage } from 'node:http';
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
import { lwsProjection } from './lws/lws.projection';
import { LwsRepository } from './lws/lws.repository';
import { LwsResolver } from './lws/lws.resolver';
import { GroupsRepository } from './lws/groups/groups.repository';
import { GroupsResolver } from './lws/groups/groups.resolver';
import { LwsService } from './lws/lws.service';
import { rolloutsProjection } from './lws/rollouts/rollouts.projection';
import { RolloutsRepository } from './lws/rollouts/rollouts.repository';
import { RolloutsResolver } from './lws/rollouts/rollouts.resolver';

/** The read models kept inline with the event log; `npm run rebuild-read-models` replays these. */
export const readModelProjections = [clustersProjection, lwsProjection, rolloutsProjection];

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
          formatError: makeFormatError(deps.logger),
          context: ({ req }: { req: IncomingMessage }): GraphQLContext => ({
            req,
            request: requestContextFrom(req.headers),
            loaders: createLoaders(repository, groupsRepository, rolloutsRepository),
          }),
        }),
      ],
      providers: [
        { provide: EventStore, useValue: store },
        { provide: LwsRepository, useValue: repository },
        { provide: LwsService, useValue: new LwsService(store, repository) },
        {
          provide: ClustersService,
          useValue: new ClustersService(deps.dataSource, store, deps.secretBox),
        },
        LwsResolver,
        GroupsResolver,
        RolloutsResolver,
        ClustersResolver,
      ],
    };
  }
}
