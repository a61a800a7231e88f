import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import {
  PostgresUnreachableError,
  createDataSource,
  ensureDatabase,
  redactUrl,
  runMigrations,
} from '../../../libs/events/src';
import { migrations } from '../../../migrations';
import type { AppConfig } from './config';
import type { Logger } from './logger';

export class RedisUnreachableError extends Error {
  constructor(url: string, reason: string) {
    super(
      `Redis is unreachable at ${redactUrl(url)} (${reason}). Start it with: ` +
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
    );
    this.name = 'RedisUnreachableError';
  }
}

/** Fails fast, naming the URL (never its password), when Redis does not answer a PING. */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new RedisUnreachableError(url, e.code ?? e.message);
  } finally {
    redis.disconnect();
  }
}

/**
 * What must hold before the API serves: Postgres reachable, the database created if missing and
 * migrated, Redis reachable.
 */
export async function preflight(config: AppConfig, logger: Logger): Promise<DataSource> {
  try {
    await ensureDatabase(config.databaseUrl);
  } catch (error) {
    // ensureDatabase connects to the maintenance database; name the URL the user configured.
    if (error instanceof PostgresUnreachableError) {
      throw new PostgresUnreachableError(redactUrl(config.databaseUrl), error.code, {
        cause: error,
      });
    }
    throw error;
  }
  const dataSource = await createDataSource(config.databaseUrl, {
    migrations,
    applicationName: 'lws-fleet-api',
  });
  try {
    const ran = await runMigrations(dataSource);
    if (ran.length) logger.info({ migrations: ran }, 'ran database migrations');
    await checkRedis(config.redisUrl);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
