import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { migrations } from '../../../../migrations';
import {
  DEFAULT_DATABASE_URL,
  createDataSource,
  dropDatabase,
  ensureDatabase,
  runMigrations,
  withDatabase,
} from '../database';

export interface TestDatabase {
  /** URL of the new database. */
  url: string;
  /** Initialized and migrated. */
  dataSource: DataSource;
  /** Closes the data source and drops the database (terminating any other connection). */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Pool size of `dataSource` (default 10). */
  poolSize?: number;
}

/**
 * A fresh database `lws_test_<prefix>_<random>` on the server of `DATABASE_URL`, with every
 * migration applied. Call `drop()` in `after()`.
 */
export async function createTestDatabase(
  prefix: string,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const safe = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 30);
  const name = `lws_test_${safe}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, name);
  await ensureDatabase(url);
  let dataSource: DataSource;
  try {
    dataSource = await createDataSource(url, {
      migrations,
      poolSize: options.poolSize,
      applicationName: `lws-test:${safe}`,
    });
    await runMigrations(dataSource);
  } catch (err) {
    await dropDatabase(url).catch(() => undefined);
    throw err;
  }
  let dropped = false;
  return {
    url,
    dataSource,
    async drop() {
      if (dropped) return;
      dropped = true;
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase(url);
    },
  };
}
