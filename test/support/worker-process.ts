/**
 * One fleet worker as a process of its own, for tests that kill it (SIGKILL: no clean shutdown,
 * leases and active jobs left behind). Configured by the environment the parent passes:
 * DATABASE_URL, REDIS_URL, LWS_ENCRYPTION_KEY (hex), LWS_TEST_REDIS_PREFIX, LWS_TEST_LEASE_MS.
 * Prints `owns <cluster>` once for each cluster it runs.
 */
import { EventStore } from '../../libs/events/src';
import { SecretBox, parseEncryptionKey } from '../../libs/kube/src';
import { readModelProjections } from '../../apps/api/src/app.module';
import { loadConfig } from '../../apps/api/src/config';
import { createLogger } from '../../apps/api/src/logger';
import { preflight } from '../../apps/api/src/preflight';
import { FleetWorker } from '../../apps/worker/src/fleet-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'silent');
  const db = await preflight(config, logger);
  const worker = new FleetWorker({
    db,
    store: new EventStore(db, { projections: readModelProjections }),
    redisUrl: config.redisUrl,
    secretBox: new SecretBox(parseEncryptionKey(config.encryptionKey!)),
    logger,
    prefix: process.env.LWS_TEST_REDIS_PREFIX,
    leaseMs: Number(process.env.LWS_TEST_LEASE_MS ?? 3000),
    resyncMs: 5000,
  });
  await worker.start();
  const told = new Set<string>();
  setInterval(() => {
    for (const cluster of worker.ownedClusters()) {
      if (told.has(cluster)) continue;
      told.add(cluster);
      process.stdout.write(`owns ${cluster}\n`);
    }
  }, 50);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
