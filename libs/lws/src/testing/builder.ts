// A fluent builder of LeaderWorkerSet manifests for tests, in the spirit of upstream's
// test/wrappers/wrappers.go: `lws('sample').replicas(3).size(4).exclusiveTopology('rack').build()`.
// It produces manifests as a user writes them (defaults left out unless set), as an object,
// YAML or JSON text. `.set(path, value)` writes anything, including wrong types, for negative tests.
import type { V1Container, V1PodTemplateSpec } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import {
  ANNOTATION_EXCLUSIVE_TOPOLOGY,
  ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY,
  LWS_API_VERSION,
  LWS_KIND,
} from '../constants';
import type { IntOrString } from '../types';

export const DEFAULT_TEST_IMAGE = 'nginxinc/nginx-unprivileged:1.27';

type Json = Record<string, unknown>;

/** A pod template with one container. */
export function podTemplate(
  containerName = 'server',
  image = DEFAULT_TEST_IMAGE,
  extra: Partial<V1Container> = {},
): V1PodTemplateSpec {
  return { spec: { containers: [{ name: containerName, image, ...extra }] } };
}

export class LeaderWorkerSetBuilder {
  private readonly obj: Json;

  constructor(name: string | null) {
    this.obj = {
      apiVersion: LWS_API_VERSION,
      kind: LWS_KIND,
      metadata: name === null ? {} : { name },
      spec: { leaderWorkerTemplate: { workerTemplate: podTemplate() } },
    };
  }

  /** Sets any dotted path (`spec.replicas`, `metadata.annotations.x/y` is not split after the first `annotations.`). */
  set(path: string, value: unknown): this {
    const parts = splitPath(path);
    let node = this.obj;
    for (const part of parts.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part] as Json;
    }
    const last = parts[parts.length - 1];
    if (value === undefined) delete node[last];
    else node[last] = value;
    return this;
  }

  /** Removes a dotted path. */
  unset(path: string): this {
    return this.set(path, undefined);
  }

  namespace(ns: string): this {
    return this.set('metadata.namespace', ns);
  }
  label(key: string, value: string): this {
    return this.set(`metadata.labels.${key}`, value);
  }
  annotation(key: string, value: string): this {
    return this.set(`metadata.annotations.${key}`, value);
  }
  exclusiveTopology(topologyKey: string): this {
    return this.annotation(ANNOTATION_EXCLUSIVE_TOPOLOGY, topologyKey);
  }
  subGroupExclusiveTopology(topologyKey: string): this {
    return this.annotation(ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY, topologyKey);
  }
  replicas(n: unknown): this {
    return this.set('spec.replicas', n);
  }
  size(n: unknown): this {
    return this.set('spec.leaderWorkerTemplate.size', n);
  }
  restartPolicy(policy: string): this {
    return this.set('spec.leaderWorkerTemplate.restartPolicy', policy);
  }
  startupPolicy(policy: string): this {
    return this.set('spec.startupPolicy', policy);
  }
  subdomainPolicy(policy: string): this {
    return this.set('spec.networkConfig.subdomainPolicy', policy);
  }
  /** `subGroup(2)` or `subGroup(2, 'LeaderExcluded')`; type left out means the default. */
  subGroup(subGroupSize: unknown, type?: string): this {
    this.set('spec.leaderWorkerTemplate.subGroupPolicy.subGroupSize', subGroupSize);
    if (type !== undefined) {
      this.set('spec.leaderWorkerTemplate.subGroupPolicy.subGroupPolicyType', type);
    }
    return this;
  }
  leaderTemplate(template: V1PodTemplateSpec | unknown = podTemplate('leader')): this {
    return this.set('spec.leaderWorkerTemplate.leaderTemplate', template);
  }
  workerTemplate(template: V1PodTemplateSpec | unknown = podTemplate('worker')): this {
    return this.set('spec.leaderWorkerTemplate.workerTemplate', template);
  }
  /** Sets the image of the worker template's first container, keeping the rest of the template. */
  image(image: string): this {
    const path = 'spec.leaderWorkerTemplate.workerTemplate.spec.containers';
    const containers = structuredClone((getPath(this.obj, path) as Json[] | undefined) ?? []);
    if (containers.length === 0) containers.push({ name: 'server' });
    containers[0] = { ...containers[0], image };
    return this.set(path, containers);
  }
  rolloutType(type: string): this {
    return this.set('spec.rolloutStrategy.type', type);
  }
  rollingUpdate(config: {
    maxUnavailable?: IntOrString | unknown;
    maxSurge?: IntOrString | unknown;
    partition?: number | unknown;
  }): this {
    for (const [key, value] of Object.entries(config)) {
      this.set(`spec.rolloutStrategy.rollingUpdateConfiguration.${key}`, value);
    }
    return this;
  }
  maxUnavailable(value: IntOrString | unknown): this {
    return this.rollingUpdate({ maxUnavailable: value });
  }
  maxSurge(value: IntOrString | unknown): this {
    return this.rollingUpdate({ maxSurge: value });
  }
  partition(value: number | unknown): this {
    return this.rollingUpdate({ partition: value });
  }
  /** Adds a volume claim template named `name` requesting `storage`. */
  volumeClaim(name: string, storage = '1Gi', storageClassName?: string): this {
    const path = 'spec.leaderWorkerTemplate.volumeClaimTemplates';
    const current = (getPath(this.obj, path) as unknown[] | undefined) ?? [];
    const claim = {
      metadata: { name },
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(storageClassName ? { storageClassName } : {}),
        resources: { requests: { storage } },
      },
    };
    return this.set(path, [...current, claim]);
  }
  pvcRetention(whenDeleted?: string, whenScaled?: string): this {
    const policy: Json = {};
    if (whenDeleted !== undefined) policy.whenDeleted = whenDeleted;
    if (whenScaled !== undefined) policy.whenScaled = whenScaled;
    return this.set('spec.leaderWorkerTemplate.persistentVolumeClaimRetentionPolicy', policy);
  }

  /** The manifest object (a fresh copy on every call). */
  build(): Json {
    return structuredClone(this.obj);
  }
  yaml(): string {
    return stringify(this.obj);
  }
  json(): string {
    return JSON.stringify(this.obj, null, 2);
  }
}

/** Starts a manifest with one worker template; pass `null` for a manifest without a name. */
export function lws(name: string | null = 'sample'): LeaderWorkerSetBuilder {
  return new LeaderWorkerSetBuilder(name);
}

/** Splits a dotted path, keeping label/annotation keys (which contain dots and slashes) whole. */
function splitPath(path: string): string[] {
  const match = /^(metadata\.(?:labels|annotations))\.(.+)$/.exec(path);
  if (match) return [...match[1].split('.'), match[2]];
  return path.split('.');
}

function getPath(obj: Json, path: string): unknown {
  let node: unknown = obj;
  for (const part of splitPath(path)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Json)[part];
  }
  return node;
}
