/** Well-known label, taint and annotation keys the controllers read or write. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
/** The rack label of the concept document's exclusive-topology examples. */
export const LABEL_RACK = 'rack';

export const RESOURCE_GPU = 'nvidia.com/gpu';

export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

export const FINALIZER_FOREGROUND = 'foregroundDeletion';
export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_NAMESPACE = 'kubernetes';

export const DEFAULT_SCHEDULER = 'default-scheduler';
/** DefaultTolerationSeconds admission: the value the profile's podEvictionTimeoutMs stands for. */
export const DEFAULT_TOLERATION_SECONDS = 300;

/**
 * Per-pod controls for scripted scenarios (KWOK-style), e.g. in a pod template:
 * start and ready delays in ms overriding the profile, and a reason to stay Pending with.
 */
export const ANNOTATION_PREFIX = 'kube-sim.lws-fleet.io/';
export const ANNOTATION_START_DELAY = `${ANNOTATION_PREFIX}start-delay-ms`;
export const ANNOTATION_READY_DELAY = `${ANNOTATION_PREFIX}ready-delay-ms`;
export const ANNOTATION_STUCK_PENDING = `${ANNOTATION_PREFIX}stuck-pending`;
