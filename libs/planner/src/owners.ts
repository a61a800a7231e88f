// The one thing the executor must do besides applying actions in order: an object whose owner is
// created earlier in the same plan (`ownerPending`) gets the owner's uid once that create returned.
import type { Action, CreateAction, ObjectKind } from './types';

export function ownerKey(kind: ObjectKind, name: string): string {
  return `${kind}/${name}`;
}

/** The object to send for `action`, its pending owner reference filled from `createdUids`. */
export function bindOwnerUid(
  action: CreateAction,
  createdUids: ReadonlyMap<string, string>,
): CreateAction['object'] {
  const pending = action.ownerPending;
  if (!pending) return action.object;
  const uid = createdUids.get(ownerKey(pending.kind, pending.name));
  if (uid === undefined) {
    throw new Error(
      `owner ${pending.kind} ${pending.name} of ${action.kind} ${action.name} was not created first`,
    );
  }
  // A copy of the path to the owner references only: the rest is shared with the plan (read-only).
  const metadata = action.object.metadata ?? {};
  return {
    ...action.object,
    metadata: {
      ...metadata,
      ownerReferences: (metadata.ownerReferences ?? []).map((ref) =>
        ref.kind === pending.kind && ref.name === pending.name && !ref.uid ? { ...ref, uid } : ref,
      ),
    },
  } as CreateAction['object'];
}

/** Every action's human summary, in order (for logs and the audit trail). */
export function describeActions(actions: Action[]): string[] {
  return actions.map((a) => {
    if (a.type === 'createNamespace') return `create Namespace ${a.namespace}: ${a.reason}`;
    return `${a.type} ${a.kind} ${a.namespace}/${a.name}: ${a.reason}`;
  });
}
