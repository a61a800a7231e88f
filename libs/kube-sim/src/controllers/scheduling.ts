/**
 * The scheduler's pure logic: the upstream default filter plugins, in upstream order
 * (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit, VolumeBinding (simplified),
 * InterPodAffinity), a least-allocated score with a node-name tie-break, and upstream's
 * FailedScheduling message. No I/O: the scheduler controller feeds it an incrementally kept view.
 */
import type { KubeObject } from '../store/types';
import { resourceAmount } from './quantity';
import {
  type LabelSelector,
  type Labels,
  type NodeSelectorTerm,
  type Taint,
  type Toleration,
  matchLabelSelector,
  matchNodeSelectorTerms,
  tolerationFor,
} from './selectors';
import { TAINT_UNSCHEDULABLE } from './labels';

/** Amounts per resource name: cpu in millicores, memory and storage in bytes, others in units. */
export type ResourceList = Record<string, number>;

export const REASON_UNSCHEDULABLE_NODE = 'node(s) were unschedulable';
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_POD_AFFINITY = "node(s) didn't match pod affinity rules";
export const REASON_POD_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const REASON_EXISTING_ANTI_AFFINITY =
  "node(s) didn't satisfy existing pods anti-affinity rules";
export const REASON_TOO_MANY_PODS = 'Too many pods';
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const PREEMPTION_NO_VICTIMS = 'No preemption victims found for incoming pod';

export function insufficient(resource: string): string {
  return `Insufficient ${resource}`;
}

export function untoleratedTaint(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

export interface FitResult {
  fit: boolean;
  reasons: string[];
  /** UnschedulableAndUnresolvable in upstream terms: preemption on this node would not help. */
  unresolvable?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Pod accessors

type AnyRecord = Record<string, unknown>;

function spec(obj: KubeObject): AnyRecord {
  return (obj.spec as AnyRecord | undefined) ?? {};
}

function status(obj: KubeObject): AnyRecord {
  return (obj.status as AnyRecord | undefined) ?? {};
}

export function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

export function nodeNameOf(pod: KubeObject): string | undefined {
  const n = spec(pod).nodeName;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

export function isTerminal(pod: KubeObject): boolean {
  const phase = status(pod).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

interface ContainerSpec {
  name?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  restartPolicy?: string;
}

function containerRequests(c: ContainerSpec): ResourceList {
  const out: ResourceList = {};
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  // The API server defaults a missing request to the limit.
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    const value = requests[name] ?? limits[name];
    const amount = resourceAmount(name, value);
    if (amount > 0) out[name] = amount;
  }
  return out;
}

function addInto(target: ResourceList, add: ResourceList, sign = 1): void {
  for (const [k, v] of Object.entries(add)) {
    const next = (target[k] ?? 0) + sign * v;
    if (next === 0) delete target[k];
    else target[k] = next;
  }
}

/**
 * The pod's effective request: max(sum over containers and sidecars, max over init containers)
 * plus spec.overhead, per resource (upstream resource.PodRequests).
 */
export function podRequests(pod: KubeObject): ResourceList {
  const s = spec(pod);
  const sum: ResourceList = {};
  for (const c of (s.containers as ContainerSpec[] | undefined) ?? [])
    addInto(sum, containerRequests(c));
  const sidecars: ResourceList = {};
  for (const c of (s.initContainers as ContainerSpec[] | undefined) ?? []) {
    const req = containerRequests(c);
    if (c.restartPolicy === 'Always') {
      addInto(sum, req);
      addInto(sidecars, req);
    } else {
      // A regular init container runs beside the sidecars started before it.
      const withSidecars = { ...sidecars };
      addInto(withSidecars, req);
      for (const [k, v] of Object.entries(withSidecars)) if (v > (sum[k] ?? 0)) sum[k] = v;
    }
  }
  const overhead = s.overhead as Record<string, unknown> | undefined;
  if (overhead) {
    for (const [k, v] of Object.entries(overhead)) {
      const amount = resourceAmount(k, v);
      if (amount > 0) sum[k] = (sum[k] ?? 0) + amount;
    }
  }
  return sum;
}

/** Requests for scoring: a container without cpu/memory requests counts 100m / 200Mi (upstream non-zero defaults). */
export function podScoringRequests(pod: KubeObject): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const c of (spec(pod).containers as ContainerSpec[] | undefined) ?? []) {
    const r = containerRequests(c);
    cpu += r.cpu ?? 100;
    memory += r.memory ?? 200 * 2 ** 20;
  }
  return { cpu, memory };
}

const allocatableCache = new WeakMap<object, ResourceList>();

/** Parsed status.allocatable; cached per node object (stored objects are never mutated in place). */
export function nodeAllocatable(node: KubeObject): ResourceList {
  const alloc = (status(node).allocatable as Record<string, unknown> | undefined) ?? {};
  const cached = allocatableCache.get(alloc);
  if (cached) return cached;
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(alloc)) out[k] = resourceAmount(k, v);
  allocatableCache.set(alloc, out);
  return out;
}

