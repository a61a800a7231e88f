import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyApiError } from './api-errors';

const apiException = (code: number, reason: string, headers: Record<string, string> = {}) => ({
  code,
  body: JSON.stringify({ kind: 'Status', reason, message: `${reason} happened` }),
  headers,
  message: `HTTP-Code: ${code}`,
});

describe('classifyApiError', () => {
  const cases: Array<[string, unknown, string, Partial<ReturnType<typeof classifyApiError>>]> = [
    [
      '500',
      apiException(500, 'InternalError'),
      'transient',
      { status: 500, reason: 'InternalError' },
    ],
    ['503', apiException(503, 'ServiceUnavailable'), 'transient', {}],
    [
      '429 with Retry-After',
      apiException(429, 'TooManyRequests', { 'retry-after': '3' }),
      'throttled',
      { retryAfterMs: 3000 },
    ],
    [
      '429 without Retry-After',
      apiException(429, 'TooManyRequests'),
      'throttled',
      { retryAfterMs: 1000 },
    ],
    ['404', apiException(404, 'NotFound'), 'notFound', {}],
    ['409 AlreadyExists', apiException(409, 'AlreadyExists'), 'alreadyExists', {}],
    ['409 Conflict', apiException(409, 'Conflict'), 'conflict', {}],
    ['422 Invalid', apiException(422, 'Invalid'), 'permanent', { message: 'Invalid happened' }],
    ['403', apiException(403, 'Forbidden'), 'permanent', {}],
    [
      'connection refused',
      Object.assign(new TypeError('fetch failed'), {
        cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
      }),
      'transient',
      { reason: 'ECONNREFUSED' },
    ],
    [
      'watch error with statusCode',
      Object.assign(new Error('Internal Server Error'), { statusCode: 500 }),
      'transient',
      { status: 500 },
    ],
    ['a bug', new RangeError('bad'), 'permanent', {}],
  ];
  for (const [name, error, kind, extra] of cases) {
    test(name, () => {
      const failure = classifyApiError(error);
      assert.equal(failure.kind, kind);
      for (const [key, value] of Object.entries(extra))
        assert.equal((failure as any)[key], value, key);
    });
  }
});
