/**
 * A provisioner and binder in one: every claim is bound as soon as it exists (Immediate binding):
 * `spec.volumeName: pvc-<uid>`, `status.phase: Bound`, capacity = the request, access modes
 * copied; a PersistentVolume is created too when the store serves them.
 */
import type { KubeObject, StoreEvent } from '../store/types';
import type { Controller, ControllerContext } from './runtime';
import { tryMutate } from './runtime';
import { objectKey } from './cache';

type Rec = Record<string, unknown>;

export class PvcBinder implements Controller {
  readonly name = 'pvcBinder' as const;
  private pvSupported: boolean | undefined;

  constructor(private readonly ctx: ControllerContext) {}

  onEvent(event: StoreEvent): void {
    if (event.resource !== 'persistentvolumeclaims' || event.type === 'DELETED') return;
    const o = event.object;
    if ((o.status as Rec | undefined)?.phase === 'Bound' || o.metadata.deletionTimestamp) return;
    this.ctx.enqueue(this.name, objectKey(o.metadata.namespace, o.metadata.name ?? ''));
  }

  reconcile(key: string): void {
    const claim = this.ctx.cache.claims.get(key);
    if (!claim || claim.metadata.deletionTimestamp) return;
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
        if (c.metadata.uid !== claim.metadata.uid) return;
        const s = (c.spec ?? (c.spec = {})) as Rec;
        s.volumeName = volumeName;
        s.storageClassName ??= 'standard';
        s.volumeMode ??= 'Filesystem';
        c.metadata.annotations = {
          ...(c.metadata.annotations ?? {}),
          'pv.kubernetes.io/bind-completed': 'yes',
          'pv.kubernetes.io/bound-by-controller': 'yes',
        };
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
