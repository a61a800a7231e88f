/**
 * How a failed Kubernetes API call should be treated (STYLE.md §11): `permanent` (the request itself is
 * wrong: record it, do not retry), `transient` (retry with capped backoff and jitter), `throttled`
 * (429: back off for Retry-After without counting an attempt), or the outcomes a reconcile expects
 * and handles itself (`notFound`, `alreadyExists`, `conflict`).
 */
export type ApiFailureKind =
  'permanent' | 'transient' | 'throttled' | 'notFound' | 'alreadyExists' | 'conflict';

export interface ApiFailure {
  kind: ApiFailureKind;
  /** HTTP status, when there was a response. */
  status?: number;
  /** Kubernetes Status reason (NotFound, AlreadyExists, Invalid, …) or the network error code. */
  reason: string;
  message: string;
  /** From Retry-After, for throttled (and some 5xx) answers. */
  retryAfterMs?: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as Record<string, unknown> & { get?: (n: string) => string | null };
  if (typeof h.get === 'function') return h.get(name) ?? undefined;
  const value = h[name] ?? h[name.toLowerCase()];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

function statusBody(body: unknown): { reason?: string; message?: string } {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return { message: body.slice(0, 300) };
    }
  }
  return (body as { reason?: string; message?: string }) ?? {};
}

/** Classifies an error thrown by @kubernetes/client-node (ApiException, watch Error, or a network error). */
export function classifyApiError(error: unknown): ApiFailure {
  const e = error as {
    code?: unknown;
    statusCode?: number;
    body?: unknown;
    headers?: unknown;
    message?: string;
    cause?: { code?: string; message?: string };
    name?: string;
  };
  const status =
    typeof e?.code === 'number'
      ? e.code
      : typeof e?.statusCode === 'number'
        ? e.statusCode
        : undefined;
  if (status === undefined) {
    const code = (typeof e?.code === 'string' ? e.code : undefined) ?? e?.cause?.code;
    const reason = code ?? e?.name ?? 'Error';
    const transient =
      (code && NETWORK_CODES.has(code)) ||
      e?.name === 'TimeoutError' ||
      e?.name === 'AbortError' ||
      /fetch failed|socket|network|timeout/i.test(e?.message ?? '');
    return {
      kind: transient ? 'transient' : 'permanent',
      reason,
      message: e?.cause?.message ?? e?.message ?? String(error),
    };
  }
  const body = statusBody(e.body);
  const reason = body.reason ?? `HTTP${status}`;
  const message = body.message ?? e.message ?? `HTTP ${status}`;
  const retryAfter = Number(headerValue(e.headers, 'retry-after'));
  const retryAfterMs =
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (status === 429)
    return { kind: 'throttled', status, reason, message, retryAfterMs: retryAfterMs ?? 1000 };
  if (status === 404) return { kind: 'notFound', status, reason, message };
  if (status === 409)
    return {
      kind: reason === 'AlreadyExists' ? 'alreadyExists' : 'conflict',
      status,
      reason,
      message,
    };
  if (status >= 500 || status === 408)
    return { kind: 'transient', status, reason, message, retryAfterMs };
  return { kind: 'permanent', status, reason, message };
}
