/**
 * Label and field selectors, in the query-string grammar of k8s.io/apimachinery (`labels/selector.go`,
 * `fields/selector.go`). A parse error is a 400 BadRequest, as on the real apiserver.
 */
import { StoreError } from './types';

export type LabelOperator = 'in' | 'notin' | 'exists' | '!' | '=' | '!=';

export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

function badRequest(message: string): StoreError {
  return new StoreError(400, 'BadRequest', message);
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(input: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(input.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(input.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

const KEY = /^([a-zA-Z0-9.\-_/]+)$/;

export function parseLabelSelector(input: string | undefined): LabelSelector {
  if (!input || !input.trim()) return [];
  const out: LabelRequirement[] = [];
  for (const term of splitTerms(input)) {
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = m[3]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v.length > 0);
      out.push({ key: m[1], op: m[2] as 'in' | 'notin', values });
    } else if ((m = term.match(/^!\s*([^\s!=()]+)$/))) {
      out.push({ key: m[1], op: '!', values: [] });
    } else if ((m = term.match(/^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/))) {
      out.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] });
    } else if ((m = term.match(/^([^\s!=()]+)$/))) {
      out.push({ key: m[1], op: 'exists', values: [] });
    } else {
      throw badRequest(`unable to parse requirement: found '${term}', expected: valid selector`);
    }
    if (!KEY.test(out[out.length - 1].key)) {
      throw badRequest(`invalid label key "${out[out.length - 1].key}"`);
    }
  }
  return out;
}

export function matchesLabels(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  for (const r of selector) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = has ? labels![r.key] : undefined;
    switch (r.op) {
      case '=':
        if (!has || value !== r.values[0]) return false;
        break;
      case '!=':
        if (has && value === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(value!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(value!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** The object form used by specs (matchLabels + matchExpressions). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export function labelSelectorFromObject(sel: LabelSelectorObject | undefined): LabelSelector {
  const out: LabelRequirement[] = [];
  if (!sel) return out;
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    out.push({ key, op: '=', values: [value] });
  }
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'in' || op === 'notin') out.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === 'exists') out.push({ key: e.key, op: 'exists', values: [] });
    else if (op === 'doesnotexist') out.push({ key: e.key, op: '!', values: [] });
    else throw badRequest(`${e.operator} is not a valid pod selector operator`);
  }
  return out;
}

export function labelSelectorToString(sel: LabelSelector): string {
  return sel
    .map((r) => {
      switch (r.op) {
        case '=':
          return `${r.key}=${r.values[0]}`;
        case '!=':
          return `${r.key}!=${r.values[0]}`;
        case 'in':
          return `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
      }
    })
    .join(',');
}

export interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

export type FieldSelector = FieldRequirement[];

export function parseFieldSelector(input: string | undefined): FieldSelector {
  if (!input || !input.trim()) return [];
  const out: FieldRequirement[] = [];
  for (const term of input.split(',').map((t) => t.trim())) {
    if (!term) continue;
    const m = term.match(/^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${input}'; can't understand '${term}'`);
    out.push({ field: m[1], negate: m[2] === '!=', value: m[3].trim() });
  }
  return out;
}

export type FieldGetter = (object: Record<string, unknown>) => string;

export function matchesFields(
  selector: FieldSelector,
  object: Record<string, unknown>,
  getters: Record<string, FieldGetter>,
): boolean {
  for (const r of selector) {
    const getter = getters[r.field];
    const value = getter ? getter(object) : '';
    if (r.negate ? value === r.value : value !== r.value) return false;
  }
  return true;
}

/** 400 for a field the resource does not support, as the real apiserver does. */
export function checkFieldSelector(
  selector: FieldSelector,
  getters: Record<string, FieldGetter>,
): void {
  for (const r of selector) {
    if (!getters[r.field]) {
      throw badRequest(`field label not supported: ${r.field}`);
    }
  }
}
