import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  APPLY,
  REGISTER,
  codes,
  startApi,
  tokenKubeconfig,
  type ApiHarness,
} from '../support/api-harness';
import { examplesDir } from '../support/paths';

describe('subscription leaderWorkerSetEvents (graphql-ws)', () => {
  let api: ApiHarness;
  let client: Client;
  const manifest = readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8');
  before(async () => {
    api = await startApi('subscription');
    await api.gql(REGISTER, { input: { name: 'east', kubeconfig: tokenKubeconfig('east') } });
    assert.deepEqual(codes(await api.gql(APPLY, { input: { manifest } })), []);
    client = createClient({
      url: api.server.url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
  });
  after(async () => {
    await client?.dispose();
    await api?.close();
  });

  test('streams the events recorded after subscribing, in order', async () => {
    const received: Array<{ type: string; position: number; actor: string }> = [];
    let unsubscribe = () => {};
    const done = new Promise<void>((resolve, reject) => {
      unsubscribe = client.subscribe<{
        leaderWorkerSetEvents: { type: string; position: number; actor: string };
      }>(
        {
          query: `subscription { leaderWorkerSetEvents(name: "leaderworkerset-sample") { type position actor } }`,
        },
        {
          next: (message) => {
            if (message.errors) return reject(new Error(JSON.stringify(message.errors)));
            received.push(message.data!.leaderWorkerSetEvents);
            if (received.length === 2) resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    // Give the server a moment to register the subscription before the changes happen.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      codes(
        await api.gql(
          `mutation { scaleLeaderWorkerSet(name: "leaderworkerset-sample", replicas: 4) { generation } }`,
          {},
          { 'x-lws-actor': 'alice' },
        ),
      ),
      [],
    );
    assert.deepEqual(
      codes(
        await api.gql(
          `mutation { scaleLeaderWorkerSet(name: "leaderworkerset-sample", replicas: 5) { generation } }`,
          {},
          { 'x-lws-actor': 'bob' },
        ),
      ),
      [],
    );
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`only got ${JSON.stringify(received)}`)), 10000),
      ),
    ]);
    unsubscribe();
    assert.deepEqual(received, [
      { type: 'LeaderWorkerSetScaled', position: 3, actor: 'alice' },
      { type: 'LeaderWorkerSetScaled', position: 4, actor: 'bob' },
    ]);
  });

  test('an unknown LeaderWorkerSet is NOT_FOUND', async () => {
    const error = await new Promise<any>((resolve) => {
      client.subscribe(
        { query: `subscription { leaderWorkerSetEvents(name: "nope") { type } }` },
        {
          next: (message) => resolve(message.errors?.[0]),
          error: (e) => resolve(Array.isArray(e) ? e[0] : e),
          complete: () => undefined,
        },
      );
    });
    assert.equal(error?.extensions?.code, 'NOT_FOUND', JSON.stringify(error));
  });
});
