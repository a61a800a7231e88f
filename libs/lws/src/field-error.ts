// Field errors in the shape of k8s.io/apimachinery/pkg/util/validation/field, so a refused manifest
// reads exactly like `kubectl apply` against upstream: "<path>: <Type>: <value>: <detail>".

export type FieldErrorType =
  | 'Invalid'
  | 'Required'
  | 'Forbidden'
  | 'Unsupported value'
  | 'Too long'
  | 'Duplicate'
  | 'Unknown field';

export interface FieldError {
  /** Dotted field path as upstream prints it, e.g. `spec.leaderWorkerTemplate.size`. */
  field: string;
  type: FieldErrorType;
  value?: unknown;
  detail: string;
  /** The full line, e.g. `spec.leaderWorkerTemplate.size: Invalid value: 0: size must be equal or greater than 1`. */
  message: string;
}

/** Renders a bad value the way field.Error does: numbers and booleans bare, strings quoted. */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** Child path: `child('spec', 'replicas')` → `spec.replicas`; indices print as `[i]`. */
export function child(path: string, ...parts: (string | number)[]): string {
  let out = path;
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out = out === '' ? part : `${out}.${part}`;
  }
  return out;
}

function make(
  field: string,
  type: FieldErrorType,
  body: string,
  detail: string,
  value?: unknown,
  hasValue = false,
): FieldError {
  const message = detail ? `${field}: ${body}: ${detail}` : `${field}: ${body}`;
  const error: FieldError = { field, type, detail, message };
  if (hasValue) error.value = value;
  return error;
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return make(field, 'Invalid', `Invalid value: ${renderValue(value)}`, detail, value, true);
}

/** An Invalid error whose value is not printed (field.Invalid with an omitted value). */
export function invalidNoValue(field: string, detail: string): FieldError {
  return make(field, 'Invalid', 'Invalid value', detail);
}

export function required(field: string, detail = ''): FieldError {
  return make(field, 'Required', 'Required value', detail);
}

export function forbidden(field: string, detail: string): FieldError {
  return make(field, 'Forbidden', 'Forbidden', detail);
}

export function tooLong(field: string, detail: string): FieldError {
  return make(field, 'Too long', 'Too long', detail);
}

export function duplicate(field: string, value: unknown): FieldError {
  return make(field, 'Duplicate', `Duplicate value: ${renderValue(value)}`, '', value, true);
}

export function notSupported(
  field: string,
  value: unknown,
  supported: readonly string[],
): FieldError {
  const detail = `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`;
  return make(
    field,
    'Unsupported value',
    `Unsupported value: ${renderValue(value)}`,
    detail,
    value,
    true,
  );
}

/** Strict field validation's wording for a field the schema does not declare. */
export function unknownField(field: string): FieldError {
  return {
    field,
    type: 'Unknown field',
    detail: 'unknown field',
    message: `unknown field "${field}"`,
  };
}
