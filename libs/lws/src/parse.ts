// Manifest text → a typed LeaderWorkerSetManifest. Two stages: syntax (size, YAML/JSON, exactly one
// document, an object, the right apiVersion and kind) and schema (the field types of the v1 CRD,
// with strict field validation: a field the schema does not declare is refused as
// `unknown field "spec.foo"`, which is what `kubectl apply` gets from an API server since
// Kubernetes 1.27). Enum values, ranges and cross-field rules are validation's job, after aliases
// and defaults, exactly as upstream checks them after its mutating webhook.
import { isScalar, parseAllDocuments } from 'yaml';
import { LWS_API_VERSION, LWS_KIND, MAX_INT32, MAX_MANIFEST_BYTES, MIN_INT32 } from './constants';
import {
  child,
  FieldError,
  invalid,
  invalidNoValue,
  notSupported,
  required,
  tooLong,
  unknownField,
} from './field-error';
import { locateJsonError } from './json-locate';
import type { LeaderWorkerSetManifest } from './types';

/** Path of parse errors about the text as a whole (the API's `manifest` input field). */
export const MANIFEST_FIELD = 'manifest';

export type ParseResult =
  { ok: true; manifest: LeaderWorkerSetManifest } | { ok: false; errors: FieldError[] };

/** Parses YAML or JSON text holding exactly one `leaderworkerset.x-k8s.io/v1` LeaderWorkerSet. */
export function parseManifest(text: string): ParseResult {
  const decoded = decodeManifestText(text);
  if (!decoded.ok) return decoded;
  if (decoded.errors.length > 0) return { ok: false, errors: decoded.errors };
  return { ok: true, manifest: decoded.manifest };
}

/**
 * The schema stage keeps going past type errors so that validation can still report every other
 * violation; `invalidPaths` names the fields dropped for having the wrong type, so that rules
 * depending on them are skipped rather than run on a default.
 */
export interface DecodedManifest {
  ok: true;
  manifest: LeaderWorkerSetManifest;
  errors: FieldError[];
  invalidPaths: ReadonlySet<string>;
}

export function decodeManifestText(
  text: string,
): DecodedManifest | { ok: false; errors: FieldError[] } {
  const syntax = parseSyntax(text);
  if (!syntax.ok) return syntax;
  return decodeManifestObject(syntax.value);
}

type SyntaxResult = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

function parseSyntax(text: string): SyntaxResult {
  const fail = (error: FieldError): SyntaxResult => ({ ok: false, errors: [error] });
  if (typeof text !== 'string') {
    return fail(invalidNoValue(MANIFEST_FIELD, 'must be YAML or JSON text'));
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) {
    return fail(
      tooLong(
        MANIFEST_FIELD,
        `manifest is ${bytes} bytes, larger than the limit of ${MAX_MANIFEST_BYTES} bytes (1 MiB)`,
      ),
    );
  }
  if (text.trim() === '') return fail(required(MANIFEST_FIELD, 'manifest is empty'));

  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    return parseJson(text);
  }
  return parseYaml(text);
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return { line, col };
}

function parseJson(text: string): SyntaxResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const located = locateJsonError(text);
    const offset = located?.offset ?? text.length;
    const reason = located?.reason ?? (e instanceof Error ? e.message : String(e));
    const { line, col } = lineAndColumn(text, offset);
    return {
      ok: false,
      errors: [
        invalidNoValue(MANIFEST_FIELD, `malformed JSON at line ${line}, column ${col}: ${reason}`),
      ],
    };
  }
  // JSON.parse silently keeps the last of two equal keys; strict decoding refuses them.
  const duplicate = locateJsonError(text);
  if (duplicate) {
    const { line, col } = lineAndColumn(text, duplicate.offset);
    return {
      ok: false,
      errors: [
        invalidNoValue(
          MANIFEST_FIELD,
          `malformed JSON at line ${line}, column ${col}: ${duplicate.reason}`,
        ),
      ],
    };
  }
  return checkObject(value);
}

