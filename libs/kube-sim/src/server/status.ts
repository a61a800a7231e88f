/** Kubernetes `Status` bodies, the only error shape kubectl and client-node understand. */
import type { ServerResponse } from 'node:http';

import { reasonFor } from '../faults/api-faults';
import { StoreError } from '../store/types';

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code: number;
}

export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): StatusBody {
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) body.details = details;
  return body;
}

export function successStatus(details?: Record<string, unknown>): StatusBody {
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code: 200,
  };
  if (details) body.details = details;
  return body;
}

export function errorToStatus(err: unknown): StatusBody {
  if (err instanceof StoreError) return statusBody(err.code, err.reason, err.message, err.details);
  if (err instanceof HttpError) return statusBody(err.code, err.reason, err.message, err.details);
  const message = err instanceof Error ? err.message : String(err);
  return statusBody(500, 'InternalError', `Internal error occurred: ${message}`);
}

/** An error raised by the HTTP layer itself (bad request, unsupported media type, …). */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly reason: string = reasonFor(code),
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: string,
  headers: Record<string, string | number> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(body);
}

export function sendStatus(
  res: ServerResponse,
  status: StatusBody,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status.code, JSON.stringify(status), headers);
}
