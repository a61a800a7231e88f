import { stringify } from 'yaml';

export const LWS_API_VERSION = 'leaderworkerset.x-k8s.io/v1';
export const LWS_KIND = 'LeaderWorkerSet';

export interface LwsObjectParts {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
}

/** The LWS as an object of `leaderworkerset.x-k8s.io/v1`, as upstream would serve it (without status). */
export function toLeaderWorkerSetObject(parts: LwsObjectParts): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: parts.name, namespace: parts.namespace };
  if (Object.keys(parts.labels).length) metadata.labels = parts.labels;
  if (Object.keys(parts.annotations).length) metadata.annotations = parts.annotations;
  return { apiVersion: LWS_API_VERSION, kind: LWS_KIND, metadata, spec: parts.spec };
}

/** The same, as YAML: what `manifest` shows and what a user can apply again unchanged. */
export function toManifestYaml(parts: LwsObjectParts): string {
  return stringify(toLeaderWorkerSetObject(parts), { lineWidth: 0 });
}