function parseYaml(text: string): SyntaxResult {
  // Merge keys (`<<: *anchor`) as kubectl's YAML decoder accepts them.
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true, merge: true });
  if (!Array.isArray(docs)) {
    return { ok: false, errors: [required(MANIFEST_FIELD, 'manifest is empty')] };
  }
  const nonEmpty = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0] ?? lineAndColumn(text, error.pos[0]);
      const reason = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
      return {
        ok: false,
        errors: [
          invalidNoValue(
            MANIFEST_FIELD,
            `malformed YAML at line ${pos.line}, column ${pos.col}: ${reason}`,
          ),
        ],
      };
    }
    const contents = doc.contents;
    const empty = contents === null || (isScalar(contents) && contents.value === null);
    if (!empty) nonEmpty.push(doc);
  }
  if (nonEmpty.length === 0) {
    return { ok: false, errors: [required(MANIFEST_FIELD, 'manifest is empty')] };
  }
  if (nonEmpty.length > 1) {
    const second = nonEmpty[1].range[0];
    const { line } = lineAndColumn(text, second);
    return {
      ok: false,
      errors: [
        invalidNoValue(
          MANIFEST_FIELD,
          `expected exactly one YAML document, found ${nonEmpty.length} (the second starts at line ${line}); apply one LeaderWorkerSet at a time`,
        ),
      ],
    };
  }
  let value: unknown;
  try {
    value = nonEmpty[0].toJS({ maxAliasCount: 100 });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, errors: [invalidNoValue(MANIFEST_FIELD, `malformed YAML: ${message}`)] };
  }
  return checkObject(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function checkObject(value: unknown): SyntaxResult {
  if (!isObject(value)) {
    return {
      ok: false,
      errors: [
        invalidNoValue(
          MANIFEST_FIELD,
          `must be a single LeaderWorkerSet object, got ${describe(value)}`,
        ),
      ],
    };
  }
  return { ok: true, value };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Schema stage

class Decoder {
  readonly errors: FieldError[] = [];
  readonly invalidPaths = new Set<string>();

  bad(error: FieldError): undefined {
    this.errors.push(error);
    this.invalidPaths.add(error.field);
    return undefined;
  }

  /** Reports keys outside `known`; returns the object's entries without null values. */
  object(
    value: unknown,
    path: string,
    known: readonly string[] | null,
  ): Record<string, unknown> | undefined {
    if (!isObject(value)) return this.bad(invalid(path, value, 'must be an object'));
    if (known) {
      for (const key of Object.keys(value)) {
        if (!known.includes(key)) this.bad(unknownField(child(path, key)));
      }
    }
    return value;
  }

  string(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') return this.bad(invalid(path, value, 'must be a string'));
    return value;
  }

  int32(value: unknown, path: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return this.bad(invalid(path, value, 'must be an integer'));
    }
    if (value > MAX_INT32 || value < MIN_INT32) {
      return this.bad(
        invalid(path, value, `must be a 32-bit integer (${MIN_INT32} to ${MAX_INT32})`),
      );
    }
    return value;
  }

  intOrString(value: unknown, path: string): number | string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return this.int32(value, path);
    return this.bad(invalid(path, value, "must be an integer or percentage (e.g '5%')"));
  }

  stringMap(value: unknown, path: string): Record<string, string> | undefined {
    if (value === undefined || value === null) return undefined;
    const obj = this.object(value, path, null);
    if (!obj) return undefined;
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(obj)) {
      const s = this.string(v, child(path, key));
      if (s !== undefined) out[key] = s;
    }
    return out;
  }
}

const TOP_LEVEL_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const OBJECT_META_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];
const SPEC_FIELDS = [
  'replicas',
  'leaderWorkerTemplate',
  'rolloutStrategy',
  'startupPolicy',
  'networkConfig',
];
const TEMPLATE_FIELDS = [
  'leaderTemplate',
  'workerTemplate',
  'size',
  'restartPolicy',
  'subGroupPolicy',
  'volumeClaimTemplates',
  'persistentVolumeClaimRetentionPolicy',
];
const ROLLOUT_FIELDS = ['type', 'rollingUpdateConfiguration'];
const ROLLING_UPDATE_FIELDS = ['partition', 'maxUnavailable', 'maxSurge'];
const NETWORK_FIELDS = ['subdomainPolicy'];
const SUBGROUP_FIELDS = ['subGroupPolicyType', 'subGroupSize'];
const RETENTION_FIELDS = ['whenDeleted', 'whenScaled'];
const POD_TEMPLATE_FIELDS = ['metadata', 'spec'];

/** Drops keys whose value is undefined, so optional fields stay absent rather than `undefined`. */
function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) {
    if (obj[key] === undefined) delete obj[key];
  }
  return obj;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Checks the object against the v1 schema and copies it into a typed manifest. */
