// Removing an LWS from a cluster: delete the anchor in the foreground, so the cluster's garbage
// collector removes the leaders (and through them the workers and per-group Services), the shared
// Service and the PVCs the retention policy marks for deletion. Anything left without an owner
// (an anchor deleted by hand, a leader whose anchor is gone) is deleted directly.
import { PvcRetentionPolicyType } from '../../lws/src';
import { isTerminating } from './observed-pods';
import type { Action, DeletionPlan, DesiredLws, ObjectKind, Observed } from './types';

type Meta = {
  metadata?: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: unknown };
};

function del(
  kind: ObjectKind,
  obj: Meta,
  propagationPolicy: 'Foreground' | 'Background',
  reason: string,
): Action {
  return {
    type: 'delete',
    kind,
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    uid: obj.metadata?.uid ?? '',
    propagationPolicy,
    reason,
  };
}

/**
 * `desired` needs the name and, for the PVC retention policy, the spec of the last revision
 * (whenDeleted: Delete removes the PVCs; Retain, the default, keeps them, as a StatefulSet does).
 */
export function planDeletion(
  desired: Pick<DesiredLws, 'name' | 'namespace'> & { spec?: DesiredLws['spec'] },
  observed: Observed,
): DeletionPlan {
  const actions: Action[] = [];
  const remaining: string[] = [];
  const anchor = observed.anchor;
  const deletePvcs =
    desired.spec?.leaderWorkerTemplate.persistentVolumeClaimRetentionPolicy?.whenDeleted ===
    PvcRetentionPolicyType.Delete;
  if (anchor) {
    remaining.push(`ConfigMap/${anchor.metadata?.name}`);
    if (!isTerminating(anchor)) {
      actions.push(
        del(
          'ConfigMap',
          anchor,
          'Foreground',
          `LWS ${desired.namespace}/${desired.name} deleted: anchor removed with its dependants`,
        ),
      );
    }
  }
  const reason = `LWS ${desired.namespace}/${desired.name} deleted`;
  for (const pod of observed.pods) {
    remaining.push(`Pod/${pod.metadata?.name}`);
    // Without an anchor nothing will collect them; with one, the garbage collector does.
    if (!anchor && !isTerminating(pod)) actions.push(del('Pod', pod, 'Foreground', reason));
  }
  for (const service of observed.services) {
    remaining.push(`Service/${service.metadata?.name}`);
    if (!anchor && !isTerminating(service))
      actions.push(del('Service', service, 'Background', reason));
  }
  if (deletePvcs) {
    for (const pvc of observed.pvcs) {
      remaining.push(`PersistentVolumeClaim/${pvc.metadata?.name}`);
      if (!anchor && !isTerminating(pvc)) {
        actions.push(
          del('PersistentVolumeClaim', pvc, 'Background', `${reason} (whenDeleted: Delete)`),
        );
      }
    }
  }
  return { actions, done: remaining.length === 0, remaining };
}
