import { badUserInput } from './errors';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** `first` clamped to MAX_PAGE_SIZE; a negative value is an input error naming the argument. */
export function pageSize(first: number | null | undefined, argument = 'first'): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) {
    throw badUserInput(`${argument} must be a non-negative integer`, [
      { field: argument, message: 'must be a non-negative integer' },
    ]);
  }
  return Math.min(first, MAX_PAGE_SIZE);
}

/** Opaque cursors: base64url of a JSON array of the sort key. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, argument: string, arity: number): unknown[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity) return key;
  } catch {
    // fall through to the input error
  }
  throw badUserInput(`${argument} is not a cursor returned by this API`, [
    { field: argument, message: 'is not a valid cursor' },
  ]);
}
