import { Client, type ClientConfig, type Pool, type QueryResultRow } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { PostgresUnreachableError } from './errors';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/lws';

type MigrationClass = new () => MigrationInterface;

export interface DataSourceOptions {
  /** Migration classes, in order (`migrations` from `migrations/index.ts`). */
  migrations?: MigrationClass[];
  /** TypeORM entities, if any code wants the repository API. */
  entities?: NonNullable<ConstructorParameters<typeof DataSource>[0]['entities']>;
  /** Maximum pool connections (default 10). */
  poolSize?: number;
  /** `application_name` seen in `pg_stat_activity`. */
  applicationName?: string;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  '57P03', // cannot_connect_now: the server is starting up or shutting down
]);

/** `url` without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1@');
  }
}

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The database name in `url`. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string') return e.code;
  // Node reports a failed dual-stack connect as an AggregateError.
  if (Array.isArray(e.errors)) return e.errors.map(errorCode).find((c) => c !== undefined);
  return undefined;
}

/** Turns a connection failure into `PostgresUnreachableError`; rethrows anything else. */
export function rethrowConnectionError(err: unknown, url: string): never {
  const code = errorCode(err);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    throw new PostgresUnreachableError(redactUrl(url), code, { cause: err });
  }
  throw err;
}

/**
 * Opens a plain pg client (not pooled) on `url`, with the friendly unreachable error naming
 * `reportUrl` (the URL the user gave, when `url` is the maintenance database).
 */
async function connectClient(url: string, reportUrl: string, config: ClientConfig = {}) {
  const client = new Client({ connectionString: url, ...config });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    rethrowConnectionError(err, reportUrl);
  }
  return client;
}

/**
 * Creates the database named in `url` if it does not exist, through the `postgres` maintenance
 * database. Safe when several processes do it at once.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = await connectClient(withDatabase(url, 'postgres'), url);
  try {
    for (let attempt = 0; ; attempt++) {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount) return;
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
        return;
      } catch (err) {
        const code = errorCode(err);
        // duplicate_database, or the unique index when two creators race
        if (code === '42P04' || code === '23505') return;
        // object_in_use: another CREATE DATABASE is copying template1 right now
        if (code === '55006' && attempt < 20) {
          await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
          continue;
        }
        throw err;
      }
    }
  } finally {
    await admin.end();
  }
}

/** Drops the database named in `url`, terminating its connections first. */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = await connectClient(withDatabase(url, 'postgres'), url);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * An initialized TypeORM DataSource on `url` (pg driver). Throws `PostgresUnreachableError` when
 * the server cannot be reached.
 */
export async function createDataSource(
  url: string,
  options: DataSourceOptions = {},
): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: options.migrations ?? [],
    entities: options.entities ?? [],
    poolSize: options.poolSize ?? 10,
    applicationName: options.applicationName ?? 'lws-fleet',
    migrationsTransactionMode: 'each',
    logging: false,
  });
  try {
    await dataSource.initialize();
  } catch (err) {
    rethrowConnectionError(err, url);
  }
  return dataSource;
}

// Any constant works; it only has to be the same for every process migrating this database.
const MIGRATION_LOCK_KEY = 7_140_326_001;

/**
 * Runs pending migrations, one transaction each, holding an advisory lock (on a connection of
 * its own, so a pool of one works) so that processes starting together do not race. Returns the
 * names of the migrations that ran.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const pool = pgPool(dataSource) as Pool & { options: ClientConfig };
  const lock = new Client({ ...pool.options, application_name: 'lws-migrations' });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    // Closing the session releases the lock.
    await lock.end();
  }
}

/** TypeORM's pg pool behind `dataSource` (for what TypeORM's API does not offer). */
export function pgPool(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * Runs `text` as the named prepared statement `name` on a connection of `dataSource`'s pool:
 * Postgres parses and plans it once per connection instead of on every call (TypeORM's `query`
 * sends unnamed statements). For statements run many times a second; one name, one text.
 */
export async function preparedQuery<R extends QueryResultRow = Record<string, unknown>>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  return (await pgPool(dataSource).query<R>({ name, text, values })).rows;
}
