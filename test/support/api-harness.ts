import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../libs/events/src/testing/test-database';
import { loadConfig } from '../../apps/api/src/config';
import { createLogger } from '../../apps/api/src/logger';
import { startApiServer, type ApiServer } from '../../apps/api/src/server';
import { SecretBox } from '../../libs/kube/src';

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface ApiHarness {
  server: ApiServer;
  /** The box the API seals kubeconfigs with (workers open them with it). */
  secretBox: SecretBox;
  /** That key, hex (for a worker started as its own process). */
  encryptionKey: string;
  db: TestDatabase;
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  /** Row counts of the event log and every read model, to prove that bad input changed nothing. */
  snapshot(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A real API server on its own fresh database (real Postgres, real Redis), listening on a free port. */
export async function startApi(prefix: string): Promise<ApiHarness> {
  const db = await createTestDatabase(prefix);
  const encryptionKey = randomBytes(32);
  const config = {
    ...loadConfig({}),
    port: 0,
    databaseUrl: db.url,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    encryptionKey: encryptionKey.toString('hex'),
    dataDir: mkdtempSync(join(tmpdir(), 'lws-api-')),
  };
  const server = await startApiServer(config, createLogger(process.env.LOG_LEVEL ?? 'silent'));
  return {
    server,
    secretBox: new SecretBox(encryptionKey),
    encryptionKey: encryptionKey.toString('hex'),
    db,
    async gql(query, variables = {}, headers = {}) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-lws-actor': 'tester', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<any>;
    },
    async snapshot() {
      const ds = server.dataSource;
      const out: Record<string, unknown> = {};
      for (const table of ['events', 'clusters', 'leader_worker_sets', 'lws_revisions']) {
        out[table] = await ds.query(
          `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest, count(*) FROM ${table} t`,
        );
      }
      return out;
    },
    async close() {
      await server.close();
      await db.drop();
    },
  };
}

export function tokenKubeconfig(
  name: string,
  server = 'http://127.0.0.1:6443',
  token = 'sim-token-' + name,
): string {
  return `apiVersion: v1
kind: Config
current-context: ${name}
clusters:
- name: ${name}
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
contexts:
- name: ${name}
  context: { cluster: ${name}, user: ${name}-admin }
users:
- name: ${name}-admin
  user:
    token: ${token}
`;
}

export const REGISTER = `mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { name server credentialKind registeredAt registeredBy } }`;
export const APPLY = `mutation($input: ApplyLeaderWorkerSetInput!) {
  applyLeaderWorkerSet(input: $input) { uid namespace name generation cluster manifest spec currentRevision templateHash notices }
}`;

/** The codes of a response's errors (empty when it succeeded). */
export function codes(response: GraphQLResponse): string[] {
  return (response.errors ?? []).map((e) => String(e.extensions?.code));
}
