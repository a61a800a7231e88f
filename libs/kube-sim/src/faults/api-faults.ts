/**
 * API-level fault rules of one simulated cluster: error responses and latency by verb, resource,
 * namespace and name, with a rate and an optional count and duration. The HTTP layer asks `match()`
 * for every resource request; watch and connection faults are methods of the server itself.
 */
import { seededRandom } from '../store/util';

export type ApiVerb =
  'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface FaultScope {
  /** Verbs to hit (default: all). */
  verbs?: ApiVerb[];
  /** Resources by plural, optionally with a subresource (`pods/status`); default: all. */
  resources?: string[];
  namespace?: string;
  /** A regular expression on the object name. */
  name?: string;
  /** Probability per matching request, 0..1 (default 1). */
  rate?: number;
  /** Stop after this many hits (default: unlimited). */
  count?: number;
  /** Remove the rule after this many ms of wall time. */
  durationMs?: number;
}

export interface ErrorFault extends FaultScope {
  /** 500, 503, 504, 429, 409, 403, 401, … */
  status: number;
  /** Sent as the Retry-After header (and details.retryAfterSeconds); 429 defaults to 1. */
  retryAfterSeconds?: number;
  message?: string;
}

export interface LatencyFault extends FaultScope {
  latencyMs: number;
  jitterMs?: number;
}

export interface RequestTarget {
  verb: ApiVerb;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

interface Rule<T> {
  id: string;
  kind: 'error' | 'latency';
  spec: T;
  hits: number;
  nameRe?: RegExp;
  timer?: NodeJS.Timeout;
}

export interface FaultDescription {
  id: string;
  kind: 'error' | 'latency';
  hits: number;
  spec: ErrorFault | LatencyFault;
}

export class ApiFaults {
  private readonly rules = new Map<string, Rule<ErrorFault | LatencyFault>>();
  private nextId = 1;
  private readonly random: () => number;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  addError(spec: ErrorFault): string {
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
      throw new Error(`fault status must be an HTTP error code, got ${spec.status}`);
    }
    return this.add('error', spec);
  }

  addLatency(spec: LatencyFault): string {
    if (!(spec.latencyMs >= 0)) throw new Error('latencyMs must be >= 0');
    return this.add('latency', spec);
  }

  private add(kind: 'error' | 'latency', spec: ErrorFault | LatencyFault): string {
    const id = `${kind}-${this.nextId++}`;
    const rule: Rule<ErrorFault | LatencyFault> = {
      id,
      kind,
      spec: { ...spec },
      hits: 0,
      nameRe: spec.name ? new RegExp(spec.name) : undefined,
    };
    if (spec.durationMs && spec.durationMs > 0) {
      rule.timer = setTimeout(() => this.remove(id), spec.durationMs);
      rule.timer.unref();
    }
    this.rules.set(id, rule);
    return id;
  }

  remove(id: string): boolean {
    const rule = this.rules.get(id);
    if (rule?.timer) clearTimeout(rule.timer);
    return this.rules.delete(id);
  }

  clear(): void {
    for (const id of [...this.rules.keys()]) this.remove(id);
  }

  list(): FaultDescription[] {
    return [...this.rules.values()].map((r) => ({
      id: r.id,
      kind: r.kind,
      hits: r.hits,
      spec: r.spec,
    }));
  }

  get size(): number {
    return this.rules.size;
  }

  private matches(rule: Rule<FaultScope>, t: RequestTarget): boolean {
    const s = rule.spec;
    if (s.verbs && s.verbs.length && !s.verbs.includes(t.verb)) return false;
    if (s.resources && s.resources.length) {
      const full = t.subresource ? `${t.resource}/${t.subresource}` : t.resource;
      if (!s.resources.includes(t.resource) && !s.resources.includes(full)) return false;
    }
    if (s.namespace && s.namespace !== t.namespace) return false;
    if (rule.nameRe && !rule.nameRe.test(t.name ?? '')) return false;
    if (s.count !== undefined && rule.hits >= s.count) return false;
    if (s.rate !== undefined && s.rate < 1 && this.random() >= s.rate) return false;
    return true;
  }

  /** The error to answer with (if any) and the latency to add, for one request. */
  match(t: RequestTarget): { error?: ErrorFault; latencyMs: number } {
    let latencyMs = 0;
    let error: ErrorFault | undefined;
    if (this.rules.size === 0) return { latencyMs };
    for (const rule of this.rules.values()) {
      if (rule.kind === 'latency') {
        if (!this.matches(rule, t)) continue;
        rule.hits++;
        const spec = rule.spec as LatencyFault;
        latencyMs += spec.latencyMs + (spec.jitterMs ? this.random() * spec.jitterMs : 0);
      } else if (!error) {
        if (!this.matches(rule, t)) continue;
        rule.hits++;
        error = rule.spec as ErrorFault;
      }
      const count = rule.spec.count;
      if (count !== undefined && rule.hits >= count) this.remove(rule.id);
    }
    return { error, latencyMs };
  }
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function reasonFor(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'InternalError' : 'BadRequest');
}

export function faultMessage(fault: ErrorFault, t: RequestTarget): string {
  if (fault.message) return fault.message;
  const what = t.name ? `${t.resource} "${t.name}"` : t.resource;
  switch (fault.status) {
    case 409:
      return `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`;
    case 429:
      return 'Too many requests, please try again later.';
    case 500:
      return 'Internal error occurred: injected by kube-sim';
    case 503:
      return 'The server is currently unable to handle the request (injected by kube-sim)';
    case 504:
      return `Timeout: request did not complete within the allotted timeout (injected by kube-sim)`;
    case 403:
      return `${what} is forbidden: injected by kube-sim`;
    case 401:
      return 'Unauthorized';
    default:
      return `injected fault ${fault.status}`;
  }
}