export function claimNames(pod: KubeObject): string[] {
  const names: string[] = [];
  for (const v of (spec(pod).volumes as Array<AnyRecord> | undefined) ?? []) {
    const claim = v.persistentVolumeClaim as { claimName?: string } | undefined;
    if (claim?.claimName) names.push(claim.claimName);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Affinity terms

interface RawAffinityTerm {
  labelSelector?: LabelSelector | null;
  namespaces?: string[];
  namespaceSelector?: LabelSelector | null;
  topologyKey: string;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

/** An affinity term resolved against the pod that carries it (upstream framework.AffinityTerm). */
export interface AffinityTerm {
  selector: LabelSelector | null;
  namespaces: Set<string>;
  namespaceSelector: LabelSelector | null;
  topologyKey: string;
}

function resolveTerm(raw: RawAffinityTerm, owner: KubeObject): AffinityTerm {
  let selector: LabelSelector | null = raw.labelSelector ?? null;
  const labels = owner.metadata.labels ?? {};
  if (selector && (raw.matchLabelKeys?.length || raw.mismatchLabelKeys?.length)) {
    const exprs = [...(selector.matchExpressions ?? [])];
    for (const key of raw.matchLabelKeys ?? []) {
      if (key in labels) exprs.push({ key, operator: 'In', values: [labels[key]] });
    }
    for (const key of raw.mismatchLabelKeys ?? []) {
      if (key in labels) exprs.push({ key, operator: 'NotIn', values: [labels[key]] });
    }
    selector = { ...selector, matchExpressions: exprs };
  }
  const namespaces = new Set(raw.namespaces ?? []);
  const namespaceSelector = raw.namespaceSelector ?? null;
  if (namespaces.size === 0 && namespaceSelector === null)
    namespaces.add(owner.metadata.namespace ?? 'default');
  return { selector, namespaces, namespaceSelector, topologyKey: raw.topologyKey };
}

export function requiredAffinityTerms(pod: KubeObject): AffinityTerm[] {
  const affinity = spec(pod).affinity as AnyRecord | undefined;
  const pa = affinity?.podAffinity as AnyRecord | undefined;
  const raw =
    (pa?.requiredDuringSchedulingIgnoredDuringExecution as RawAffinityTerm[] | undefined) ?? [];
  return raw.map((t) => resolveTerm(t, pod));
}

const antiTermsCache = new WeakMap<KubeObject, AffinityTerm[]>();

/** Resolved required anti-affinity terms; cached per pod object (objects are never mutated in place). */
export function requiredAntiAffinityTerms(pod: KubeObject): AffinityTerm[] {
  const cached = antiTermsCache.get(pod);
  if (cached) return cached;
  const affinity = spec(pod).affinity as AnyRecord | undefined;
  const pa = affinity?.podAntiAffinity as AnyRecord | undefined;
  const raw =
    (pa?.requiredDuringSchedulingIgnoredDuringExecution as RawAffinityTerm[] | undefined) ?? [];
  const terms = raw.map((t) => resolveTerm(t, pod));
  antiTermsCache.set(pod, terms);
  return terms;
}

/** upstream AffinityTerm.Matches: the pod's namespace is in the term's set (or selected) and its labels match. */
export function termMatches(
  term: AffinityTerm,
  pod: KubeObject,
  namespaceLabels: (ns: string) => Labels | undefined,
): boolean {
  const ns = pod.metadata.namespace ?? 'default';
  const nsOk =
    term.namespaces.has(ns) ||
    (term.namespaceSelector !== null &&
      matchLabelSelector(term.namespaceSelector, namespaceLabels(ns) ?? {}));
  return nsOk && matchLabelSelector(term.selector, pod.metadata.labels);
}

// ---------------------------------------------------------------------------------------------
// The view the scheduler filters against

export interface SchedulingView {
  /** Every node, in any order (the scheduler sorts by name). */
  nodes(): Iterable<KubeObject>;
  getNode(name: string): KubeObject | undefined;
  /** Sum of requests of the assigned, non-terminal pods on the node, plus `pods` (their count). */
  requested(nodeName: string): ResourceList;
  /** Assigned, non-terminal pods that may match the selector (a superset is fine). */
  candidatePods(selector: LabelSelector | null): Iterable<KubeObject>;
  /** Assigned, non-terminal pods that carry required anti-affinity terms. */
  podsWithRequiredAntiAffinity(): Iterable<KubeObject>;
  namespaceLabels(ns: string): Labels | undefined;
  /** Whether a PVC exists; views that do not track PVCs leave it out (every claim exists). */
  claimExists?(namespace: string, name: string): boolean;
}

export interface PreparedPod {
  pod: KubeObject;
  requests: ResourceList;
  scoring: { cpu: number; memory: number };
  tolerations: Toleration[];
  nodeSelector: Labels | undefined;
  requiredNodeTerms: NodeSelectorTerm[] | undefined;
  affinityTerms: AffinityTerm[];
  antiAffinityTerms: AffinityTerm[];
  affinityCounts: Map<string, number>;
  antiAffinityCounts: Map<string, number>;
  existingAntiAffinityCounts: Map<string, number>;
  /** A reason that holds for every node (a missing PVC), found before filtering. */
  preFilterFailure?: string;
}

function pairKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Upstream PreFilter: everything that does not depend on the candidate node. */
export function preparePod(pod: KubeObject, view: SchedulingView): PreparedPod {
  const s = spec(pod);
  const affinity = s.affinity as AnyRecord | undefined;
  const nodeAffinity = affinity?.nodeAffinity as AnyRecord | undefined;
  const required = nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution as
    { nodeSelectorTerms?: NodeSelectorTerm[] } | undefined;
  const prepared: PreparedPod = {
    pod,
    requests: podRequests(pod),
    scoring: podScoringRequests(pod),
    tolerations: (s.tolerations as Toleration[] | undefined) ?? [],
    nodeSelector: s.nodeSelector as Labels | undefined,
    requiredNodeTerms: required ? (required.nodeSelectorTerms ?? []) : undefined,
    affinityTerms: requiredAffinityTerms(pod),
    antiAffinityTerms: requiredAntiAffinityTerms(pod),
    affinityCounts: new Map(),
    antiAffinityCounts: new Map(),
    existingAntiAffinityCounts: new Map(),
  };
  if (view.claimExists) {
    for (const claim of claimNames(pod)) {
      if (!view.claimExists(pod.metadata.namespace ?? 'default', claim)) {
        prepared.preFilterFailure = `persistentvolumeclaim "${claim}" not found`;
        return prepared;
      }
    }
  }
  const nsLabels = (ns: string) => view.namespaceLabels(ns);
  const self = pod.metadata.uid;
  const countTerms = (terms: AffinityTerm[], counts: Map<string, number>) => {
    for (const term of terms) {
      for (const existing of view.candidatePods(term.selector)) {
        if (self && existing.metadata.uid === self) continue;
        if (!termMatches(term, existing, nsLabels)) continue;
        const node = view.getNode(nodeNameOf(existing) ?? '');
        const value = node?.metadata.labels?.[term.topologyKey];
        if (value !== undefined) bump(counts, pairKey(term.topologyKey, value));
      }
    }
  };
  countTerms(prepared.affinityTerms, prepared.affinityCounts);
  countTerms(prepared.antiAffinityTerms, prepared.antiAffinityCounts);
  for (const existing of view.podsWithRequiredAntiAffinity()) {
    if (self && existing.metadata.uid === self) continue;
    const node = view.getNode(nodeNameOf(existing) ?? '');
    if (!node) continue;
    for (const term of requiredAntiAffinityTerms(existing)) {
      if (!termMatches(term, pod, nsLabels)) continue;
      const value = node.metadata.labels?.[term.topologyKey];
      if (value !== undefined)
        bump(prepared.existingAntiAffinityCounts, pairKey(term.topologyKey, value));
    }
  }
  return prepared;
}

function satisfiesPodAffinity(p: PreparedPod, node: KubeObject, view: SchedulingView): boolean {
  const labels = node.metadata.labels ?? {};
  let podsExist = true;
  for (const term of p.affinityTerms) {
    const value = labels[term.topologyKey];
    // All topology labels must exist on the node.
    if (value === undefined) return false;
    if ((p.affinityCounts.get(pairKey(term.topologyKey, value)) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a series with affinity to itself: no pod anywhere matches any term, and the
  // pod matches all of its own terms (upstream satisfyPodAffinity).
  return (
    p.affinityCounts.size === 0 &&
    p.affinityTerms.every((t) => termMatches(t, p.pod, (ns) => view.namespaceLabels(ns)))
  );
}

function satisfiesPodAntiAffinity(p: PreparedPod, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const term of p.antiAffinityTerms) {
    const value = labels[term.topologyKey];
    if (
      value !== undefined &&
      (p.antiAffinityCounts.get(pairKey(term.topologyKey, value)) ?? 0) > 0
    )
      return false;
  }
  return true;
}

function satisfiesExistingAntiAffinity(p: PreparedPod, node: KubeObject): boolean {
  if (p.existingAntiAffinityCounts.size === 0) return true;
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if ((p.existingAntiAffinityCounts.get(pairKey(k, v)) ?? 0) > 0) return false;
  }
  return true;
}

const FIXED_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

/** Upstream Filter, plugin by plugin; the first failing plugin gives the node's reasons. */
export function filterNode(p: PreparedPod, node: KubeObject, view: SchedulingView): FitResult {
  if (p.preFilterFailure) return { fit: false, reasons: [p.preFilterFailure], unresolvable: true };
  const nodeSpec = spec(node);
  const name = node.metadata.name ?? '';

  // NodeUnschedulable
  if (nodeSpec.unschedulable === true) {
    const taint = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' };
    if (!tolerationFor(p.tolerations, taint)) {
      return { fit: false, reasons: [REASON_UNSCHEDULABLE_NODE], unresolvable: true };
    }
  }

  // TaintToleration
  for (const taint of (nodeSpec.taints as Taint[] | undefined) ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerationFor(p.tolerations, taint)) {
      return { fit: false, reasons: [untoleratedTaint(taint)], unresolvable: true };
    }
  }

  // NodeAffinity (nodeSelector and required node affinity)
  const labels = node.metadata.labels ?? {};
  if (p.nodeSelector) {
    for (const [k, v] of Object.entries(p.nodeSelector)) {
      if (labels[k] !== v)
        return { fit: false, reasons: [REASON_NODE_AFFINITY], unresolvable: true };
    }
  }
  if (p.requiredNodeTerms && !matchNodeSelectorTerms(p.requiredNodeTerms, name, labels)) {
    return { fit: false, reasons: [REASON_NODE_AFFINITY], unresolvable: true };
  }

  // NodeResourcesFit
  const allocatable = nodeAllocatable(node);
  const used = view.requested(name);
  const reasons: string[] = [];
  if ((used.pods ?? 0) + 1 > (allocatable.pods ?? 110)) reasons.push(REASON_TOO_MANY_PODS);
  const scalar = Object.keys(p.requests)
    .filter((r) => !FIXED_RESOURCES.includes(r) && r !== 'pods')
    .sort();
  for (const r of [...FIXED_RESOURCES, ...scalar]) {
    const want = p.requests[r] ?? 0;
    if (want <= 0) continue;
    if (want > (allocatable[r] ?? 0) - (used[r] ?? 0)) reasons.push(insufficient(r));
  }
  if (reasons.length) return { fit: false, reasons };

  // InterPodAffinity
  if (p.affinityTerms.length && !satisfiesPodAffinity(p, node, view)) {
    return { fit: false, reasons: [REASON_POD_AFFINITY], unresolvable: true };
  }
  if (p.antiAffinityTerms.length && !satisfiesPodAntiAffinity(p, node)) {
    return { fit: false, reasons: [REASON_POD_ANTI_AFFINITY] };
  }
  if (!satisfiesExistingAntiAffinity(p, node)) {
    return { fit: false, reasons: [REASON_EXISTING_ANTI_AFFINITY] };
  }
  return { fit: true, reasons: [] };
}

/** NodeResourcesLeastAllocated over cpu and memory, 0–100. */
export function leastAllocatedScore(
  p: PreparedPod,
  node: KubeObject,
  view: SchedulingView,
): number {
  const allocatable = nodeAllocatable(node);
  const used = view.requested(node.metadata.name ?? '');
  const part = (r: 'cpu' | 'memory') => {
    const cap = allocatable[r] ?? 0;
    const req = (used[`score:${r}`] ?? used[r] ?? 0) + p.scoring[r];
    if (cap <= 0 || req > cap) return 0;
    return ((cap - req) * 100) / cap;
  };
  return (part('cpu') + part('memory')) / 2;
}

export interface ScheduleResult {
  /** The chosen node, when one fits. */
  nodeName?: string;
  /** Number of nodes considered. */
  nodeCount: number;
  /** Per-node failure, for the ones that did not fit. */
  failures: Map<string, FitResult>;
  /** Upstream FitError message, when nothing fits. */
  message?: string;
}

/** Filters every node, scores the feasible ones, picks the best (ties: the smallest name). */
interface PreferredTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

/** Upstream plugin weights of the default profile for the scores modelled here. */
const WEIGHT_FIT = 1;
const WEIGHT_NODE_AFFINITY = 2;
const WEIGHT_TAINT_TOLERATION = 3;

/**
 * Filters every node, then scores the feasible ones as the default profile does for the plugins
 * modelled: NodeResourcesFit (least allocated), NodeAffinity (preferred terms) and
 * TaintToleration (PreferNoSchedule), each normalized to 0–100 and weighted; the best total wins,
 * ties by node name.
 */
export function scheduleOne(pod: KubeObject, view: SchedulingView): ScheduleResult {
  const prepared = preparePod(pod, view);
  const failures = new Map<string, FitResult>();
  const feasible: Array<{
    node: KubeObject;
    name: string;
    fit: number;
    pref: number;
    taints: number;
  }> = [];
  const affinity = spec(pod).affinity as AnyRecord | undefined;
  const preferred =
    ((affinity?.nodeAffinity as AnyRecord | undefined)
      ?.preferredDuringSchedulingIgnoredDuringExecution as PreferredTerm[] | undefined) ?? [];
  let count = 0;
  for (const node of view.nodes()) {
    count++;
    const name = node.metadata.name ?? '';
    const result = filterNode(prepared, node, view);
    if (!result.fit) {
      failures.set(name, result);
      continue;
    }
    let pref = 0;
    for (const p of preferred) {
      if (p.weight && matchNodeSelectorTerms([p.preference], name, node.metadata.labels))
        pref += p.weight;
    }
    let taints = 0;
    for (const t of (spec(node).taints as Taint[] | undefined) ?? []) {
      if (t.effect === 'PreferNoSchedule' && !tolerationFor(prepared.tolerations, t)) taints++;
    }
    feasible.push({ node, name, fit: leastAllocatedScore(prepared, node, view), pref, taints });
  }
  if (!feasible.length) {
    return {
      nodeCount: count,
      failures,
      message: fitErrorMessage(count, failures, prepared.preFilterFailure),
    };
  }
  const maxPref = Math.max(...feasible.map((f) => f.pref));
  const maxTaints = Math.max(...feasible.map((f) => f.taints));
  let best: { name: string; score: number } | undefined;
  for (const f of feasible) {
    const score =
      WEIGHT_FIT * f.fit +
      WEIGHT_NODE_AFFINITY * (maxPref > 0 ? (f.pref * 100) / maxPref : 0) +
      WEIGHT_TAINT_TOLERATION * (maxTaints > 0 ? 100 - (f.taints * 100) / maxTaints : 100);
    if (
      !best ||
      score > best.score + 1e-9 ||
      (Math.abs(score - best.score) <= 1e-9 && f.name < best.name)
    ) {
      best = { name: f.name, score };
    }
  }
  return { nodeName: best!.name, nodeCount: count, failures };
}

function histogram(counts: Map<string, number>): string {
  return [...counts.entries()]
    .map(([reason, n]) => `${n} ${reason}`)
    .sort()
    .join(', ');
}

/**
 * Upstream FitError.Error(): `0/N nodes are available: <count reason, …>.` plus the preemption
 * post-filter's summary, reasons sorted as strings.
 */
export function fitErrorMessage(
  nodeCount: number,
  failures: Map<string, FitResult>,
  preFilterFailure?: string,
): string {
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  const preemption = new Map<string, number>();
  let main: string;
  if (preFilterFailure) {
    main = preFilterFailure;
    preemption.set(PREEMPTION_NOT_HELPFUL, nodeCount);
  } else {
    const reasons = new Map<string, number>();
    for (const f of failures.values()) {
      for (const r of f.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
      const p = f.unresolvable ? PREEMPTION_NOT_HELPFUL : PREEMPTION_NO_VICTIMS;
      preemption.set(p, (preemption.get(p) ?? 0) + 1);
    }
    main = histogram(reasons);
  }
  return `0/${nodeCount} nodes are available: ${main}. preemption: 0/${nodeCount} nodes are available: ${histogram(preemption)}.`;
}

// ---------------------------------------------------------------------------------------------
// A view over plain arrays, for tests and one-off checks

export interface ArrayViewOptions {
  namespaces?: KubeObject[];
  /** PVCs that exist; when given, claims not listed are missing. */
  claims?: Array<{ namespace: string; name: string }>;
}

export class ArrayView implements SchedulingView {
  private readonly byName = new Map<string, KubeObject>();
  private readonly assigned: KubeObject[] = [];
  private readonly used = new Map<string, ResourceList>();
  private readonly nsLabels = new Map<string, Labels>();
  private readonly claims?: Set<string>;

  constructor(nodes: KubeObject[], pods: KubeObject[], options: ArrayViewOptions = {}) {
    for (const n of nodes) this.byName.set(n.metadata.name ?? '', n);
    for (const p of pods) {
      const nodeName = nodeNameOf(p);
      if (!nodeName || isTerminal(p)) continue;
      this.assigned.push(p);
      const used = this.used.get(nodeName) ?? {};
      addInto(used, podRequests(p));
      used.pods = (used.pods ?? 0) + 1;
      const sc = podScoringRequests(p);
      used['score:cpu'] = (used['score:cpu'] ?? 0) + sc.cpu;
      used['score:memory'] = (used['score:memory'] ?? 0) + sc.memory;
      this.used.set(nodeName, used);
    }
    for (const ns of options.namespaces ?? [])
      this.nsLabels.set(ns.metadata.name ?? '', ns.metadata.labels ?? {});
    if (options.claims)
      this.claims = new Set(options.claims.map((c) => `${c.namespace}/${c.name}`));
  }

  nodes(): Iterable<KubeObject> {
    return this.byName.values();
  }

  getNode(name: string): KubeObject | undefined {
    return this.byName.get(name);
  }

  requested(nodeName: string): ResourceList {
    return this.used.get(nodeName) ?? {};
  }

  candidatePods(): Iterable<KubeObject> {
    return this.assigned;
  }

  podsWithRequiredAntiAffinity(): Iterable<KubeObject> {
    return this.assigned.filter((p) => requiredAntiAffinityTerms(p).length > 0);
  }

  namespaceLabels(ns: string): Labels | undefined {
    return this.nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
  }

  claimExists(namespace: string, name: string): boolean {
    return this.claims ? this.claims.has(`${namespace}/${name}`) : true;
  }
}

/**
 * Whether `pod` fits `node`, given the pods already placed (an array of pods with spec.nodeName,
 * or a map node name → pods) and all the nodes (for affinity topology domains).
 */
export function fits(
  pod: KubeObject,
  node: KubeObject,
  podsOnNodes: Map<string, KubeObject[]> | KubeObject[],
  nodes: KubeObject[],
  options: ArrayViewOptions = {},
): FitResult {
  const pods = Array.isArray(podsOnNodes)
    ? podsOnNodes
    : [...podsOnNodes.entries()].flatMap(([nodeName, list]) =>
        list.map((p) => (nodeNameOf(p) ? p : { ...p, spec: { ...spec(p), nodeName } })),
      );
  const all = nodes.some((n) => n.metadata.name === node.metadata.name) ? nodes : [...nodes, node];
  const view = new ArrayView(all, pods, options);
  return filterNode(preparePod(pod, view), node, view);
}

export { addInto as addResources };
