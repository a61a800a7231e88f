import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** One cluster's API access through @kubernetes/client-node, built from a (decrypted) kubeconfig. */
export interface ClusterConnection {
  name: string;
  server: string;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
}

export function connectCluster(name: string, kubeconfig: string): ClusterConnection {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfig);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error(`cluster ${name}: the kubeconfig has no current cluster`);
  return { name, server: cluster.server, kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api) };
}
