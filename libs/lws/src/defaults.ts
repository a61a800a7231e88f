// Defaulting exactly as upstream: the CRD's OpenAPI defaults (replicas, size, restartPolicy,
// startupPolicy, rolloutStrategy.type, the rollingUpdateConfiguration fields, subGroupPolicyType)
// followed by the mutating webhook's (`Default` in pkg/webhooks/leaderworkerset_webhook.go:
// restartPolicy "" → RecreateGroupOnPodRestart and Default → None, the whole
// rollingUpdateConfiguration when absent, networkConfig → {subdomainPolicy: Shared}).
// Plus lws-fleet's own: metadata.namespace → "default". An explicit "" is kept where upstream keeps
// it (startupPolicy, subdomainPolicy, subGroupPolicyType: the enum check then refuses it) and
// replaced where the webhook replaces it (restartPolicy, rolloutStrategy.type).
import {
  DEFAULT_MAX_SURGE,
  DEFAULT_MAX_UNAVAILABLE,
  DEFAULT_NAMESPACE,
  DEFAULT_PARTITION,
  DEFAULT_REPLICAS,
  DEFAULT_RESTART_POLICY,
  DEFAULT_ROLLOUT_STRATEGY_TYPE,
  DEFAULT_SIZE,
  DEFAULT_STARTUP_POLICY,
  DEFAULT_SUBDOMAIN_POLICY,
  DEFAULT_SUBGROUP_POLICY_TYPE,
  LWS_API_VERSION,
  LWS_KIND,
  RestartPolicy,
} from './constants';
import type {
  LeaderWorkerSet,
  LeaderWorkerSetManifest,
  LeaderWorkerTemplate,
  SubGroupPolicy,
} from './types';

export const RESTART_POLICY_FIELD = 'spec.leaderWorkerTemplate.restartPolicy';

export interface DefaultingResult {
  lws: LeaderWorkerSet;
  /** Silent rewrites upstream makes that a user may want to know about. */
  notices: string[];
}

/**
 * Returns a defaulted copy; the input is not modified. Required fields that are missing
 * (`spec.leaderWorkerTemplate.workerTemplate`, the name) stay empty for validation to report.
 */
export function defaultLeaderWorkerSet(manifest: LeaderWorkerSetManifest): DefaultingResult {
  const notices: string[] = [];
  const src = structuredClone(manifest);
  const spec = src.spec ?? {};
  const lwt = spec.leaderWorkerTemplate ?? {};

  let restartPolicy = lwt.restartPolicy || DEFAULT_RESTART_POLICY;
  if (restartPolicy === RestartPolicy.Default) {
    restartPolicy = RestartPolicy.None;
    notices.push(
      `${RESTART_POLICY_FIELD}: "${RestartPolicy.Default}" is deprecated and means ` +
        `"${RestartPolicy.None}"; stored as "${RestartPolicy.None}"`,
    );
  }

  const template: LeaderWorkerTemplate = {
    ...(lwt.leaderTemplate ? { leaderTemplate: lwt.leaderTemplate } : {}),
    workerTemplate: lwt.workerTemplate ?? {},
    size: lwt.size ?? DEFAULT_SIZE,
    restartPolicy,
  };
  if (lwt.subGroupPolicy) {
    const policy: SubGroupPolicy = {
      subGroupPolicyType:
        (lwt.subGroupPolicy.subGroupPolicyType as SubGroupPolicy['subGroupPolicyType']) ??
        DEFAULT_SUBGROUP_POLICY_TYPE,
      // Left absent when missing (validation reports it); upstream would crash on it.
      subGroupSize: lwt.subGroupPolicy.subGroupSize as number,
    };
    if (policy.subGroupSize === undefined) delete (policy as Partial<SubGroupPolicy>).subGroupSize;
    template.subGroupPolicy = policy;
  }
  if (lwt.volumeClaimTemplates) template.volumeClaimTemplates = lwt.volumeClaimTemplates;
  if (lwt.persistentVolumeClaimRetentionPolicy) {
    template.persistentVolumeClaimRetentionPolicy = lwt.persistentVolumeClaimRetentionPolicy;
  }

  const ruc = spec.rolloutStrategy?.rollingUpdateConfiguration;
  const metadata = { ...src.metadata };
  if (!metadata.namespace) metadata.namespace = DEFAULT_NAMESPACE;
  if (metadata.labels && Object.keys(metadata.labels).length === 0) delete metadata.labels;
  if (metadata.annotations && Object.keys(metadata.annotations).length === 0) {
    delete metadata.annotations;
  }

  const lws: LeaderWorkerSet = {
    apiVersion: src.apiVersion || LWS_API_VERSION,
    kind: src.kind || LWS_KIND,
    metadata: { ...metadata, name: metadata.name ?? '', namespace: metadata.namespace },
    spec: {
      replicas: spec.replicas ?? DEFAULT_REPLICAS,
      leaderWorkerTemplate: template,
      rolloutStrategy: {
        type: spec.rolloutStrategy?.type || DEFAULT_ROLLOUT_STRATEGY_TYPE,
        rollingUpdateConfiguration: {
          partition: ruc?.partition ?? DEFAULT_PARTITION,
          maxUnavailable: ruc?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
          maxSurge: ruc?.maxSurge ?? DEFAULT_MAX_SURGE,
        },
      },
      startupPolicy: spec.startupPolicy ?? DEFAULT_STARTUP_POLICY,
      networkConfig: {
        subdomainPolicy: spec.networkConfig?.subdomainPolicy ?? DEFAULT_SUBDOMAIN_POLICY,
      },
    },
  };
  return { lws, notices };
}
