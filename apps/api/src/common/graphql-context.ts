import type { IncomingMessage } from 'node:http';
import type { Loaders } from './loaders';
import type { RequestContext } from './request-context';

/** What every resolver gets: who is asking, and this request's DataLoaders. */
export interface GraphQLContext {
  req: IncomingMessage;
  request: RequestContext;
  loaders: Loaders;
}
