// lws-fleet's own names in a member cluster. Upstream's `leaderworkerset.sigs.k8s.io/*` names live
// in libs/lws; these are the ones lws-fleet adds so its objects are found by label and never
// confused with objects it does not own.

/** Standard label on every object lws-fleet creates. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'lws-fleet';

/** The LeaderWorkerSet's uid (lws-fleet's, from the event store) on every object it creates. */
export const LABEL_LWS_UID = 'fleet.lws.dev/lws-uid';

/** Marks the anchor ConfigMap (value `anchor`), so a selector can tell it from user ConfigMaps. */
export const LABEL_ROLE = 'fleet.lws.dev/role';
export const ROLE_ANCHOR = 'anchor';

/**
 * The anchor ConfigMap is named `<lws>.lws-fleet`: a dot cannot appear in an LWS name (a DNS-1035
 * label), so no two LWSs' anchors, and no pod or Service of any LWS, can share it.
 */
export const ANCHOR_NAME_SUFFIX = '.lws-fleet';

/** Keys of the anchor's `data`. The anchor plays the leader StatefulSet's part in upstream. */
export const ANCHOR_DATA = {
  uid: 'uid',
  namespace: 'namespace',
  name: 'name',
  generation: 'generation',
  revision: 'revision',
  /** The revision key every group is moving to (the leader StatefulSet's update revision). */
  templateHash: 'templateHash',
  /** The key before the current rollout started (the StatefulSet's current revision). */
  stableTemplateHash: 'stableTemplateHash',
  /** Groups below it keep their revision (the leader StatefulSet's rollingUpdate.partition). */
  partition: 'partition',
  /** Number of groups wanted, surge included (the leader StatefulSet's spec.replicas). */
  groups: 'groups',
  /** spec.replicas when the anchor was last written (the `replicas` annotation upstream). */
  replicas: 'replicas',
} as const;

/** StatefulSet controller labels on the pods it creates; lws-fleet sets them the same way. */
export const LABEL_STS_POD_NAME = 'statefulset.kubernetes.io/pod-name';
export const LABEL_STS_POD_INDEX = 'apps.kubernetes.io/pod-index';

export const POD_RUNNING = 'Running';
export const POD_PENDING = 'Pending';
export const POD_FAILED = 'Failed';
export const POD_SUCCEEDED = 'Succeeded';
