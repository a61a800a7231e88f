/**
 * A provisioner and binder in one: every claim is bound as soon as it exists (Immediate binding):
 * `spec.volumeName: pvc-<uid>`, `status.phase: Bound`, capacity = the request, access modes
 * copied; a PersistentVolume is created too when the store serves them.
 * Also the PVC protection controller: bound claims carry `kubernetes.io/pvc-protection`, so a
 * claim deleted while a pod still uses it stays Terminating until no such pod is left.
 */
import type { KubeObject, StoreEvent } from '../store/types';
import type { Controller, ControllerContext } from './runtime';
import { tryMutate } from './runtime';
import { objectKey } from './cache';
import { claimNames, isTerminal } from './scheduling';

export const FINALIZER_PVC_PROTECTION = 'kubernetes.io/pvc-protection';

type Rec = Record<string, unknown>;

export class PvcBinder implements Controller {
  readonly name = 'pvcBinder' as const;
  private pvSupported: boolean | undefined;

  constructor(private readonly ctx: ControllerContext) {}

  /** claim key → keys of the non-terminal pods that use it. */
  private readonly users = new Map<string, Set<string>>();
  /** pod key → claim keys it uses (as last indexed). */
  private readonly podClaims = new Map<string, string[]>();

  onEvent(event: StoreEvent): void {
    const o = event.object;
    const key = objectKey(o.metadata.namespace, o.metadata.name ?? '');
    if (event.resource === 'pods') {
      this.indexPod(key, event.type === 'DELETED' || isTerminal(o) ? undefined : o);
      return;
    }
    if (event.resource !== 'persistentvolumeclaims' || event.type === 'DELETED') return;
    const bound = (o.status as Rec | undefined)?.phase === 'Bound';
    if ((!bound && !o.metadata.deletionTimestamp) || o.metadata.deletionTimestamp)
      this.ctx.enqueue(this.name, key);
  }

  private indexPod(key: string, pod: KubeObject | undefined): void {
    const before = this.podClaims.get(key) ?? [];
    const after = pod ? claimNames(pod).map((c) => objectKey(pod.metadata.namespace, c)) : [];
    if (before.length === 0 && after.length === 0) return;
    for (const claim of before) {
      if (after.includes(claim)) continue;
      const set = this.users.get(claim);
      set?.delete(key);
      if (set && set.size === 0) this.users.delete(claim);
      // A claim waiting for its last user may go now.
      if (this.ctx.cache.claims.get(claim)?.metadata.deletionTimestamp)
        this.ctx.enqueue(this.name, claim);
    }
    for (const claim of after) {
      let set = this.users.get(claim);
      if (!set) this.users.set(claim, (set = new Set()));
      set.add(key);
    }
    if (after.length) this.podClaims.set(key, after);
    else this.podClaims.delete(key);
  }

  reconcile(key: string): void {
    const claim = this.ctx.cache.claims.get(key);
    if (!claim) return;
    if (claim.metadata.deletionTimestamp) {
      if ((this.users.get(key)?.size ?? 0) > 0) return;
      if (!(claim.metadata.finalizers ?? []).includes(FINALIZER_PVC_PROTECTION)) return;
      tryMutate(
        this.ctx.store,
        'persistentvolumeclaims',
        claim.metadata.namespace,
        claim.metadata.name ?? '',
        (c) => {
          if (c.metadata.uid !== claim.metadata.uid) return;
          c.metadata.finalizers = (c.metadata.finalizers ?? []).filter(
            (f) => f !== FINALIZER_PVC_PROTECTION,
          );
        },
      );
      return;
    }
    if ((claim.status as Rec | undefined)?.phase === 'Bound') return;
    const spec = (claim.spec ?? {}) as Rec;
    const volumeName = (spec.volumeName as string | undefined) || `pvc-${claim.metadata.uid}`;
    const storage =
      ((spec.resources as Rec | undefined)?.requests as Rec | undefined)?.storage ?? '1Gi';
    const accessModes = (spec.accessModes as string[] | undefined) ?? ['ReadWriteOnce'];
    this.createVolume(claim, volumeName, String(storage), accessModes);
    tryMutate(
      this.ctx.store,
      'persistentvolumeclaims',
      claim.metadata.namespace,
      claim.metadata.name ?? '',
      (c) => {
        if (c.metadata.uid !== claim.metadata.uid || c.metadata.deletionTimestamp) return;
        const s = (c.spec ?? (c.spec = {})) as Rec;
        s.volumeName = volumeName;
        s.storageClassName ??= 'standard';
        s.volumeMode ??= 'Filesystem';
        c.metadata.annotations = {
          ...(c.metadata.annotations ?? {}),
          'pv.kubernetes.io/bind-completed': 'yes',
          'pv.kubernetes.io/bound-by-controller': 'yes',
        };
        if (!(c.metadata.finalizers ?? []).includes(FINALIZER_PVC_PROTECTION)) {
          c.metadata.finalizers = [...(c.metadata.finalizers ?? []), FINALIZER_PVC_PROTECTION];
        }
        c.status = { phase: 'Bound', accessModes, capacity: { storage: String(storage) } };
      },
    );
  }

  private createVolume(
    claim: KubeObject,
    volumeName: string,
    storage: string,
    accessModes: string[],
  ): void {
    if (this.pvSupported === false) return;
    try {
      this.ctx.store.create('persistentvolumes', {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: {
          name: volumeName,
          annotations: { 'pv.kubernetes.io/provisioned-by': 'kube-sim' },
        },
        spec: {
          capacity: { storage },
          accessModes,
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName: 'standard',
          volumeMode: 'Filesystem',
          claimRef: {
            kind: 'PersistentVolumeClaim',
            namespace: claim.metadata.namespace,
            name: claim.metadata.name,
            uid: claim.metadata.uid,
            apiVersion: 'v1',
          },
          hostPath: { path: `/var/lib/kube-sim/volumes/${volumeName}` },
        },
        status: { phase: 'Bound' },
      });
      this.pvSupported = true;
    } catch (err) {
      // Not served by this store (404 on the resource), or already there (409): both fine.
      if ((err as { code?: number }).code === 404 && this.pvSupported === undefined)
        this.pvSupported = false;
    }
  }
}
