import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Who is asking and the id that ties together everything done for this request. */
export interface RequestContext {
  actor: string;
  correlationId: string;
}

const ACTOR_HEADER = 'x-lws-actor';
const CORRELATION_HEADER = 'x-correlation-id';
const SAFE = /^[A-Za-z0-9@._:/-]{1,128}$/;

/**
 * Until authentication lands, the actor is what the caller says in `X-LWS-Actor` (default
 * `anonymous`); the correlation id is the caller's `X-Correlation-Id` or a new uuid.
 */
export function requestContextFrom(headers: IncomingHttpHeaders): RequestContext {
  const actor = String(headers[ACTOR_HEADER] ?? '').trim();
  const correlationId = String(headers[CORRELATION_HEADER] ?? '').trim();
  return {
    actor: SAFE.test(actor) ? actor : 'anonymous',
    correlationId: SAFE.test(correlationId) ? correlationId : randomUUID(),
  };
}
