// The non-pod objects lws-fleet creates: the namespace (when missing), the anchor ConfigMap, the
// headless Services (lws-reference §3.3) and the PVCs of volumeClaimTemplates (§3.6).
import type {
  V1ConfigMap,
  V1Namespace,
  V1OwnerReference,
  V1PersistentVolumeClaim,
  V1Service,
} from '@kubernetes/client-node';
import {
  LABEL_GROUP_INDEX,
  LABEL_GROUP_KEY,
  LABEL_NAME,
  LABEL_WORKER_INDEX,
} from '../../lws/src/constants';
import {
  ANCHOR_DATA,
  LABEL_LWS_UID,
  LABEL_MANAGED_BY,
  LABEL_ROLE,
  MANAGED_BY_VALUE,
  ROLE_ANCHOR,
} from './constants';
import { anchorName, pvcName } from './names';
import type { DesiredLws } from './types';

/** lws-fleet's labels on every object it creates for this LWS. */
export function fleetLabels(lws: Pick<DesiredLws, 'uid'>): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_LWS_UID]: lws.uid };
}

export function ownerRef(
  kind: 'ConfigMap' | 'Pod',
  name: string,
  uid: string | undefined,
): V1OwnerReference {
  return {
    apiVersion: 'v1',
    kind,
    name,
    uid: uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A reference that makes the owner's deletion remove the object, without being its controller. */
function nonControllerRef(kind: 'ConfigMap' | 'Pod', name: string, uid: string): V1OwnerReference {
  return { apiVersion: 'v1', kind, name, uid, blockOwnerDeletion: true };
}

export function buildNamespace(namespace: string): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE } },
  };
}

/** The rollout bookkeeping the anchor carries, upstream's leader StatefulSet fields. */
export interface AnchorState {
  templateHash: string;
  stableTemplateHash: string;
  partition: number;
  groups: number;
  replicas: number;
}

export function anchorData(lws: DesiredLws, state: AnchorState): Record<string, string> {
  return {
    [ANCHOR_DATA.uid]: lws.uid,
    [ANCHOR_DATA.namespace]: lws.namespace,
    [ANCHOR_DATA.name]: lws.name,
    [ANCHOR_DATA.generation]: String(lws.generation),
    [ANCHOR_DATA.revision]: String(lws.revision),
    [ANCHOR_DATA.templateHash]: state.templateHash,
    [ANCHOR_DATA.stableTemplateHash]: state.stableTemplateHash,
    [ANCHOR_DATA.partition]: String(state.partition),
    [ANCHOR_DATA.groups]: String(state.groups),
    [ANCHOR_DATA.replicas]: String(state.replicas),
  };
}

/** Reads the state back; undefined when the anchor is missing or unreadable (treated as new). */
export function readAnchorState(anchor: V1ConfigMap | undefined): AnchorState | undefined {
  const data = anchor?.data;
  if (!data) return undefined;
  const int = (key: string) => {
    const value = Number(data[key]);
    return Number.isInteger(value) && value >= 0 ? value : undefined;
  };
  const partition = int(ANCHOR_DATA.partition);
  const groups = int(ANCHOR_DATA.groups);
  const replicas = int(ANCHOR_DATA.replicas);
  const templateHash = data[ANCHOR_DATA.templateHash];
  if (partition === undefined || groups === undefined || replicas === undefined || !templateHash) {
    return undefined;
  }
  return {
    templateHash,
    stableTemplateHash: data[ANCHOR_DATA.stableTemplateHash] || templateHash,
    partition,
    groups,
    replicas,
  };
}

export function buildAnchor(lws: DesiredLws, state: AnchorState): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: anchorName(lws.name),
      namespace: lws.namespace,
      labels: { [LABEL_NAME]: lws.name, ...fleetLabels(lws), [LABEL_ROLE]: ROLE_ANCHOR },
    },
    data: anchorData(lws, state),
  };
}

/** Shared (`<lws>`, owned by the anchor) or per group (`<lws>-<i>`, owned by its leader pod). */
export function buildService(
  lws: DesiredLws,
  name: string,
  selector: Record<string, string>,
  owner: V1OwnerReference,
): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: lws.namespace,
      labels: { [LABEL_NAME]: lws.name, ...fleetLabels(lws) },
      ownerReferences: [owner],
    },
    spec: { clusterIP: 'None', selector, publishNotReadyAddresses: true },
  };
}

export function sharedServiceSelector(lws: DesiredLws): Record<string, string> {
  return { [LABEL_NAME]: lws.name };
}

export function groupServiceSelector(lws: DesiredLws, group: number): Record<string, string> {
  return { [LABEL_NAME]: lws.name, [LABEL_GROUP_INDEX]: String(group) };
}

/**
 * The PVC a StatefulSet would create for one claim template and pod: the fields
 * `GetPVCApplyConfiguration` keeps, labelled with the StatefulSet's selector (leader: name +
 * worker-index 0; worker: name + group-index + group-key). `owner` expresses the retention policy
 * `whenDeleted: Delete` (the anchor for leaders, the leader pod for workers); Retain has none.
 */
export function buildPvc(
  lws: DesiredLws,
  claim: V1PersistentVolumeClaim,
  podName: string,
  role: { leader: true } | { leader: false; group: number; groupKey: string },
  owner: { kind: 'ConfigMap' | 'Pod'; name: string; uid: string } | undefined,
): V1PersistentVolumeClaim {
  const selector: Record<string, string> = role.leader
    ? { [LABEL_NAME]: lws.name, [LABEL_WORKER_INDEX]: '0' }
    : {
        [LABEL_NAME]: lws.name,
        [LABEL_GROUP_INDEX]: String(role.group),
        [LABEL_GROUP_KEY]: role.groupKey,
      };
  const source = claim.spec ?? {};
  const spec: V1PersistentVolumeClaim['spec'] = {};
  if (source.accessModes) spec.accessModes = [...source.accessModes];
  if (source.storageClassName !== undefined) spec.storageClassName = source.storageClassName;
  if (source.volumeMode !== undefined) spec.volumeMode = source.volumeMode;
  if (source.resources) spec.resources = structuredClone(source.resources);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: pvcName(claim.metadata?.name ?? '', podName),
      namespace: lws.namespace,
      labels: { ...selector, ...fleetLabels(lws) },
      ...(owner ? { ownerReferences: [nonControllerRef(owner.kind, owner.name, owner.uid)] } : {}),
    },
    spec,
  };
}
