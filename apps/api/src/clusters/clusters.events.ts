/** The facts of a cluster registration, in the stream `Cluster-<name>`. */
export const ClusterEventType = {
  Registered: 'ClusterRegistered',
  Removed: 'ClusterRemoved',
} as const;

export const clusterStreamId = (name: string): string => `Cluster-${name}`;

export interface ClusterRegisteredData {
  name: string;
  server: string;
  credentialKind: string;
  /** The kubeconfig sealed with the SecretBox (AES-256-GCM); never the plain text. */
  kubeconfigSealed: string;
}

export interface ClusterRemovedData {
  name: string;
}
