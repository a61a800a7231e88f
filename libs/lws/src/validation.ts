// Validation with upstream's rules, messages and field paths: the CRD schema's required fields and
// enums, apimachinery's ValidateObjectMeta (name as a DNS-1035 label), and the validating webhook's
// generalValidate / ValidateUpdate (pkg/webhooks/leaderworkerset_webhook.go). Every violation is
// reported, never only the first. Rules marked "lws-fleet" go beyond upstream: they catch at apply
// time what upstream would only discover when its StatefulSets or pods are refused, since
// lws-fleet creates pods itself.
import {
  ANNOTATION_EXCLUSIVE_TOPOLOGY,
  ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY,
  MAX_INT32,
  MAX_REPLICAS,
  PVC_RETENTION_POLICY_TYPES,
  RESTART_POLICIES,
  ROLLOUT_STRATEGY_TYPES,
  STARTUP_POLICIES,
  SUBDOMAIN_POLICIES,
  SUBGROUP_POLICY_TYPES,
  SubGroupPolicyType,
} from './constants';
import { child, FieldError, invalid, notSupported, required, tooLong } from './field-error';
import { percentValue, scaledValueFromIntOrPercent } from './intstr';
import {
  isDNS1035Label,
  isDNS1123Label,
  isQualifiedName,
  isValidLabelValue,
  isValidPercent,
  TOTAL_ANNOTATION_SIZE_LIMIT_BYTES,
} from './name-validation';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { IntOrString, LeaderWorkerSet, LeaderWorkerSetManifest } from './types';

// Field paths, spelled as upstream prints them.
export const PATH = {
  name: 'metadata.name',
  generateName: 'metadata.generateName',
  namespace: 'metadata.namespace',
  labels: 'metadata.labels',
  annotations: 'metadata.annotations',
  spec: 'spec',
  replicas: 'spec.replicas',
  startupPolicy: 'spec.startupPolicy',
  leaderWorkerTemplate: 'spec.leaderWorkerTemplate',
  leaderTemplate: 'spec.leaderWorkerTemplate.leaderTemplate',
  workerTemplate: 'spec.leaderWorkerTemplate.workerTemplate',
  size: 'spec.leaderWorkerTemplate.size',
  restartPolicy: 'spec.leaderWorkerTemplate.restartPolicy',
  subGroupPolicy: 'spec.leaderWorkerTemplate.subGroupPolicy',
  subGroupPolicyType: 'spec.leaderWorkerTemplate.subGroupPolicy.subGroupPolicyType',
  subGroupSizeSchema: 'spec.leaderWorkerTemplate.subGroupPolicy.subGroupSize',
  /** The webhook's path for every subGroupSize rule, capital S included (lws-reference §1.6). */
  subGroupSize: 'spec.leaderWorkerTemplate.SubGroupPolicy.subGroupSize',
  volumeClaimTemplates: 'spec.leaderWorkerTemplate.volumeClaimTemplates',
  pvcRetention: 'spec.leaderWorkerTemplate.persistentVolumeClaimRetentionPolicy',
  rolloutType: 'spec.rolloutStrategy.type',
  partition: 'spec.rolloutStrategy.rollingUpdateConfiguration.partition',
  maxUnavailable: 'spec.rolloutStrategy.rollingUpdateConfiguration.maxUnavailable',
  maxSurge: 'spec.rolloutStrategy.rollingUpdateConfiguration.maxSurge',
  subdomainPolicy: 'spec.networkConfig.subdomainPolicy',
} as const;

export const MSG = {
  nameRequired: 'name or generateName is required',
  nameRequiredNotGenerated:
    'name is required: lws-fleet applies LeaderWorkerSets by name and does not use generateName',
  replicasMin: 'replicas must be equal or greater than 0',
  replicasMax: `replicas must be equal or less than ${MAX_REPLICAS}`,
  sizeMin: 'size must be equal or greater than 1',
  product: `the product of replicas and worker replicas must not exceed ${MAX_INT32}`,
  nonNegative: 'must be greater than or equal to 0',
  over100: 'must not be greater than 100%',
  invalidValue: 'invalid value',
  bothZero: 'must not be 0 when `maxSurge` is 0',
  subGroupSizeMin: 'subGroupSize must be equal or greater than 1',
  subGroupDivisible: 'size or size - 1 must be divisible by subGroupSize',
  subGroupLarger: 'subGroupSize cannot be larger than size',
  subGroupLeaderExcluded: 'size-1 must be divisible by subGroupSize when using LeaderExcluded',
  subGroupTopologyWithoutPolicy: 'cannot have subgroup-exclusive-topology without subGroupSize set',
  immutable: 'field is immutable',
  subGroupEnable: 'cannot enable subGroupSize after the lws is already created',
  subGroupRemove: 'cannot remove subGroupSize after enabled',
  subdomainNull: 'cannot set subdomainPolicy as null',
  annotationsTooLong: `may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT_BYTES} bytes`,
} as const;

