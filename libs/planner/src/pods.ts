// Pods exactly as upstream's StatefulSets plus its mutating pod webhook would have produced them
// (lws-reference §3.1, §3.2, §3.5–§3.7, §4.9, §2.3). Leader: leader StatefulSet template
// (`leaderTemplate` or `workerTemplate`) + webhook (group-index, group-key, subgroup labels,
// subdomain, exclusive affinities, env). Worker: worker StatefulSet template (from the leader's
// revision) + webhook (worker-index, subgroup labels and affinities, env) + the exclusive-topology
// nodeSelector the pod controller copies from the leader's node.
import type {
  V1Affinity,
  V1Container,
  V1EnvVar,
  V1OwnerReference,
  V1Pod,
  V1PodSpec,
  V1Volume,
} from '@kubernetes/client-node';
import {
  ANNOTATION_EXCLUSIVE_TOPOLOGY,
  ANNOTATION_LEADER_NAME,
  ANNOTATION_LEADER_REQUESTS_TPUS,
  ANNOTATION_SIZE,
  ANNOTATION_SUBDOMAIN_POLICY,
  ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY,
  ANNOTATION_SUBGROUP_POLICY_TYPE,
  ANNOTATION_SUBGROUP_SIZE,
  ENV_LWS_GROUP_SIZE,
  ENV_LWS_LEADER_ADDRESS,
  ENV_LWS_WORKER_INDEX,
  LABEL_GROUP_INDEX,
  LABEL_GROUP_KEY,
  LABEL_NAME,
  LABEL_SUBGROUP_INDEX,
  LABEL_SUBGROUP_KEY,
  LABEL_TEMPLATE_REVISION_HASH,
  LABEL_WORKER_INDEX,
  SubdomainPolicy,
  SubGroupPolicyType,
} from '../../lws/src/constants';
import { LABEL_STS_POD_INDEX, LABEL_STS_POD_NAME } from './constants';
import {
  groupKey,
  leaderAddress,
  leaderPodName,
  pvcName,
  subGroupKey,
  workerPodName,
  workerSubGroupIndex,
} from './names';
import { fleetLabels } from './objects';
import { addTpuVariables, podRequestsTpus } from './tpu';
import type { DesiredLws, RevisionTemplate } from './types';

export interface PodContext {
  lws: DesiredLws;
  /** The revision the group is on (its template hash) and that revision's templates. */
  revisionKey: string;
  template: RevisionTemplate;
  group: number;
}

export interface WorkerContext extends PodContext {
  worker: number;
  /** The leader's group-key label (upstream copies it from the leader pod). */
  groupKey: string;
  leaderOwner: V1OwnerReference;
  /** `{topologyKey: value of the leader's node}` when exclusive topology is on. */
  nodeSelector?: Record<string, string>;
}

/** A non-empty annotation value on the live LWS, as upstream copies only non-empty ones. */
function liveAnnotation(lws: DesiredLws, key: string): string | undefined {
  const value = lws.annotations?.[key];
  return value ? value : undefined;
}

export function subdomainFor(ctx: PodContext): string {
  return ctx.template.networkConfig.subdomainPolicy === SubdomainPolicy.UniquePerReplica
    ? leaderPodName(ctx.lws.name, ctx.group)
    : ctx.lws.name;
}

