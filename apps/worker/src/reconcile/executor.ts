import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type KubernetesObject,
  type V1ConfigMap,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import {
  bindOwnerUid,
  ownerKey,
  type Action,
  type CreateAction,
  type DeleteAction,
  type PatchAction,
} from '../../../../libs/planner/src';
import { classifyApiError, type ApiFailure } from '../../../../libs/kube/src';

/** What one execution did, object by object, for the audit trail. */
export interface ExecutionReport {
  created: string[];
  patched: string[];
  deleted: string[];
  /** Delete actions that recreate a group, with the pod status that caused them. */
  recreations: DeleteAction[];
  /** Creates that found the object already there (a rerun after a crash): not an error. */
  alreadyPresent: string[];
  /** The first failure, when one stopped the execution. */
  failure?: ApiFailure & { action: string };
}

const label = (a: { kind: string; namespace: string; name: string }) =>
  `${a.kind} ${a.namespace}/${a.name}`;

/** How many API calls one reconcile keeps in flight. */
export const EXECUTOR_CONCURRENCY = 16;

/**
 * Applies a plan's actions through the Kubernetes API. Creates run concurrently, except that an
 * object whose owner is created in the same plan waits for the owner (its uid goes into the owner
 * reference). An object found already present counts as done, so a rerun after a crash finishes the
 * job. The first real failure stops new calls; what was done up to then is still reported.
 */
export async function executeActions(core: CoreV1Api, actions: Action[]): Promise<ExecutionReport> {
  const report: ExecutionReport = {
    created: [],
    patched: [],
    deleted: [],
    recreations: [],
    alreadyPresent: [],
  };
  const createdUids = new Map<string, string>();
  const ownerDone = new Map<string, Promise<void>>();
  const resolvers = new Map<string, () => void>();
  for (const action of actions) {
    if (action.type === 'create') {
      const key = ownerKey(action.kind, action.name);
      ownerDone.set(key, new Promise<void>((resolve) => resolvers.set(key, resolve)));
    }
  }
  let failed = false;

  const run = async (action: Action): Promise<void> => {
    if (failed) return;
    if (action.type === 'create' && action.ownerPending) {
      await ownerDone.get(ownerKey(action.ownerPending.kind, action.ownerPending.name));
      if (failed) return;
    }
    try {
      switch (action.type) {
        case 'createNamespace':
          await core.createNamespace({ body: action.object });
          report.created.push(`Namespace ${action.namespace}`);
          break;
        case 'create': {
          const created = await create(core, action, bindOwnerUid(action, createdUids));
          if (created.metadata?.uid)
            createdUids.set(ownerKey(action.kind, action.name), created.metadata.uid);
          report.created.push(label(action));
          break;
        }
        case 'patch':
          await patch(core, action);
          report.patched.push(label(action));
          break;
        case 'delete':
          await remove(core, action);
          report.deleted.push(label(action));
          if (action.cause) report.recreations.push(action);
          break;
      }
    } catch (error) {
      const failure = classifyApiError(error);
      if (action.type === 'createNamespace' && failure.kind === 'alreadyExists') return;
      if (action.type === 'create' && failure.kind === 'alreadyExists') {
        // Present from an earlier, interrupted run: read its uid for the objects it owns.
        const existing = await read(core, action).catch(() => undefined);
        if (existing?.metadata?.uid)
          createdUids.set(ownerKey(action.kind, action.name), existing.metadata.uid);
        report.alreadyPresent.push(label(action));
        return;
      }
      if (action.type === 'delete' && failure.kind === 'notFound') return;
      if (!failed) {
        failed = true;
        report.failure = {
          ...failure,
          action: `${action.type} ${action.type === 'createNamespace' ? `Namespace ${action.namespace}` : label(action)}`,
        };
        // Release every dependent now: one waiting for an owner whose create will never start
        // (actions after a failure are skipped) would otherwise hang the reconcile for good.
        for (const resolve of resolvers.values()) resolve();
      }
    } finally {
      if (action.type === 'create') resolvers.get(ownerKey(action.kind, action.name))?.();
    }
  };

  // Namespaces first; then everything else with bounded concurrency (dependents wait for owners).
  for (const action of actions.filter((a) => a.type === 'createNamespace')) await run(action);
  const rest = actions.filter((a) => a.type !== 'createNamespace');
  let next = 0;
  const lanes = Array.from({ length: Math.min(EXECUTOR_CONCURRENCY, rest.length) }, async () => {
    while (next < rest.length) {
      const action = rest[next++];
      await run(action);
    }
  });
  await Promise.all(lanes);
  // Calls finish in any order; the report lists objects in the plan's order (e.g. highest group first).
  const position = new Map<string, number>();
  actions.forEach((action, i) => {
    const key = action.type === 'createNamespace' ? `Namespace ${action.namespace}` : label(action);
    if (!position.has(key)) position.set(key, i);
  });
  const byPlan = (a: string, b: string) => (position.get(a) ?? 0) - (position.get(b) ?? 0);
  for (const list of [report.created, report.patched, report.deleted, report.alreadyPresent])
    list.sort(byPlan);
  report.recreations.sort((a, b) => actions.indexOf(a) - actions.indexOf(b));
  return report;
}

async function create(
  core: CoreV1Api,
  action: CreateAction,
  body: CreateAction['object'],
): Promise<KubernetesObject> {
  const namespace = action.namespace;
  switch (action.kind) {
    case 'Pod':
      return core.createNamespacedPod({ namespace, body: body as V1Pod });
    case 'Service':
      return core.createNamespacedService({ namespace, body: body as V1Service });
    case 'PersistentVolumeClaim':
      return core.createNamespacedPersistentVolumeClaim({
        namespace,
        body: body as V1PersistentVolumeClaim,
      });
    case 'ConfigMap':
      return core.createNamespacedConfigMap({ namespace, body: body as V1ConfigMap });
  }
}

async function read(core: CoreV1Api, action: CreateAction): Promise<KubernetesObject> {
  const params = { namespace: action.namespace, name: action.name };
  switch (action.kind) {
    case 'Pod':
      return core.readNamespacedPod(params);
    case 'Service':
      return core.readNamespacedService(params);
    case 'PersistentVolumeClaim':
      return core.readNamespacedPersistentVolumeClaim(params);
    case 'ConfigMap':
      return core.readNamespacedConfigMap(params);
  }
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function patch(core: CoreV1Api, action: PatchAction): Promise<unknown> {
  const params = { namespace: action.namespace, name: action.name, body: action.patch };
  switch (action.kind) {
    case 'Pod':
      return core.patchNamespacedPod(params, MERGE_PATCH);
    case 'Service':
      return core.patchNamespacedService(params, MERGE_PATCH);
    case 'PersistentVolumeClaim':
      return core.patchNamespacedPersistentVolumeClaim(params, MERGE_PATCH);
    case 'ConfigMap':
      return core.patchNamespacedConfigMap(params, MERGE_PATCH);
  }
}

async function remove(core: CoreV1Api, action: DeleteAction): Promise<unknown> {
  const params = {
    namespace: action.namespace,
    name: action.name,
    propagationPolicy: action.propagationPolicy,
    body: { preconditions: { uid: action.uid }, propagationPolicy: action.propagationPolicy },
  };
  switch (action.kind) {
    case 'Pod':
      return core.deleteNamespacedPod(params);
    case 'Service':
      return core.deleteNamespacedService(params);
    case 'PersistentVolumeClaim':
      return core.deleteNamespacedPersistentVolumeClaim(params);
    case 'ConfigMap':
      return core.deleteNamespacedConfigMap(params);
  }
}
