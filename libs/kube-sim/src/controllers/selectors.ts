/**
 * Matching rules of Kubernetes selectors, as the scheduler applies them: label selectors
 * (metav1.LabelSelector), node selector terms (v1.NodeSelectorTerm) and taint tolerations.
 */

export type Labels = Record<string, string>;

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * A metav1.LabelSelector as upstream's LabelSelectorAsSelector: `null`/`undefined` selects nothing,
 * `{}` selects everything. NotIn and DoesNotExist match objects that lack the key.
 */
export function matchLabelSelector(
  selector: LabelSelector | null | undefined,
  labels: Labels | undefined,
): boolean {
  if (selector === null || selector === undefined) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (l[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    if (!matchRequirement(req, l)) return false;
  }
  return true;
}

function matchRequirement(req: LabelSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(labels[req.key]);
    case 'NotIn':
      return !has || !values.includes(labels[req.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt' | string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

const INTEGER = /^[+-]?\d+$/;

function matchNodeRequirement(req: NodeSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(labels[req.key]);
    case 'NotIn':
      return !has || !values.includes(labels[req.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1 || !INTEGER.test(values[0]) || !INTEGER.test(labels[req.key]))
        return false;
      const actual = Number(labels[req.key]);
      const bound = Number(values[0]);
      return req.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/**
 * One node selector term: the AND of its expressions (over labels) and fields (only
 * `metadata.name`). A term with neither matches no node, as upstream.
 */
export function matchNodeSelectorTerm(
  term: NodeSelectorTerm,
  nodeName: string,
  labels: Labels | undefined,
): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const l = labels ?? {};
  for (const req of exprs) if (!matchNodeRequirement(req, l)) return false;
  for (const req of fields) {
    if (req.key !== 'metadata.name') return false;
    if (!matchNodeRequirement(req, { 'metadata.name': nodeName })) return false;
  }
  return true;
}

/** The OR of node selector terms; an empty list matches nothing. */
export function matchNodeSelectorTerms(
  terms: NodeSelectorTerm[] | undefined,
  nodeName: string,
  labels: Labels | undefined,
): boolean {
  for (const term of terms ?? []) if (matchNodeSelectorTerm(term, nodeName, labels)) return true;
  return false;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal' | string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** v1.Toleration.ToleratesTaint. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const operator = toleration.operator || 'Equal';
  if (operator === 'Exists') return true;
  if (operator === 'Equal') return (toleration.value ?? '') === (taint.value ?? '');
  return false;
}

export function tolerationFor(
  tolerations: Toleration[] | undefined,
  taint: Taint,
): Toleration | undefined {
  return (tolerations ?? []).find((t) => toleratesTaint(t, taint));
}
