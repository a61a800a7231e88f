// Public API of libs/lws: the LeaderWorkerSet v1 model, manifest parsing, defaulting, validation
// and the template revision hash. Pure: no I/O, no Nest, no await.
export * from './constants';
export type * from './types';
export type { FieldError, FieldErrorType } from './field-error';
export { parseManifest, MANIFEST_FIELD } from './parse';
export type { ParseResult } from './parse';
export { normaliseAliases } from './aliases';
export { defaultLeaderWorkerSet } from './defaults';
export type { DefaultingResult } from './defaults';
export {
  validateLeaderWorkerSet,
  validateRequired,
  validateUpdate,
  PATH as FIELD_PATHS,
  MSG as VALIDATION_MESSAGES,
} from './validation';
export type { ValidateOptions } from './validation';
export { templateHash, templatePatch } from './hash';
export { scaledValueFromIntOrPercent } from './intstr';
export type { ScaledValue } from './intstr';
export { admitLeaderWorkerSet, changedFields } from './admit';
export type { AdmitResult } from './admit';
