import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { USER_AGENT, classifyApiError, connectCluster } from '../../libs/kube/src';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const kubeconfig = (server: string) => `
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${server}", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: secret-token}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`;

/**
 * API calls go through client-node with lws-fleet's transport (undici `request` instead of
 * `fetch`): what reaches the server and what comes back must be what client-node itself gives.
 */
describe("client-node API calls on lws-fleet's transport", () => {
  let server: Server;
  let url: string;
  const seen: Seen[] = [];
  let reply: (req: Seen) => { status: number; headers?: Record<string, string>; body: unknown };

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const s = { method: req.method!, url: req.url!, headers: req.headers, body };
        seen.push(s);
        const r = reply(s);
        res.writeHead(r.status, { 'Content-Type': 'application/json', ...r.headers });
        res.end(JSON.stringify(r.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a create sends the JSON body, the token and our user agent, and returns the typed object', async () => {
    reply = (req) => ({
      status: 201,
      body: { ...JSON.parse(req.body), metadata: { name: 'p', uid: 'u-1', namespace: 'team' } },
    });
    const { core } = connectCluster('c', kubeconfig(url));
    const pod = await core.createNamespacedPod({
      namespace: 'team',
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
    });
    const req = seen.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/api/v1/namespaces/team/pods');
    assert.equal(req.headers.authorization, 'Bearer secret-token');
    assert.equal(req.headers['user-agent'], USER_AGENT);
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req.body).spec.containers, [{ name: 'c', image: 'i' }]);
    assert.equal(pod.metadata?.uid, 'u-1');
    assert.equal(pod.spec?.containers[0].image, 'i');
  });

  test('a merge patch keeps its content type', async () => {
    reply = () => ({ status: 200, body: { metadata: { name: 'p' } } });
    const { core } = connectCluster('c', kubeconfig(url));
    await core.patchNamespacedPod(
      { namespace: 'team', name: 'p', body: { metadata: { labels: { a: 'b' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const req = seen.at(-1)!;
    assert.equal(req.method, 'PATCH');
    assert.equal(req.headers['content-type'], 'application/merge-patch+json');
    assert.deepEqual(JSON.parse(req.body), { metadata: { labels: { a: 'b' } } });
  });

  test('errors keep their status, Status body and headers (409, 429 with Retry-After)', async () => {
    const { core } = connectCluster('c', kubeconfig(url));
    reply = () => ({
      status: 409,
      body: { kind: 'Status', reason: 'AlreadyExists', message: 'pods "p" already exists' },
    });
    const conflict = await core.readNamespacedPod({ namespace: 'team', name: 'p' }).then(
      () => assert.fail('a 409 must throw'),
      (error: unknown) => error,
    );
    assert.equal(classifyApiError(conflict).kind, 'alreadyExists');
    assert.equal(classifyApiError(conflict).message, 'pods "p" already exists');

    reply = () => ({
      status: 429,
      headers: { 'Retry-After': '2' },
      body: { kind: 'Status', reason: 'TooManyRequests', message: 'slow down' },
    });
    const throttled = await core.listNamespacedPod({ namespace: 'team' }).then(
      () => assert.fail('a 429 must throw'),
      (error: unknown) => error,
    );
    assert.deepEqual(
      {
        kind: classifyApiError(throttled).kind,
        retryAfterMs: classifyApiError(throttled).retryAfterMs,
      },
      { kind: 'throttled', retryAfterMs: 2000 },
    );
  });
});
