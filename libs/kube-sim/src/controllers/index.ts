/**
 * The simulated control plane of one cluster: kube-scheduler, the kubelets, node lifecycle, the
 * garbage collector, the PVC binder and the namespace controller, acting on an ObjectStore and
 * timed by a SimClock. sim.ts wires them: `startControllers({ store, clock, profile })`.
 */
export * from './types';
export { createClock, rfc3339, rfc3339Micro, type ControllableClock } from './clock';
export {
  bootstrapObjects,
  buildNamespace,
  buildNode,
  buildNodes,
  defaultTopology,
  CPU_NODE,
  GPU_NODE,
  SYSTEM_NAMESPACES,
} from './topology';
export { PROFILES } from './profiles';
export {
  fits,
  scheduleOne,
  podRequests,
  ArrayView,
  type FitResult,
  type SchedulingView,
} from './scheduling';
export { startControllers, seededRandom, type ControllerSetInternals } from './controller-set';
export {
  ANNOTATION_READY_DELAY,
  ANNOTATION_START_DELAY,
  ANNOTATION_STUCK_PENDING,
  LABEL_INSTANCE_TYPE,
  LABEL_RACK,
  LABEL_ZONE,
  RESOURCE_GPU,
} from './labels';