export function decodeManifestObject(
  value: unknown,
): DecodedManifest | { ok: false; errors: FieldError[] } {
  const d = new Decoder();
  const root = d.object(value, '', TOP_LEVEL_FIELDS);
  if (!root) return { ok: false, errors: d.errors };

  // A different kind of object: report that alone, its fields would only be noise.
  const identity: FieldError[] = [];
  if (root.apiVersion === undefined || root.apiVersion === null || root.apiVersion === '') {
    identity.push(required('apiVersion', `must be "${LWS_API_VERSION}"`));
  } else if (root.apiVersion !== LWS_API_VERSION) {
    identity.push(notSupported('apiVersion', root.apiVersion, [LWS_API_VERSION]));
  }
  if (root.kind === undefined || root.kind === null || root.kind === '') {
    identity.push(required('kind', `must be "${LWS_KIND}"`));
  } else if (root.kind !== LWS_KIND) {
    identity.push(notSupported('kind', root.kind, [LWS_KIND]));
  }
  if (identity.length > 0) return { ok: false, errors: identity };

  const manifest: LeaderWorkerSetManifest = {
    apiVersion: LWS_API_VERSION,
    kind: LWS_KIND,
    metadata: {},
  };

  if (root.metadata !== undefined && root.metadata !== null) {
    const meta = d.object(root.metadata, 'metadata', OBJECT_META_FIELDS);
    if (meta) {
      // Server-managed fields (uid, resourceVersion, managedFields, …) are accepted, as in a
      // `kubectl get -o yaml` round trip, and dropped: lws-fleet owns them.
      manifest.metadata = compact({
        name: d.string(meta.name, 'metadata.name'),
        generateName: d.string(meta.generateName, 'metadata.generateName'),
        namespace: d.string(meta.namespace, 'metadata.namespace'),
        labels: d.stringMap(meta.labels, 'metadata.labels'),
        annotations: d.stringMap(meta.annotations, 'metadata.annotations'),
      });
    }
  }

  if (root.spec !== undefined && root.spec !== null) {
    const spec = d.object(root.spec, 'spec', SPEC_FIELDS);
    if (spec) manifest.spec = decodeSpec(d, spec);
  }
  // `status` is ignored on writes, as with upstream's status subresource.

  return { ok: true, manifest, errors: d.errors, invalidPaths: d.invalidPaths };
}

