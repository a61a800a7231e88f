import {
  CoreV1Api,
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
  setHeaderMiddleware,
} from '@kubernetes/client-node';
import { UndiciRequestHttpLibrary } from './http-library';

/** What lws-fleet's API calls say they are (the API server's audit log shows it). */
export const USER_AGENT = 'lws-fleet (@kubernetes/client-node)';

/** One cluster's API access through @kubernetes/client-node, built from a (decrypted) kubeconfig. */
export interface ClusterConnection {
  name: string;
  server: string;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
}

type DispatcherFactory = (cluster: unknown, options: unknown) => unknown;

/**
 * client-node 2.0 builds a new undici Agent, hence a new connection (and a TLS handshake on a real
 * cluster), for every request. All requests to one cluster use the same server and credentials, so
 * this kubeconfig hands out one Agent, whose pool keeps connections alive between requests. Should a
 * later client-node drop the (private) factory, requests simply keep their own agents.
 */
function shareDispatcher(kubeConfig: KubeConfig): void {
  const target = kubeConfig as unknown as { createDispatcher?: DispatcherFactory };
  const create = target.createDispatcher;
  if (typeof create !== 'function') return;
  const agents = new Map<string, unknown>();
  target.createDispatcher = (cluster, options) => {
    const key = JSON.stringify(options ?? {});
    if (!agents.has(key)) agents.set(key, create.call(kubeConfig, cluster, options));
    return agents.get(key);
  };
}

export function connectCluster(name: string, kubeconfig: string): ClusterConnection {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfig);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error(`cluster ${name}: the kubeconfig has no current cluster`);
  shareDispatcher(kubeConfig);
  // What makeApiClient builds, with the leaner transport (see UndiciRequestHttpLibrary).
  const core = new CoreV1Api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      middleware: [setHeaderMiddleware('User-Agent', USER_AGENT)],
      httpApi: new UndiciRequestHttpLibrary(),
    }),
  );
  return { name, server: cluster.server, kubeConfig, core };
}
