/**
 * kube-sim: simulated Kubernetes clusters that the real kubectl and @kubernetes/client-node accept.
 * See DESIGN.md ("The simulator") and kube-api-reference.md.
 */
export {
  KubeSim,
  SimCluster,
  type ClusterSpec,
  type KubeSimOptions,
  type PartitionOptions,
  type ProfileName,
} from './sim';
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store';
export * from './store/types';
export {
  ApiServer,
  type AdmissionHook,
  type AdmissionRequest,
  type ApiServerOptions,
  type ConnectionMode,
  type RequestLogEntry,
  type WatchFilter,
  type WriteCounts,
} from './server/api-server';
export { ADMIN_ROUTES } from './server/admin';
export { kubeconfigYaml, writeKubeconfig, SIM_TOKEN, SIM_USER } from './server/kubeconfig';
export type { ApiVerb, ErrorFault, LatencyFault, FaultDescription } from './faults/api-faults';
export type {
  ControllerFaults,
  ControllerName,
  ControllerSet,
  SimProfile,
  TopologySpec,
  NodeShape,
} from './controllers/types';