function decodeSpec(
  d: Decoder,
  spec: Record<string, unknown>,
): NonNullable<LeaderWorkerSetManifest['spec']> {
  const out: NonNullable<LeaderWorkerSetManifest['spec']> = compact({
    replicas: d.int32(spec.replicas, 'spec.replicas'),
    startupPolicy: d.string(spec.startupPolicy, 'spec.startupPolicy') as never,
  });

  if (spec.leaderWorkerTemplate !== undefined && spec.leaderWorkerTemplate !== null) {
    const path = 'spec.leaderWorkerTemplate';
    const lwt = d.object(spec.leaderWorkerTemplate, path, TEMPLATE_FIELDS);
    if (lwt) {
      const template: NonNullable<typeof out.leaderWorkerTemplate> = compact({
        size: d.int32(lwt.size, child(path, 'size')),
        restartPolicy: d.string(lwt.restartPolicy, child(path, 'restartPolicy')) as never,
        leaderTemplate: decodePodTemplate(d, lwt.leaderTemplate, child(path, 'leaderTemplate')),
        workerTemplate: decodePodTemplate(d, lwt.workerTemplate, child(path, 'workerTemplate')),
      });
      if (lwt.subGroupPolicy !== undefined && lwt.subGroupPolicy !== null) {
        const sgPath = child(path, 'subGroupPolicy');
        const sg = d.object(lwt.subGroupPolicy, sgPath, SUBGROUP_FIELDS);
        if (sg) {
          template.subGroupPolicy = compact({
            subGroupPolicyType: d.string(
              sg.subGroupPolicyType,
              child(sgPath, 'subGroupPolicyType'),
            ) as never,
            subGroupSize: d.int32(sg.subGroupSize, child(sgPath, 'subGroupSize')),
          });
        }
      }
      if (lwt.volumeClaimTemplates !== undefined && lwt.volumeClaimTemplates !== null) {
        const vctPath = child(path, 'volumeClaimTemplates');
        if (!Array.isArray(lwt.volumeClaimTemplates)) {
          d.bad(invalid(vctPath, lwt.volumeClaimTemplates, 'must be an array'));
        } else {
          const claims = lwt.volumeClaimTemplates.filter((claim, i) =>
            d.object(claim, child(vctPath, i), null),
          );
          template.volumeClaimTemplates = clone(claims) as never;
        }
      }
      if (
        lwt.persistentVolumeClaimRetentionPolicy !== undefined &&
        lwt.persistentVolumeClaimRetentionPolicy !== null
      ) {
        const rpPath = child(path, 'persistentVolumeClaimRetentionPolicy');
        const rp = d.object(lwt.persistentVolumeClaimRetentionPolicy, rpPath, RETENTION_FIELDS);
        if (rp) {
          template.persistentVolumeClaimRetentionPolicy = compact({
            whenDeleted: d.string(rp.whenDeleted, child(rpPath, 'whenDeleted')) as never,
            whenScaled: d.string(rp.whenScaled, child(rpPath, 'whenScaled')) as never,
          });
        }
      }
      out.leaderWorkerTemplate = template;
    }
  }

  if (spec.rolloutStrategy !== undefined && spec.rolloutStrategy !== null) {
    const path = 'spec.rolloutStrategy';
    const rs = d.object(spec.rolloutStrategy, path, ROLLOUT_FIELDS);
    if (rs) {
      const strategy: NonNullable<typeof out.rolloutStrategy> = compact({
        type: d.string(rs.type, child(path, 'type')) as never,
      });
      if (rs.rollingUpdateConfiguration !== undefined && rs.rollingUpdateConfiguration !== null) {
        const rucPath = child(path, 'rollingUpdateConfiguration');
        const ruc = d.object(rs.rollingUpdateConfiguration, rucPath, ROLLING_UPDATE_FIELDS);
        if (ruc) {
          strategy.rollingUpdateConfiguration = compact({
            partition: d.int32(ruc.partition, child(rucPath, 'partition')),
            maxUnavailable: d.intOrString(ruc.maxUnavailable, child(rucPath, 'maxUnavailable')),
            maxSurge: d.intOrString(ruc.maxSurge, child(rucPath, 'maxSurge')),
          });
        }
      }
      out.rolloutStrategy = strategy;
    }
  }

  if (spec.networkConfig !== undefined && spec.networkConfig !== null) {
    const path = 'spec.networkConfig';
    const nc = d.object(spec.networkConfig, path, NETWORK_FIELDS);
    if (nc) {
      out.networkConfig = compact({
        subdomainPolicy: d.string(nc.subdomainPolicy, child(path, 'subdomainPolicy')) as never,
      });
    }
  }
  return out;
}

/**
 * Pod templates keep their content as written; the schema stage checks the shape lws-fleet relies
 * on to build pods (an object with metadata and a spec whose containers have names).
 */
function decodePodTemplate(d: Decoder, value: unknown, path: string): never | undefined {
  if (value === undefined || value === null) return undefined;
  const template = d.object(value, path, POD_TEMPLATE_FIELDS);
  if (!template) return undefined;
  let ok = true;
  if (template.metadata !== undefined && template.metadata !== null) {
    const metaPath = child(path, 'metadata');
    const meta = d.object(template.metadata, metaPath, null);
    if (!meta) ok = false;
    else {
      const before = d.errors.length;
      d.stringMap(meta.labels, child(metaPath, 'labels'));
      d.stringMap(meta.annotations, child(metaPath, 'annotations'));
      if (d.errors.length > before) ok = false;
    }
  }
  if (template.spec !== undefined && template.spec !== null) {
    const specPath = child(path, 'spec');
    const spec = d.object(template.spec, specPath, null);
    if (!spec) ok = false;
    else {
      for (const key of ['containers', 'initContainers']) {
        const list = spec[key];
        if (list === undefined || list === null) continue;
        const listPath = child(specPath, key);
        if (!Array.isArray(list)) {
          d.bad(invalid(listPath, list, 'must be an array'));
          ok = false;
          continue;
        }
        list.forEach((container, i) => {
          const cPath = child(listPath, i);
          const c = d.object(container, cPath, null);
          if (!c) {
            ok = false;
            return;
          }
          if (c.name !== undefined && c.name !== null && typeof c.name !== 'string') {
            d.bad(invalid(child(cPath, 'name'), c.name, 'must be a string'));
            ok = false;
          }
        });
      }
    }
  }
  if (!ok) d.invalidPaths.add(path);
  return clone(template) as never;
}