export function buildLeaderPod(ctx: PodContext, anchorOwner: V1OwnerReference): V1Pod {
  const { lws, template, group } = ctx;
  const lwt = template.leaderWorkerTemplate;
  const source = structuredClone(lwt.leaderTemplate ?? lwt.workerTemplate);
  const name = leaderPodName(lws.name, group);
  const key = groupKey(lws.namespace, name);

  const labels: Record<string, string> = {
    ...(source.metadata?.labels ?? {}),
    [LABEL_NAME]: lws.name,
    [LABEL_WORKER_INDEX]: '0',
    [LABEL_TEMPLATE_REVISION_HASH]: ctx.revisionKey,
    [LABEL_GROUP_INDEX]: String(group),
    [LABEL_GROUP_KEY]: key,
  };
  const annotations: Record<string, string> = {
    ...(source.metadata?.annotations ?? {}),
    [ANNOTATION_SIZE]: String(lwt.size),
  };
  const exclusive = liveAnnotation(lws, ANNOTATION_EXCLUSIVE_TOPOLOGY);
  if (exclusive) annotations[ANNOTATION_EXCLUSIVE_TOPOLOGY] = exclusive;
  const sgp = lwt.subGroupPolicy;
  const subExclusive = sgp
    ? liveAnnotation(lws, ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY)
    : undefined;
  if (sgp) {
    annotations[ANNOTATION_SUBGROUP_POLICY_TYPE] = sgp.subGroupPolicyType;
    annotations[ANNOTATION_SUBGROUP_SIZE] = String(sgp.subGroupSize);
    if (subExclusive) annotations[ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY] = subExclusive;
  }
  if (template.networkConfig.subdomainPolicy === SubdomainPolicy.UniquePerReplica) {
    annotations[ANNOTATION_SUBDOMAIN_POLICY] = SubdomainPolicy.UniquePerReplica;
  }

  const spec: V1PodSpec = source.spec ?? { containers: [] };
  if (exclusive) addExclusiveAffinity(spec, LABEL_GROUP_KEY, key, exclusive);
  if (sgp && sgp.subGroupPolicyType !== SubGroupPolicyType.LeaderExcluded) {
    labels[LABEL_SUBGROUP_INDEX] = '0';
    labels[LABEL_SUBGROUP_KEY] = subGroupKey(name, 0);
    if (subExclusive) {
      addExclusiveAffinity(spec, LABEL_SUBGROUP_KEY, labels[LABEL_SUBGROUP_KEY], subExclusive);
    }
  }
  Object.assign(labels, stsPodLabels(name, group), fleetLabels(lws));
  return finishPod(ctx, name, 0, labels, annotations, spec, anchorOwner);
}

export function buildWorkerPod(ctx: WorkerContext): V1Pod {
  const { lws, template, group, worker } = ctx;
  const lwt = template.leaderWorkerTemplate;
  const source = structuredClone(lwt.workerTemplate);
  const leader = leaderPodName(lws.name, group);
  const name = workerPodName(lws.name, group, worker);

  const labels: Record<string, string> = {
    ...(source.metadata?.labels ?? {}),
    [LABEL_NAME]: lws.name,
    [LABEL_GROUP_INDEX]: String(group),
    [LABEL_GROUP_KEY]: ctx.groupKey,
    [LABEL_TEMPLATE_REVISION_HASH]: ctx.revisionKey,
    [LABEL_WORKER_INDEX]: String(worker),
  };
  const annotations: Record<string, string> = {
    ...(source.metadata?.annotations ?? {}),
    [ANNOTATION_SIZE]: String(lwt.size),
    [ANNOTATION_LEADER_NAME]: leader,
  };
  const exclusive = liveAnnotation(lws, ANNOTATION_EXCLUSIVE_TOPOLOGY);
  if (exclusive) annotations[ANNOTATION_EXCLUSIVE_TOPOLOGY] = exclusive;
  const sgp = lwt.subGroupPolicy;
  const spec: V1PodSpec = source.spec ?? { containers: [] };
  if (podRequestsTpus((lwt.leaderTemplate ?? lwt.workerTemplate).spec)) {
    annotations[ANNOTATION_LEADER_REQUESTS_TPUS] = 'true';
  }
  if (sgp) {
    const subExclusive = liveAnnotation(lws, ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY);
    annotations[ANNOTATION_SUBGROUP_POLICY_TYPE] = sgp.subGroupPolicyType;
    annotations[ANNOTATION_SUBGROUP_SIZE] = String(sgp.subGroupSize);
    if (subExclusive) annotations[ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY] = subExclusive;
    const index = workerSubGroupIndex(lwt.size, sgp.subGroupSize, worker);
    labels[LABEL_SUBGROUP_INDEX] = String(index);
    labels[LABEL_SUBGROUP_KEY] = subGroupKey(leader, index);
    if (subExclusive) {
      addExclusiveAffinity(spec, LABEL_SUBGROUP_KEY, labels[LABEL_SUBGROUP_KEY], subExclusive);
    }
  }
  if (ctx.nodeSelector) spec.nodeSelector = { ...(spec.nodeSelector ?? {}), ...ctx.nodeSelector };
  Object.assign(labels, stsPodLabels(name, worker), fleetLabels(lws));
  return finishPod(ctx, name, worker, labels, annotations, spec, ctx.leaderOwner);
}