export interface ValidateOptions {
  /** Fields already refused for their type; rules reading them are skipped. */
  invalidPaths?: ReadonlySet<string>;
}

function badChecker(invalidPaths: ReadonlySet<string> | undefined) {
  return (...paths: string[]): boolean => {
    if (!invalidPaths || invalidPaths.size === 0) return false;
    return paths.some((path) => {
      for (const bad of invalidPaths) {
        if (path === bad || path.startsWith(`${bad}.`) || path.startsWith(`${bad}[`)) return true;
      }
      return false;
    });
  };
}

/**
 * Required fields, checked on the manifest before defaulting fills them in (the CRD's `required`
 * lists: spec, leaderWorkerTemplate, workerTemplate; subGroupSize, on which upstream's webhook
 * would dereference nil).
 */
export function validateRequired(
  manifest: LeaderWorkerSetManifest,
  options: ValidateOptions = {},
): FieldError[] {
  const bad = badChecker(options.invalidPaths);
  const errors: FieldError[] = [];
  const spec = manifest.spec;
  if (!spec) {
    if (!bad(PATH.spec)) errors.push(required(PATH.spec));
    return errors;
  }
  const lwt = spec.leaderWorkerTemplate;
  if (!lwt) {
    if (!bad(PATH.leaderWorkerTemplate)) errors.push(required(PATH.leaderWorkerTemplate));
    return errors;
  }
  if (!lwt.workerTemplate && !bad(PATH.workerTemplate)) errors.push(required(PATH.workerTemplate));
  if (
    lwt.subGroupPolicy &&
    lwt.subGroupPolicy.subGroupSize === undefined &&
    !bad(PATH.subGroupSizeSchema)
  ) {
    errors.push(required(PATH.subGroupSizeSchema));
  }
  return errors;
}

