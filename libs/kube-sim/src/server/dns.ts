/**
 * The cluster DNS as a read-only view (nothing resolves for real): Service and pod names per the
 * rules of https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/, so tests can
 * assert that e.g. an LWS leader address reaches the leader pod.
 */
import type { MemoryStore } from '../store/memory-store';
import type { KubeObject } from '../store/types';

type Obj = Record<string, unknown>;

function ready(pod: KubeObject): boolean {
  const conds = ((pod.status as Obj | undefined)?.conditions as Obj[] | undefined) ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** FQDN → IPs, sorted by name. */
export function dnsView(
  store: MemoryStore,
  clusterDomain = 'cluster.local',
): Record<string, string[]> {
  const records = new Map<string, string[]>();
  const add = (name: string, ip: string): void => {
    const list = records.get(name) ?? [];
    if (!list.includes(ip)) list.push(ip);
    records.set(name, list);
  };
  for (const svc of store.rawList('services').items) {
    const ns = svc.metadata.namespace!;
    const name = svc.metadata.name!;
    const spec = (svc.spec ?? {}) as Obj;
    const fqdn = `${name}.${ns}.svc.${clusterDomain}`;
    if (spec.clusterIP !== 'None') {
      if (typeof spec.clusterIP === 'string' && spec.clusterIP) add(fqdn, spec.clusterIP);
      continue;
    }
    const selector = spec.selector as Record<string, string> | undefined;
    if (!selector || !Object.keys(selector).length) continue;
    const publishNotReady = spec.publishNotReadyAddresses === true;
    for (const pod of store.rawList('pods', { namespace: ns }).items) {
      const labels = pod.metadata.labels ?? {};
      if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
      const ip = (pod.status as Obj | undefined)?.podIP as string | undefined;
      if (!ip) continue;
      if (!publishNotReady && (pod.metadata.deletionTimestamp || !ready(pod))) continue;
      add(fqdn, ip);
      const podSpec = (pod.spec ?? {}) as Obj;
      if (podSpec.subdomain === name && typeof podSpec.hostname === 'string' && podSpec.hostname) {
        add(`${podSpec.hostname}.${name}.${ns}.svc.${clusterDomain}`, ip);
      }
    }
  }
  return Object.fromEntries([...records.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
