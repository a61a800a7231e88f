// The one entry point the API calls: text in, an admitted LeaderWorkerSet (or every reason it is
// refused) out. parse → aliases → defaults → validate (→ update rules when replacing one).
import { normaliseAliases } from './aliases';
import { defaultLeaderWorkerSet } from './defaults';
import type { FieldError } from './field-error';
import { goJsonMarshal, templateHash } from './hash';
import { decodeManifestText } from './parse';
import type { LeaderWorkerSet } from './types';
import { validateLeaderWorkerSet, validateRequired, validateUpdate } from './validation';

export type AdmitResult =
  | { ok: true; lws: LeaderWorkerSet; notices: string[]; templateHash: string }
  | { ok: false; errors: FieldError[] };

export function admitLeaderWorkerSet(text: string, previous?: LeaderWorkerSet): AdmitResult {
  const decoded = decodeManifestText(text);
  if (!decoded.ok) return decoded;

  const manifest = decoded.manifest;
  const notices = normaliseAliases(manifest);
  const invalidPaths = new Set(decoded.invalidPaths);
  const requiredErrors = validateRequired(manifest, { invalidPaths });
  for (const error of requiredErrors) invalidPaths.add(error.field);

  const defaulted = defaultLeaderWorkerSet(manifest);
  notices.push(...defaulted.notices);
  const lws = defaulted.lws;

  const errors = [
    ...decoded.errors,
    ...requiredErrors,
    ...validateLeaderWorkerSet(lws, { invalidPaths }),
  ];
  if (previous) errors.push(...validateUpdate(previous, lws));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, lws, notices, templateHash: templateHash(lws.spec) };
}

/** Top-level parts of an LWS whose changes are reported separately, in this order. */
const METADATA_FIELDS = ['labels', 'annotations'] as const;

/**
 * What changed between two defaulted LeaderWorkerSets, as field paths: `metadata.labels`,
 * `metadata.annotations` and each top-level spec field (`spec.replicas`,
 * `spec.leaderWorkerTemplate`, `spec.rolloutStrategy`, `spec.startupPolicy`,
 * `spec.networkConfig`). Empty means no change. Key order never counts as a change.
 */
export function changedFields(previous: LeaderWorkerSet, next: LeaderWorkerSet): string[] {
  const changed: string[] = [];
  for (const field of ['name', 'namespace'] as const) {
    if (previous.metadata[field] !== next.metadata[field]) changed.push(`metadata.${field}`);
  }
  for (const field of METADATA_FIELDS) {
    if (
      !sameContent(emptyAsAbsent(previous.metadata[field]), emptyAsAbsent(next.metadata[field]))
    ) {
      changed.push(`metadata.${field}`);
    }
  }
  const prevSpec = previous.spec as unknown as Record<string, unknown>;
  const nextSpec = next.spec as unknown as Record<string, unknown>;
  const specKeys = [...new Set([...Object.keys(prevSpec), ...Object.keys(nextSpec)])].sort(
    (a, b) => specOrder(a) - specOrder(b) || (a < b ? -1 : 1),
  );
  for (const key of specKeys) {
    if (!sameContent(prevSpec[key], nextSpec[key])) changed.push(`spec.${key}`);
  }
  return changed;
}

const SPEC_ORDER = [
  'replicas',
  'leaderWorkerTemplate',
  'rolloutStrategy',
  'startupPolicy',
  'networkConfig',
];

function specOrder(key: string): number {
  const i = SPEC_ORDER.indexOf(key);
  return i === -1 ? SPEC_ORDER.length : i;
}

function emptyAsAbsent(
  map: Record<string, string> | undefined,
): Record<string, string> | undefined {
  return map && Object.keys(map).length > 0 ? map : undefined;
}

function sameContent(a: unknown, b: unknown): boolean {
  return goJsonMarshal(a ?? null) === goJsonMarshal(b ?? null);
}
