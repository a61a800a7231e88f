/**
 * A worker process alone (no API): reconciles the clusters whose leases it wins. Start several to
 * spread the clusters; a dead one's clusters move to the others when its leases lapse.
 */
import { join } from 'node:path';
import { EventStore } from '../../../libs/events/src';
import { SecretBox, loadEncryptionKey } from '../../../libs/kube/src';
import { readModelProjections } from '../../api/src/app.module';
import { loadConfigOrExit } from '../../api/src/config';
import { createLogger } from '../../api/src/logger';
import { preflight } from '../../api/src/preflight';
import { FleetWorker } from './fleet-worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  try {
    const db = await preflight(config, logger);
    const key = loadEncryptionKey(
      config.encryptionKey,
      join(config.dataDir, 'encryption.key'),
      (m) => logger.warn(m),
    );
    const worker = new FleetWorker({
      db,
      store: new EventStore(db, { projections: readModelProjections }),
      redisUrl: config.redisUrl,
      secretBox: new SecretBox(key),
      logger,
    });
    await worker.start();
    logger.info({ worker: worker.id }, 'lws-fleet worker started');
    const stop = async (signal: string) => {
      logger.info({ signal }, 'worker shutting down');
      await worker.stop();
      await db.destroy();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal(message);
    console.error(`lws-fleet worker: ${message}`);
    process.exit(1);
  }
}

void main();
