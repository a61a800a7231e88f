import type { DataSource } from 'typeorm';
import { EventStore } from '../../../libs/events/src';
import type { SecretBox } from '../../../libs/kube/src';
import { readModelProjections } from '../../api/src/app.module';
import type { AppConfig } from '../../api/src/config';
import type { Logger } from '../../api/src/logger';
import { FleetWorker } from './fleet-worker';

/** The fleet worker on an API process's database connection and key: what `npm start` runs beside the API. */
export async function startWorkers(
  config: AppConfig,
  db: DataSource,
  secretBox: SecretBox,
  logger: Logger,
): Promise<FleetWorker> {
  const worker = new FleetWorker({
    db,
    store: new EventStore(db, { projections: readModelProjections }),
    redisUrl: config.redisUrl,
    secretBox,
    logger,
  });
  await worker.start();
  return worker;
}
