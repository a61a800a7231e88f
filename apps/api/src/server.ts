import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { SecretBox, loadEncryptionKey } from '../../../libs/kube/src';
import { AppModule } from './app.module';
import type { AppConfig } from './config';
import type { Logger } from './logger';
import { preflight } from './preflight';

/** Request bodies up to this size reach GraphQL, so an oversize manifest gets a clear field error. */
const BODY_LIMIT = '8mb';

export interface ApiServer {
  app: NestExpressApplication;
  dataSource: DataSource;
  /** Seals and opens kubeconfigs (the workers open them with the same key). */
  secretBox: SecretBox;
  /** The URL of the GraphQL endpoint. */
  url: string;
  close(): Promise<void>;
}

/** Preflight, then the Nest application, listening. Used by main.ts and by the end-to-end tests. */
export async function startApiServer(config: AppConfig, logger: Logger): Promise<ApiServer> {
  const dataSource = await preflight(config, logger);
  const key = loadEncryptionKey(config.encryptionKey, join(config.dataDir, 'encryption.key'), (m) =>
    logger.warn(m),
  );
  const secretBox = new SecretBox(key);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ dataSource, secretBox, logger }),
    {
      logger: false,
      bodyParser: false,
    },
  );
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${address.port}/graphql`;
  return {
    app,
    dataSource,
    secretBox,
    url,
    async close() {
      await app.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
