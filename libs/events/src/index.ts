// The event store on Postgres: append with expected versions, inline projections, the global
// log (no skipped events), followers with durable checkpoints, rebuilds, database helpers.
export {
  DEFAULT_DATABASE_URL,
  createDataSource,
  dropDatabase,
  ensureDatabase,
  preparedQuery,
  redactUrl,
  runMigrations,
  withDatabase,
  type DataSourceOptions,
} from './database';
export { ConcurrencyError, PostgresUnreachableError, type ConcurrencyReason } from './errors';
export {
  EventStore,
  type EventStoreOptions,
  type EventStoreSession,
  type ReadAllOptions,
  type ReadStreamOptions,
} from './event-store';
export { LogFollower, type BatchHandler, type FollowerOptions } from './log-follower';
export { EVENTS_CHANNEL } from './queries';
export { rebuildReadModels, type RebuildOptions, type RebuildProgress } from './rebuild';
export {
  LOG_START,
  type AppendOptions,
  type AppendResult,
  type Checkpoint,
  type EventMetadata,
  type ExpectedVersion,
  type NewEvent,
  type Projection,
  type StoredEvent,
} from './types';