/** Every create-time rule on a defaulted LeaderWorkerSet (upstream's generalValidate and more). */
export function validateLeaderWorkerSet(
  lws: LeaderWorkerSet,
  options: ValidateOptions = {},
): FieldError[] {
  const bad = badChecker(options.invalidPaths);
  const errors: FieldError[] = [];
  errors.push(...validateObjectMeta(lws, bad));

  const spec = lws.spec;
  const lwt = spec.leaderWorkerTemplate;
  const ruc = spec.rolloutStrategy.rollingUpdateConfiguration;
  const annotations = lws.metadata.annotations ?? {};
  const replicasOk = !bad(PATH.replicas);
  const sizeOk = !bad(PATH.size);

  // CRD enums.
  const enumCheck = (path: string, value: unknown, allowed: readonly string[]) => {
    if (value !== undefined && !bad(path) && !allowed.includes(value as string)) {
      errors.push(notSupported(path, value, allowed));
    }
  };
  enumCheck(PATH.startupPolicy, spec.startupPolicy, STARTUP_POLICIES);
  enumCheck(PATH.restartPolicy, lwt.restartPolicy, RESTART_POLICIES);
  enumCheck(PATH.rolloutType, spec.rolloutStrategy.type, ROLLOUT_STRATEGY_TYPES);
  enumCheck(PATH.subdomainPolicy, spec.networkConfig.subdomainPolicy, SUBDOMAIN_POLICIES);
  if (lwt.subGroupPolicy) {
    enumCheck(
      PATH.subGroupPolicyType,
      lwt.subGroupPolicy.subGroupPolicyType,
      SUBGROUP_POLICY_TYPES,
    );
  }
  const retention = lwt.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    // lws-fleet: the CRD takes free strings here, upstream's StatefulSet validation refuses others.
    enumCheck(
      child(PATH.pvcRetention, 'whenDeleted'),
      retention.whenDeleted,
      PVC_RETENTION_POLICY_TYPES,
    );
    enumCheck(
      child(PATH.pvcRetention, 'whenScaled'),
      retention.whenScaled,
      PVC_RETENTION_POLICY_TYPES,
    );
  }

  // lws-fleet: the pods it builds need containers with names.
  errors.push(...validatePodTemplate(lwt.workerTemplate, PATH.workerTemplate, bad));
  if (lwt.leaderTemplate) {
    errors.push(...validatePodTemplate(lwt.leaderTemplate, PATH.leaderTemplate, bad));
  }
  (lwt.volumeClaimTemplates ?? []).forEach((claim, i) => {
    const path = child(PATH.volumeClaimTemplates, i, 'metadata', 'name');
    if (!bad(path) && !claim.metadata?.name) errors.push(required(path));
  });

  // Webhook: replicas and size.
  if (replicasOk) {
    if (spec.replicas < 0) errors.push(invalid(PATH.replicas, spec.replicas, MSG.replicasMin));
    if (spec.replicas > MAX_REPLICAS)
      errors.push(invalid(PATH.replicas, spec.replicas, MSG.replicasMax));
  }
  if (sizeOk && lwt.size < 1) errors.push(invalid(PATH.size, lwt.size, MSG.sizeMin));
  if (replicasOk && sizeOk && spec.replicas * lwt.size > MAX_INT32) {
    errors.push(invalid(PATH.replicas, spec.replicas, MSG.product));
  }

  // Webhook: rollingUpdateConfiguration.
  const maxUnavailableOk = !bad(PATH.maxUnavailable);
  const maxSurgeOk = !bad(PATH.maxSurge);
  if (maxUnavailableOk)
    errors.push(...validateIntOrPercent(ruc.maxUnavailable, PATH.maxUnavailable));
  if (maxSurgeOk) errors.push(...validateIntOrPercent(ruc.maxSurge, PATH.maxSurge));
  if (!bad(PATH.partition) && ruc.partition < 0) {
    errors.push(invalid(PATH.partition, ruc.partition, MSG.nonNegative));
  }
  if (replicasOk && maxUnavailableOk && maxSurgeOk) {
    const unavailable = scaledValueFromIntOrPercent(ruc.maxUnavailable, spec.replicas, false);
    const surge = scaledValueFromIntOrPercent(ruc.maxSurge, spec.replicas, true);
    if (!unavailable.ok)
      errors.push(invalid(PATH.maxUnavailable, ruc.maxUnavailable, MSG.invalidValue));
    if (!surge.ok) errors.push(invalid(PATH.maxSurge, ruc.maxSurge, MSG.invalidValue));
    // As upstream: a value that cannot be resolved counts as 0 here.
    const u = unavailable.ok ? unavailable.value : 0;
    const s = surge.ok ? surge.value : 0;
    if (u === 0 && s === 0 && spec.replicas !== 0) {
      errors.push(invalid(PATH.maxUnavailable, ruc.maxUnavailable, MSG.bothZero));
    }
  }

  // Webhook: subgroups.
  const policy = lwt.subGroupPolicy;
  if (policy) {
    const sgs = policy.subGroupSize;
    if (sgs !== undefined && !bad(PATH.subGroupSizeSchema)) {
      if (sgs < 1) errors.push(invalid(PATH.subGroupSize, sgs, MSG.subGroupSizeMin));
      // Upstream divides by subGroupSize (and would crash on 0); the rest needs a valid size.
      if (sgs !== 0 && sizeOk) {
        const size = lwt.size;
        if (size % sgs !== 0 && (size - 1) % sgs !== 0) {
          errors.push(invalid(PATH.subGroupSize, sgs, MSG.subGroupDivisible));
        }
        if (size < sgs) errors.push(invalid(PATH.subGroupSize, sgs, MSG.subGroupLarger));
        if (
          policy.subGroupPolicyType === SubGroupPolicyType.LeaderExcluded &&
          (size - 1) % sgs !== 0
        ) {
          errors.push(invalid(PATH.subGroupSize, sgs, MSG.subGroupLeaderExcluded));
        }
      }
    }
  } else if (
    Object.prototype.hasOwnProperty.call(annotations, ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY)
  ) {
    errors.push(
      invalid(
        child(PATH.annotations, ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY),
        annotations[ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY],
        MSG.subGroupTopologyWithoutPolicy,
      ),
    );
  }

  // lws-fleet: a topology key becomes a pod affinity topologyKey, which must be a qualified name.
  // An empty value switches exclusive placement off, as upstream copies only non-empty values.
  for (const key of [ANNOTATION_EXCLUSIVE_TOPOLOGY, ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY]) {
    const value = annotations[key];
    if (!value) continue;
    for (const msg of isQualifiedName(value)) {
      errors.push(invalid(child(PATH.annotations, key), value, msg));
    }
  }
  return errors;
}