function stsPodLabels(podName: string, ordinal: number): Record<string, string> {
  return { [LABEL_STS_POD_NAME]: podName, [LABEL_STS_POD_INDEX]: String(ordinal) };
}

function finishPod(
  ctx: PodContext,
  name: string,
  worker: number,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  spec: V1PodSpec,
  owner: V1OwnerReference,
): V1Pod {
  const { lws, template, group } = ctx;
  const subdomain = subdomainFor(ctx);
  spec.hostname = name;
  spec.subdomain = subdomain;
  const claims = template.leaderWorkerTemplate.volumeClaimTemplates ?? [];
  if (claims.length > 0) spec.volumes = claimVolumes(claims.map(claimName), name, spec.volumes);
  const env: V1EnvVar[] = [
    {
      name: ENV_LWS_LEADER_ADDRESS,
      value: leaderAddress(lws.name, group, subdomain, lws.namespace),
    },
    { name: ENV_LWS_GROUP_SIZE, value: annotations[ANNOTATION_SIZE] },
    { name: ENV_LWS_WORKER_INDEX, value: String(worker) },
  ];
  addTpuVariables(spec, {
    podName: name,
    leaderName: leaderPodName(lws.name, group),
    workerIndex: worker,
    subdomain,
    size: template.leaderWorkerTemplate.size,
    labels,
    annotations,
  });
  for (const container of spec.containers ?? []) prependEnv(container, env);
  for (const container of spec.initContainers ?? []) prependEnv(container, env);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: lws.namespace,
      labels,
      annotations,
      ownerReferences: [owner],
    },
    spec,
  };
}

function claimName(claim: { metadata?: { name?: string } }): string {
  return claim.metadata?.name ?? '';
}

/** StatefulSet `updateStorage`: one volume per claim template first, then the template's others. */
function claimVolumes(claims: string[], podName: string, current: V1Volume[] = []): V1Volume[] {
  const volumes: V1Volume[] = claims.map((claim) => ({
    name: claim,
    persistentVolumeClaim: { claimName: pvcName(claim, podName) },
  }));
  for (const volume of current) if (!claims.includes(volume.name)) volumes.push(volume);
  return volumes;
}

/** `addEnvVarsIfNotExists`: the LWS variables first, replacing user entries of the same names. */
function prependEnv(container: V1Container, first: V1EnvVar[]): void {
  const names = new Set(first.map((e) => e.name));
  container.env = [
    ...first.map((e) => ({ ...e })),
    ...(container.env ?? []).filter((e) => !names.has(e.name)),
  ];
}

/**
 * `SetExclusiveAffinities`: a required affinity to pods with the same key and an anti-affinity to
 * pods with another, on `topologyKey`, appended after user terms, unless terms on that topology
 * key are already in both lists.
 */
function addExclusiveAffinity(
  spec: V1PodSpec,
  labelKey: string,
  value: string,
  topologyKey: string,
): void {
  const affinity: V1Affinity = (spec.affinity ??= {});
  const podAffinity = (affinity.podAffinity ??= {});
  const antiAffinity = (affinity.podAntiAffinity ??= {});
  const affinityTerms = (podAffinity.requiredDuringSchedulingIgnoredDuringExecution ??= []);
  const antiTerms = (antiAffinity.requiredDuringSchedulingIgnoredDuringExecution ??= []);
  const has = (terms: { topologyKey: string }[]) =>
    terms.some((t) => t.topologyKey === topologyKey);
  if (has(affinityTerms) && has(antiTerms)) return;
  affinityTerms.push({
    topologyKey,
    labelSelector: { matchExpressions: [{ key: labelKey, operator: 'In', values: [value] }] },
  });
  antiTerms.push({
    topologyKey,
    labelSelector: {
      matchExpressions: [
        { key: labelKey, operator: 'Exists' },
        { key: labelKey, operator: 'NotIn', values: [value] },
      ],
    },
  });
}
