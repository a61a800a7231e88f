import {
  IsomorphicFetchHttpLibrary,
  Observable,
  ResponseContext,
  SelfDecodingBody,
  type HttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';
import { request, type Dispatcher } from 'undici';

/**
 * client-node's transport for API calls, on undici's `request` instead of its WHATWG `fetch`.
 *
 * client-node 2 sends every API call through `fetch` (undici's), which builds a Request, Headers, an
 * AbortSignal and a web ReadableStream per call: most of the CPU of a create on a busy worker. Plugged
 * in through client-node's own extension point (`createConfiguration({ httpApi })`), this sends the
 * same request (URL, method, headers, body, and the dispatcher carrying the kubeconfig's TLS
 * settings) with undici's lower-level `request` and hands client-node the same ResponseContext:
 * authentication, serialization and error handling stay client-node's. A body other than a string
 * (form data, never sent by lws-fleet) goes through client-node's own library.
 */
export class UndiciRequestHttpLibrary implements HttpLibrary {
  private readonly fallback = new IsomorphicFetchHttpLibrary();

  send(context: RequestContext): Observable<ResponseContext> {
    const body = context.getBody();
    if (body !== undefined && typeof body !== 'string') return this.fallback.send(context);
    return new Observable(this.sendWithRequest(context, body));
  }

  private async sendWithRequest(
    context: RequestContext,
    body: string | undefined,
  ): Promise<ResponseContext> {
    const response = await request(context.getUrl(), {
      method: context.getHttpMethod() as Dispatcher.HttpMethod,
      headers: context.getHeaders(),
      body,
      signal: context.getSignal(),
      dispatcher: context.getDispatcher(),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    // Read at once: every caller reads the body, and the connection is free again sooner.
    const bytes = Buffer.from(await response.body.arrayBuffer());
    return new ResponseContext(
      response.statusCode,
      headers,
      new SelfDecodingBody(Promise.resolve(bytes)),
    );
  }
}
