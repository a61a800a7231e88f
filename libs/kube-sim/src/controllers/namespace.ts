/**
 * The namespace controller: a namespace being deleted is marked Terminating, everything in it is
 * deleted, and once it is empty its `kubernetes` finalizer is removed so the store removes it.
 * Pods that cannot terminate (on a lost node) keep the namespace Terminating, as upstream.
 */
import type { StoreEvent } from '../store/types';
import type { Controller, ControllerContext } from './runtime';
import { tryDelete, tryMutate } from './runtime';
import { FINALIZER_NAMESPACE } from './labels';

type Rec = Record<string, unknown>;

export class NamespaceController implements Controller {
  readonly name = 'namespace' as const;

  constructor(private readonly ctx: ControllerContext) {}

  onEvent(event: StoreEvent): void {
    const { resource, object, type } = event;
    if (resource === 'namespaces') {
      if (type === 'DELETED' || object.metadata.deletionTimestamp)
        this.ctx.enqueue(this.name, object.metadata.name ?? '');
      return;
    }
    const ns = object.metadata.namespace;
    if (!ns) return;
    const namespace = this.ctx.cache.namespaces.get(ns);
    if (!namespace || namespace.metadata.deletionTimestamp) this.ctx.enqueue(this.name, ns);
  }

  reconcile(name: string): void {
    const cache = this.ctx.cache;
    const namespace = cache.namespaces.get(name);
    if (namespace && !namespace.metadata.deletionTimestamp) return;
    const content = [...(cache.byNamespace.get(name) ?? [])];
    for (const uid of content) {
      const ref = cache.byUid.get(uid);
      if (!ref || ref.deleting) continue;
      tryDelete(this.ctx.store, ref.resource, ref.namespace, ref.name, { preconditions: { uid } });
    }
    if (!namespace) return;
    if ((cache.byNamespace.get(name)?.size ?? 0) > 0) {
      tryMutate(this.ctx.store, 'namespaces', undefined, name, (n) => {
        const status = (n.status ?? (n.status = {})) as Rec;
        status.phase = 'Terminating';
      });
      return;
    }
    tryMutate(this.ctx.store, 'namespaces', undefined, name, (n) => {
      const status = (n.status ?? (n.status = {})) as Rec;
      status.phase = 'Terminating';
      const spec = (n.spec ?? (n.spec = {})) as Rec;
      const rest = ((spec.finalizers as string[] | undefined) ?? []).filter(
        (f) => f !== FINALIZER_NAMESPACE,
      );
      if (rest.length) spec.finalizers = rest;
      else delete spec.finalizers;
    });
  }
}
