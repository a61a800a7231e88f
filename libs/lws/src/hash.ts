// The template revision hash (lws-reference §4.2, pkg/utils/revision/revision_utils.go):
// only `leaderWorkerTemplate` and `networkConfig` are versioned. The patch upstream stores in a
// ControllerRevision is
//   {"spec":{"leaderWorkerTemplate":{"$patch":"replace",…},"networkConfig":{"$patch":"replace",…}}}
// serialised like Go's json.Marshal of a map (keys sorted at every level, <, >, & escaped), hashed
// with 32-bit FNV-1 (not 1a), printed as a decimal and passed through rand.SafeEncodeString.
// The content hashed is the defaulted, normalised model, so equal content always gives an equal
// hash; it is not byte-identical to what the Go controller would hash (Go also serialises zero
// values such as `creationTimestamp: null`), which only matters for adopting Go-made revisions.
import { DEFAULT_SUBDOMAIN_POLICY } from './constants';
import type { LeaderWorkerSetSpec } from './types';

const PATCH_REPLACE = { $patch: 'replace' };

/** The revision patch upstream stores as ControllerRevision data, as canonical JSON text. */
export function templatePatch(
  spec: Pick<LeaderWorkerSetSpec, 'leaderWorkerTemplate' | 'networkConfig'>,
): string {
  // A missing networkConfig hashes like Shared, so defaulting it never starts a rollout.
  const networkConfig = spec.networkConfig ?? { subdomainPolicy: DEFAULT_SUBDOMAIN_POLICY };
  const patch = {
    spec: {
      leaderWorkerTemplate: { ...spec.leaderWorkerTemplate, ...PATCH_REPLACE },
      networkConfig: { ...networkConfig, ...PATCH_REPLACE },
    },
  };
  return goJsonMarshal(patch);
}

/** The `leaderworkerset.sigs.k8s.io/template-revision-hash` value for a (defaulted) spec. */
export function templateHash(
  spec: Pick<LeaderWorkerSetSpec, 'leaderWorkerTemplate' | 'networkConfig'>,
): string {
  return safeEncodeString(String(fnv1String(templatePatch(spec))));
}

/** JSON with map keys sorted by code unit at every level and Go's HTML-safe escapes. */
export function goJsonMarshal(value: unknown): string {
  return escapeLikeGo(JSON.stringify(sortKeys(value)) ?? 'null');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map((item) => (item === undefined ? null : sortKeys(item)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

function escapeLikeGo(json: string): string {
  return json.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** 32-bit FNV-1 (multiply, then xor) over the UTF-8 bytes, as Go's fnv.New32(). */
export function fnv1String(text: string): number {
  return fnv1(new TextEncoder().encode(text));
}

export function fnv1(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash = Math.imul(hash, 0x01000193) >>> 0;
    hash = (hash ^ byte) >>> 0;
  }
  return hash;
}

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: no vowels, no confusable characters. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHANUMS[ch.charCodeAt(0) % SAFE_ALPHANUMS.length];
  return out;
}
