/**
 * Kubeconfig files for simulated clusters. Plain http needs `insecure-skip-tls-verify: true` for
 * client-node (it refuses http otherwise); kubectl accepts the same file.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { stringify } from 'yaml';

export const SIM_USER = 'kube-sim';
export const SIM_TOKEN = 'kube-sim-token';

export interface KubeconfigEntry {
  name: string;
  server: string;
  namespace?: string;
}

export function kubeconfigYaml(entries: KubeconfigEntry[], currentContext?: string): string {
  if (!entries.length) throw new Error('a kubeconfig needs at least one cluster');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: entries.map((e) => ({
      name: e.name,
      cluster: { server: e.server, 'insecure-skip-tls-verify': true },
    })),
    users: [{ name: SIM_USER, user: { token: SIM_TOKEN } }],
    contexts: entries.map((e) => ({
      name: e.name,
      context: { cluster: e.name, user: SIM_USER, namespace: e.namespace ?? 'default' },
    })),
    'current-context': currentContext ?? entries[0].name,
  });
}

/** Writes atomically (temp file + rename), so a reader never sees half a kubeconfig. */
export function writeKubeconfig(
  path: string,
  entries: KubeconfigEntry[],
  currentContext?: string,
): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, kubeconfigYaml(entries, currentContext), { mode: 0o600 });
  renameSync(tmp, path);
}
