import { STATUS_CODES } from 'node:http';
import { HttpMethod, RequestContext, type KubeConfig, type Watch } from '@kubernetes/client-node';
import { request, type Dispatcher } from 'undici';

/**
 * client-node's `Watch` on undici's `request`: the same URL, query, authentication (the
 * kubeconfig's headers and dispatcher), event callback and `done` contract, so client-node's
 * `ListWatch` (informer) runs on it unchanged. client-node's own `Watch` reads the stream through
 * `fetch`, a web stream turned into a Node stream and `readline`, and resets a timer per chunk:
 * most of the CPU of a busy watch. This one splits lines itself and refreshes one timer.
 */
export class UndiciWatch implements Pick<Watch, 'watch'> {
  /** Inactivity timeout, as client-node's: no byte for this long ends the watch with an error. */
  requestTimeoutMs = 30_000;

  constructor(private readonly config: KubeConfig) {}

  async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error('No currently active cluster');
    const url = new URL(cluster.server + path);
    url.searchParams.set('watch', 'true');
    for (const [key, value] of Object.entries(queryParams ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.requestTimeoutMs);
    timer.unref();
    let finished = false;
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      controller.abort();
      done(
        err && timedOut
          ? new DOMException('The operation was aborted due to timeout', 'TimeoutError')
          : err,
      );
    };

    const context = new RequestContext(url.toString(), HttpMethod.GET);
    await this.config.applySecurityAuthentication(context);
    try {
      const response = await request(url, {
        method: 'GET',
        headers: context.getHeaders(),
        dispatcher: context.getDispatcher() as Dispatcher | undefined,
        signal: controller.signal,
      });
      if (response.statusCode !== 200) {
        await response.body.dump().catch(() => undefined);
        const error = new Error(STATUS_CODES[response.statusCode] ?? 'Internal Server Error');
        (error as Error & { statusCode: number }).statusCode = response.statusCode;
        throw error;
      }
      timer.refresh(); // from here on, an inactivity timeout
      const body = response.body;
      body.setEncoding('utf8');
      let pending = '';
      body.on('data', (chunk: string) => {
        timer.refresh();
        pending += chunk;
        let end = pending.indexOf('\n');
        if (end < 0) return;
        let start = 0;
        while (end >= 0) {
          const line = pending.slice(start, end);
          start = end + 1;
          end = pending.indexOf('\n', start);
          if (!line.trim()) continue;
          try {
            const event = JSON.parse(line) as { type: string; object: unknown };
            callback(event.type, event.object, event);
          } catch {
            // As client-node: a line that does not parse is skipped.
          }
        }
        pending = pending.slice(start);
      });
      body.on('error', finish);
      body.on('end', () => finish(null));
      body.on('close', () => finish(null));
    } catch (err) {
      finish(err);
    }
    return controller;
  }
}
