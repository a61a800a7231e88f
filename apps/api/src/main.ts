import { loadConfigOrExit } from './config';
import { createLogger } from './logger';
import { startWorkers } from '../../worker/src/start-workers';
import { startApiServer } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  try {
    const server = await startApiServer(config, logger);
    // LWS_WORKERS=0 runs the API alone (workers elsewhere: node dist/apps/worker/src/main.js).
    const workers =
      process.env.LWS_WORKERS === '0'
        ? undefined
        : await startWorkers(config, server.dataSource, server.secretBox, logger);
    logger.info(
      { url: server.url, workers: Boolean(workers) },
      `lws-fleet API listening on ${server.url}`,
    );
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      await workers?.stop();
      await server.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  } catch (error) {
    // Unreachable services and bad configuration are expected failures: one clear line, no stack.
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal(message);
    console.error(`lws-fleet: ${message}`);
    process.exit(1);
  }
}

void main();
