/**
 * The three patch types the apiserver accepts for built-in kinds: RFC 6902 JSON patch, RFC 7386
 * merge patch, and strategic merge patch (schema-aware list merging by key, with the `$patch`,
 * `$setElementOrder`, `$deleteFromPrimitiveList` and `$retainKeys` directives of
 * k8s.io/apimachinery `pkg/util/strategicpatch`).
 */
import { StoreError } from '../store/types';
import { clone, deepEqual } from '../store/util';

type Json = unknown;
type Obj = Record<string, Json>;

function isObj(v: Json): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function unprocessable(message: string): StoreError {
  return new StoreError(422, 'Invalid', message);
}

function badRequest(message: string): StoreError {
  return new StoreError(400, 'BadRequest', message);
}

// ---- RFC 6902 ----

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw unprocessable(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolveParent(doc: Json, tokens: string[], op: string): { parent: Json; last: string } {
  let cur = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i];
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObj(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined || cur === null) {
      throw unprocessable(
        `the server rejected our request due to an error in our request: ${op} operation does not apply: doc is missing path: "/${tokens.join('/')}": missing value`,
      );
    }
  }
  return { parent: cur, last: tokens[tokens.length - 1] };
}

function getAt(doc: Json, tokens: string[]): Json {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObj(cur)) cur = cur[t];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function missing(op: string, path: string): StoreError {
  return unprocessable(
    `${op} operation does not apply: doc is missing path: "${path}": missing value`,
  );
}

function addAt(doc: Json, tokens: string[], value: Json, op: string, path: string): Json {
  if (tokens.length === 0) return value;
  const { parent, last } = resolveParent(doc, tokens, op);
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw missing(op, path);
    parent.splice(idx, 0, value);
  } else if (isObj(parent)) {
    parent[last] = value;
  } else {
    throw missing(op, path);
  }
  return doc;
}

function removeAt(doc: Json, tokens: string[], op: string, path: string): Json {
  const { parent, last } = resolveParent(doc, tokens, op);
  if (Array.isArray(parent)) {
    const idx = Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx >= parent.length) throw missing(op, path);
    return parent.splice(idx, 1)[0];
  }
  if (isObj(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
    const v = parent[last];
    delete parent[last];
    return v;
  }
  throw missing(op, path);
}

export function applyJsonPatch(doc: Json, patch: Json): Json {
  if (!Array.isArray(patch))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let out = clone(doc);
  for (const raw of patch) {
    if (!isObj(raw)) throw badRequest('invalid JSON patch operation');
    const op = String(raw.op ?? '');
    const path = String(raw.path ?? '');
    const tokens = parsePointer(path);
    switch (op) {
      case 'add':
        out = addAt(out, tokens, clone(raw.value), op, path);
        break;
      case 'remove':
        removeAt(out, tokens, op, path);
        break;
      case 'replace':
        if (tokens.length === 0) {
          out = clone(raw.value);
          break;
        }
        removeAt(out, tokens, op, path);
        out = addAt(out, tokens, clone(raw.value), op, path);
        break;
      case 'move': {
        const from = String(raw.from ?? '');
        const v = removeAt(out, parsePointer(from), op, from);
        out = addAt(out, tokens, v, op, path);
        break;
      }
      case 'copy': {
        const from = String(raw.from ?? '');
        const v = getAt(out, parsePointer(from));
        if (v === undefined) throw missing(op, from);
        out = addAt(out, tokens, clone(v), op, path);
        break;
      }
      case 'test': {
        const v = getAt(out, tokens);
        if (!deepEqual(v, raw.value)) {
          throw unprocessable(`testing value ${path} failed: test failed`);
        }
        break;
      }
      default:
        throw badRequest(`Unexpected kind: ${op}`);
    }
  }
  return out;
}

// ---- RFC 7386 ----

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

// ---- strategic merge patch ----

/**
 * Applies a strategic merge patch. `mergeKeys` maps a dotted path (no indices) to the merge key of
 * the list there ('' = set of primitives); lists not in the table are replaced.
 */
export function applyStrategicMergePatch(
  original: Json,
  patch: Json,
  mergeKeys: Record<string, string>,
): Json {
  if (!isObj(patch)) throw badRequest('strategic merge patch must be a JSON object');
  return smpObject(isObj(original) ? original : {}, patch, '', mergeKeys);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function smpObject(original: Obj, patch: Obj, path: string, keys: Record<string, string>): Obj {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const out: Obj = {};
    for (const [k, v] of Object.entries(patch)) if (k !== '$patch') out[k] = clone(v);
    return out;
  }
  if (directive === 'delete') return {};
  const out: Obj = { ...original };
  const retain = patch.$retainKeys as string[] | undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const del = (v as Json[]) ?? [];
      if (Array.isArray(out[field])) {
        out[field] = (out[field] as Json[]).filter((x) => !del.some((d) => deepEqual(d, x)));
      }
      continue;
    }
    const p = join(path, k);
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      const order = patch[`$setElementOrder/${k}`] as Json[] | undefined;
      out[k] = smpList(Array.isArray(out[k]) ? (out[k] as Json[]) : [], v, order, p, keys);
    } else if (isObj(v)) {
      if (v.$patch === 'delete') delete out[k];
      else out[k] = smpObject(isObj(out[k]) ? (out[k] as Obj) : {}, v, p, keys);
    } else {
      out[k] = v;
    }
  }
  if (retain) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function smpList(
  original: Json[],
  patch: Json[],
  order: Json[] | undefined,
  path: string,
  keys: Record<string, string>,
): Json[] {
  const mergeKey = keys[path];
  if (mergeKey === undefined) {
    // Atomic list, unless the patch says `$patch: replace` explicitly (same result).
    return patch.filter((x) => !(isObj(x) && x.$patch === 'replace')).map((x) => clone(x));
  }
  if (patch.some((x) => isObj(x) && x.$patch === 'replace')) {
    return patch.filter((x) => !(isObj(x) && x.$patch)).map((x) => clone(x));
  }
  let out: Json[];
  if (mergeKey === '') {
    out = [...original];
    for (const x of patch) if (!out.some((y) => deepEqual(x, y))) out.push(clone(x));
  } else {
    out = original.map((x) => x);
    for (const item of patch) {
      if (!isObj(item)) continue;
      const id = item[mergeKey];
      const idx = out.findIndex((x) => isObj(x) && deepEqual(x[mergeKey], id));
      if (item.$patch === 'delete') {
        if (idx >= 0) out.splice(idx, 1);
        continue;
      }
      if (idx >= 0) out[idx] = smpObject(out[idx] as Obj, item, path, keys);
      else out.push(smpObject({}, item, path, keys));
    }
  }
  if (order && order.length) {
    const keyOf = (x: Json): Json => (mergeKey === '' ? x : isObj(x) ? x[mergeKey] : undefined);
    const rank = (x: Json): number => {
      const i = order.findIndex((o) =>
        deepEqual(mergeKey === '' ? o : isObj(o) ? o[mergeKey] : o, keyOf(x)),
      );
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    out = out
      .map((x, i) => ({ x, i }))
      .sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i)
      .map((e) => e.x);
  }
  return out;
}
