import type { ExpectedVersion } from './types';

export type ConcurrencyReason =
  /** The stream's version is not the expected one: someone else appended first. */
  | 'wrong_expected_version'
  /** Some, but not all, of the event ids of the batch are already in the stream. */
  | 'partial_duplicate'
  /**
   * A transaction that started writing earlier tried to append after a later one had appended to
   * the same stream; it would break per-stream order in the global log. Retrying succeeds.
   */
  | 'transaction_order'
  /** A concurrent append of the same event ids won the race. Retrying returns the stored events. */
  | 'duplicate_race';

/** The append was refused because the stream is not in the state the caller expected. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';

  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    /** The stream's version when the conflict was detected (0 = no stream). */
    readonly actual: number,
    readonly reason: ConcurrencyReason = 'wrong_expected_version',
  ) {
    super(ConcurrencyError.describe(streamId, expected, actual, reason));
  }

  /** Whether repeating the same append (in a new transaction) may succeed. */
  get retryable(): boolean {
    return this.reason === 'transaction_order' || this.reason === 'duplicate_race';
  }

  private static describe(
    streamId: string,
    expected: ExpectedVersion,
    actual: number,
    reason: ConcurrencyReason,
  ): string {
    switch (reason) {
      case 'wrong_expected_version':
        return `stream ${streamId}: expected version ${expected}, actual version ${actual}`;
      case 'partial_duplicate':
        return `stream ${streamId}: some but not all event ids of the batch are already stored`;
      case 'transaction_order':
        return `stream ${streamId}: a later transaction appended first; retry the append`;
      case 'duplicate_race':
        return `stream ${streamId}: a concurrent append stored the same event ids; retry the append`;
    }
  }
}

/** Postgres cannot be reached; the message says where and how to start it. */
export class PostgresUnreachableError extends Error {
  override readonly name = 'PostgresUnreachableError';

  constructor(
    /** The URL without its password. */
    readonly url: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Postgres is unreachable at ${url} (${code}). ` +
        'Start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start',
      options,
    );
  }
}