/** Rules that only apply when `next` replaces `old` (both defaulted). */
export function validateUpdate(old: LeaderWorkerSet, next: LeaderWorkerSet): FieldError[] {
  const errors: FieldError[] = [];
  // apimachinery ValidateObjectMetaUpdate.
  if (old.metadata.name !== next.metadata.name) {
    errors.push(invalid(PATH.name, next.metadata.name, MSG.immutable));
  }
  if (old.metadata.namespace !== next.metadata.namespace) {
    errors.push(invalid(PATH.namespace, next.metadata.namespace, MSG.immutable));
  }
  const oldPolicy = old.spec.leaderWorkerTemplate.subGroupPolicy;
  const newPolicy = next.spec.leaderWorkerTemplate.subGroupPolicy;
  if (oldPolicy && newPolicy && oldPolicy.subGroupSize !== newPolicy.subGroupSize) {
    errors.push(invalid(PATH.subGroupSize, newPolicy.subGroupSize, MSG.immutable));
  }
  if (newPolicy && !oldPolicy) {
    errors.push(invalid(PATH.subGroupSize, newPolicy.subGroupSize, MSG.subGroupEnable));
  }
  if (!newPolicy && oldPolicy) {
    errors.push(invalid(PATH.subGroupSize, oldPolicy.subGroupSize, MSG.subGroupRemove));
  }
  // Unreachable after defaulting (subdomainPolicy null becomes Shared), kept as upstream has it.
  if (next.spec.networkConfig && next.spec.networkConfig.subdomainPolicy == null) {
    errors.push(
      invalid(
        PATH.subdomainPolicy,
        old.spec.networkConfig?.subdomainPolicy ?? null,
        MSG.subdomainNull,
      ),
    );
  }
  return errors;
}

function validateObjectMeta(lws: LeaderWorkerSet, bad: (...p: string[]) => boolean): FieldError[] {
  const errors: FieldError[] = [];
  const meta = lws.metadata;
  if (meta.generateName && !bad(PATH.generateName)) {
    for (const msg of isDNS1035Label(maskTrailingDash(meta.generateName))) {
      errors.push(invalid(PATH.generateName, meta.generateName, msg));
    }
  }
  if (!bad(PATH.name)) {
    if (!meta.name) {
      // lws-fleet applies manifests by name, so a generated name is no use.
      errors.push(
        required(PATH.name, meta.generateName ? MSG.nameRequiredNotGenerated : MSG.nameRequired),
      );
    } else {
      for (const msg of isDNS1035Label(meta.name)) errors.push(invalid(PATH.name, meta.name, msg));
    }
  }
  if (!bad(PATH.namespace)) {
    if (!meta.namespace) errors.push(required(PATH.namespace));
    else {
      for (const msg of isDNS1123Label(meta.namespace)) {
        errors.push(invalid(PATH.namespace, meta.namespace, msg));
      }
    }
  }
  for (const [key, value] of sortedEntries(meta.labels)) {
    for (const msg of isQualifiedName(key)) errors.push(invalid(PATH.labels, key, msg));
    for (const msg of isValidLabelValue(value)) errors.push(invalid(PATH.labels, value, msg));
  }
  let total = 0;
  for (const [key, value] of sortedEntries(meta.annotations)) {
    for (const msg of isQualifiedName(key.toLowerCase())) {
      errors.push(invalid(PATH.annotations, key, msg));
    }
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) {
    errors.push(tooLong(PATH.annotations, MSG.annotationsTooLong));
  }
  return errors;
}

function sortedEntries(map: Record<string, string> | undefined): [string, string][] {
  return Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** apimachinery's maskTrailingDash: a generateName prefix may end in '-'. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

/** The webhook's validatePositiveIntOrPercent and isNotMoreThan100Percent. */
function validateIntOrPercent(value: IntOrString, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof value === 'string') {
    for (const msg of isValidPercent(value)) errors.push(invalid(path, value, msg));
    const percent = percentValue(value);
    if (percent !== undefined && percent > 100) errors.push(invalid(path, value, MSG.over100));
  } else if (value < 0) {
    errors.push(invalid(path, value, MSG.nonNegative));
  }
  return errors;
}

function validatePodTemplate(
  template: V1PodTemplateSpec,
  path: string,
  bad: (...p: string[]) => boolean,
): FieldError[] {
  if (bad(path)) return [];
  const containersPath = child(path, 'spec', 'containers');
  const containers = template.spec?.containers;
  if (!containers || containers.length === 0) return [required(containersPath)];
  const errors: FieldError[] = [];
  containers.forEach((container, i) => {
    if (!container.name) errors.push(required(child(containersPath, i, 'name')));
  });
  (template.spec?.initContainers ?? []).forEach((container, i) => {
    if (!container.name) errors.push(required(child(path, 'spec', 'initContainers', i, 'name')));
  });
  return errors;
}
