/**
 * The error vocabulary of the API. Services throw AppError; the GraphQL edge (formatError) turns it
 * into `extensions.code` (+ details). Anything else becomes INTERNAL_SERVER_ERROR without its message
 * or stack.
 */
export enum ErrorCode {
  BadUserInput = 'BAD_USER_INPUT',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
}

/** One problem with the input, at a field path (`spec.replicas`, `kubeconfig`, `cluster`, …). */
export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function badUserInput(message: string, problems: FieldProblem[] = []): AppError {
  return new AppError(ErrorCode.BadUserInput, message, { fieldErrors: problems });
}

export function notFound(message: string): AppError {
  return new AppError(ErrorCode.NotFound, message);
}

export function conflict(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(ErrorCode.Conflict, message, details);
}
