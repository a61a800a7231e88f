/**
 * The garbage collector, event-driven over ownerReferences (indexed by owner uid in the cache):
 * - an owner that is gone (no object with that uid: deleted, or never existed) makes its
 *   dependents candidates; a dependent whose owners are all gone is deleted (Background);
 * - a dependent with a live owner as well only loses the references to gone owners;
 * - an owner with `foregroundDeletion` has its dependents deleted (in foreground themselves when
 *   they own objects), and loses the finalizer once no dependent with blockOwnerDeletion is left;
 * - an owner with `orphan` has itself removed from its dependents' ownerReferences, then loses
 *   the finalizer.
 * Keys: `o:<uid>` (an owner being deleted) and `d:<uid>` (a dependent to check).
 */
import type { StoreEvent } from '../store/types';
import type { Controller, ControllerContext } from './runtime';
import { tryDelete, tryMutate } from './runtime';
import type { ObjectRef } from './cache';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from './labels';

export class GarbageCollector implements Controller {
  readonly name = 'gc' as const;

  constructor(private readonly ctx: ControllerContext) {}

  onEvent(event: StoreEvent): void {
    const { object, type } = event;
    const uid = object.metadata.uid;
    if (!uid) return;
    const owners = object.metadata.ownerReferences ?? [];
    if (type === 'DELETED') {
      // Its dependents may now be orphans; owners waiting in foreground may now be free.
      for (const dep of this.ctx.cache.dependents.get(uid) ?? [])
        this.ctx.enqueue(this.name, `d:${dep}`);
      for (const o of owners) this.ctx.enqueue(this.name, `o:${o.uid}`);
      return;
    }
    const prevOwners = event.previous?.metadata.ownerReferences ?? [];
    // Owners dropped from the list may have been waiting on this dependent (foreground).
    for (const o of prevOwners) {
      if (!owners.some((x) => x.uid === o.uid)) this.ctx.enqueue(this.name, `o:${o.uid}`);
    }
    if (owners.length && (type === 'ADDED' || !sameUids(owners, prevOwners)))
      this.ctx.enqueue(this.name, `d:${uid}`);
    const finalizers = object.metadata.finalizers ?? [];
    if (
      object.metadata.deletionTimestamp &&
      (finalizers.includes(FINALIZER_FOREGROUND) || finalizers.includes(FINALIZER_ORPHAN))
    ) {
      this.ctx.enqueue(this.name, `o:${uid}`);
    }
    if (object.metadata.deletionTimestamp && !event.previous?.metadata.deletionTimestamp) {
      // A dependent now being deleted: a foreground owner may be waiting on it.
      for (const o of owners) this.ctx.enqueue(this.name, `o:${o.uid}`);
    }
  }

  reconcile(key: string): void {
    const uid = key.slice(2);
    if (key.startsWith('o:')) this.processOwner(uid);
    else this.processDependent(uid);
  }

  private waitingForDependents(ref: ObjectRef | undefined): boolean {
    return !!ref && ref.deleting && ref.finalizers.includes(FINALIZER_FOREGROUND);
  }

  private processDependent(uid: string): void {
    const cache = this.ctx.cache;
    const ref = cache.byUid.get(uid);
    if (!ref || !ref.owners.length) return;
    const solid: string[] = [];
    const dangling: string[] = [];
    const waiting: string[] = [];
    for (const o of ref.owners) {
      const owner = cache.byUid.get(o.uid);
      if (!owner) dangling.push(o.uid);
      else if (this.waitingForDependents(owner)) waiting.push(o.uid);
      else solid.push(o.uid);
    }
    if (solid.length) {
      if (!dangling.length && !waiting.length) return;
      const drop = new Set([...dangling, ...waiting]);
      tryMutate(this.ctx.store, ref.resource, ref.namespace, ref.name, (obj) => {
        if (obj.metadata.uid !== uid) return;
        obj.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter(
          (o) => !drop.has(o.uid),
        );
      });
      return;
    }
    if (ref.deleting) return;
    const hasDependents = (cache.dependents.get(uid)?.size ?? 0) > 0;
    const policy = waiting.length && hasDependents ? 'Foreground' : 'Background';
    tryDelete(this.ctx.store, ref.resource, ref.namespace, ref.name, {
      propagationPolicy: policy,
      preconditions: { uid },
    });
  }

  private processOwner(uid: string): void {
    const cache = this.ctx.cache;
    const ref = cache.byUid.get(uid);
    if (!ref || !ref.deleting) return;
    const dependents = [...(cache.dependents.get(uid) ?? [])];
    if (ref.finalizers.includes(FINALIZER_ORPHAN)) {
      for (const depUid of dependents) {
        const dep = cache.byUid.get(depUid);
        if (!dep) continue;
        tryMutate(this.ctx.store, dep.resource, dep.namespace, dep.name, (obj) => {
          if (obj.metadata.uid !== depUid) return;
          const rest = (obj.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid);
          if (rest.length) obj.metadata.ownerReferences = rest;
          else delete obj.metadata.ownerReferences;
        });
      }
      this.removeFinalizer(ref, FINALIZER_ORPHAN);
      return;
    }
    if (!ref.finalizers.includes(FINALIZER_FOREGROUND)) return;
    let blocking = 0;
    for (const depUid of dependents) {
      const dep = cache.byUid.get(depUid);
      if (!dep) continue;
      const link = dep.owners.find((o) => o.uid === uid);
      if (link?.blockOwnerDeletion) blocking++;
      if (dep.deleting) continue;
      // Only delete dependents that no live owner keeps; others just lose this reference.
      this.processDependent(depUid);
    }
    if (blocking === 0) this.removeFinalizer(ref, FINALIZER_FOREGROUND);
  }

  private removeFinalizer(ref: ObjectRef, finalizer: string): void {
    tryMutate(this.ctx.store, ref.resource, ref.namespace, ref.name, (obj) => {
      if (obj.metadata.uid !== ref.uid) return;
      obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    });
  }
}

function sameUids(a: Array<{ uid: string }>, b: Array<{ uid: string }>): boolean {
  return a.length === b.length && a.every((o, i) => o.uid === b[i].uid);
}
