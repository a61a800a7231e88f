// plan(desired, observed) → actions, status and groups for one LWS in one cluster. Pure: the
// executor applies the actions in order and records them; nothing here reads a clock or does I/O.
//
// The anchor ConfigMap plays the leader StatefulSet's part: it owns the leader pods and the
// shared Service, and its data keeps what upstream keeps on that StatefulSet (revision key,
// partition, group count with surge, replicas at the last write), so the rolling update resumes
// from it after any restart of lws-fleet.
import type {
  V1OwnerReference,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import {
  ANNOTATION_EXCLUSIVE_TOPOLOGY,
  ANNOTATION_SIZE,
  ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY,
  ANNOTATION_SUBGROUP_SIZE,
  LABEL_GROUP_KEY,
  PvcRetentionPolicyType,
  StartupPolicy,
  SubdomainPolicy,
  SubGroupPolicyType,
} from '../../lws/src/constants';
import {
  anchorData,
  buildAnchor,
  buildNamespace,
  buildPvc,
  buildService,
  groupServiceSelector,
  ownerRef,
  readAnchorState,
  sharedServiceSelector,
  type AnchorState,
} from './objects';
import {
  groupPods,
  isPending,
  isPodReady,
  isRunningAndReady,
  isTerminating,
  revisionOf,
  type ObservedGroup,
} from './observed-pods';
import {
  anchorName,
  groupKey,
  leaderPodName,
  pvcName,
  workerPodName,
  workerSubGroupIndex,
} from './names';
import { buildLeaderPod, buildWorkerPod } from './pods';
import { decideRestart, describeCause } from './restart';
import {
  groupsToReplace,
  settleRollingUpdate,
  statefulSetMaxUnavailable,
  type GroupState,
  type ReplaceCandidate,
} from './rollout';
import { computeStatus, type StatusGroup } from './status';
import type {
  Action,
  CreateAction,
  DesiredLws,
  GroupView,
  Observed,
  ObjectKind,
  PlanResult,
  RecreateCause,
  RevisionTemplate,
  SubGroupView,
} from './types';

interface Ctx {
  lws: DesiredLws;
  observed: Observed;
  key: string;
  actions: Action[];
  anchorOwner: V1OwnerReference;
  anchorPending: boolean;
  pvcs: Map<string, V1PersistentVolumeClaim>;
  /** Observed Services by name, the first of a name as a scan would find it. */
  services: Map<string, V1Service>;
}

export function currentTemplate(lws: DesiredLws): RevisionTemplate {
  return {
    leaderWorkerTemplate: lws.spec.leaderWorkerTemplate,
    networkConfig: lws.spec.networkConfig,
  };
}

/** The templates of a revision; an unknown old one falls back to the current template. */
export function templateFor(lws: DesiredLws, hash: string): RevisionTemplate {
  if (hash === lws.templateHash) return currentTemplate(lws);
  return lws.revisions?.[hash] ?? currentTemplate(lws);
}

/**
 * Pods per group for an existing leader: its `size` annotation (written from its own revision),
 * so counting stays right even when that revision's template is not in `desired.revisions`.
 */
export function groupSize(lws: DesiredLws, leader: V1Pod): number {
  const value = Number(leader.metadata?.annotations?.[ANNOTATION_SIZE]);
  if (Number.isInteger(value) && value >= 1) return value;
  return templateFor(lws, revisionOf(leader)).leaderWorkerTemplate.size;
}

/** Ready and updated as upstream's getReplicaStates / updateConditions see a group. */
export function groupState(
  lws: DesiredLws,
  group: ObservedGroup | undefined,
): GroupState & {
  counted: boolean;
} {
  const leader = group?.leader;
  if (!group || !leader) return { ready: false, updated: false, counted: false };
  const size = groupSize(lws, leader);
  const workers = group.workers;
  if (size > 1 && workers.size === 0) return { ready: false, updated: false, counted: false };
  const leaderRev = revisionOf(leader);
  let ready = !isTerminating(leader) && isRunningAndReady(leader) && workers.size === size - 1;
  let updated = leaderRev === lws.templateHash;
  for (const w of workers.values()) {
    if (!ready && !updated) break;
    const rev = revisionOf(w);
    if (ready && (isTerminating(w) || !isRunningAndReady(w) || rev !== leaderRev)) ready = false;
    if (updated && rev !== lws.templateHash) updated = false;
  }
  return { ready, updated, counted: true };
}

export function plan(desired: DesiredLws, observed: Observed): PlanResult {
  const lws = desired;
  const key = lws.templateHash;
  const spec = lws.spec;
  const R = spec.replicas;
  const rolling = spec.rolloutStrategy.rollingUpdateConfiguration;
  const actions: Action[] = [];
  const { groups } = groupPods(lws.name, observed.pods);
  // A group's state is read by every settling pass of the rollout (up to 16), the status, the
  // replacement step and the views: computed once, and again only for a group whose workers the
  // restart step removes.
  const states = new Map<number, ReturnType<typeof groupState>>();
  const stateOf = (i: number) => {
    let s = states.get(i);
    if (!s) {
      s = groupState(lws, groups.get(i));
      states.set(i, s);
    }
    return s;
  };

  const anchor = observed.anchor;
  const anchorTerminating = anchor !== undefined && isTerminating(anchor);
  const previous = anchorTerminating ? undefined : readAnchorState(anchor);

  // Rollout parameters from the state the last reconcile left on the anchor.
  const lwsUpdated = previous !== undefined && previous.templateHash !== key;
  const steps = settleRollingUpdate(
    {
      replicas: R,
      maxUnavailable: rolling.maxUnavailable,
      maxSurge: rolling.maxSurge,
      partition: rolling.partition,
      previous,
      lwsUpdated,
    },
    stateOf,
  );
  const params = steps[steps.length - 1];

  // Status from what is observed now (upstream reads pods, not its own plan).
  const statusGroups: StatusGroup[] = [];
  let leaderPods = 0;
  for (const g of groups.values()) {
    if (!g.leader) continue;
    leaderPods++;
    const s = stateOf(g.index);
    statusGroups.push({ index: g.index, counted: s.counted, ready: s.ready, updated: s.updated });
  }
  const { status, updateDone } = computeStatus({
    name: lws.name,
    generation: lws.generation,
    replicas: R,
    partition: rolling.partition,
    leaderPods,
    groups: statusGroups,
    previous: lws.status,
    now: observed.now,
  });

  const nextState: AnchorState = {
    templateHash: key,
    stableTemplateHash:
      previous === undefined || (updateDone && !lwsUpdated) ? key : previous.stableTemplateHash,
    partition: params.partition,
    groups: params.groups,
    replicas: R,
  };

  if (anchorTerminating) {
    // Someone deleted the anchor: its dependants go with it; start over once it is gone.
    return {
      actions,
      status,
      groups: groupViews(lws, groups, params.groups, key, new Map(), stateOf),
    };
  }

  if (!observed.namespaceExists) {
    actions.push({
      type: 'createNamespace',
      namespace: lws.namespace,
      object: buildNamespace(lws.namespace),
      reason: `namespace ${lws.namespace} created`,
    });
  }
  const aName = anchorName(lws.name);
  if (!anchor) {
    actions.push(create('ConfigMap', buildAnchor(lws, nextState), `anchor ${aName} created`));
  } else {
    const data = anchorData(lws, nextState);
    const current = anchor.data ?? {};
    const changed = Object.keys(data).filter((k) => current[k] !== data[k]);
    if (changed.length > 0) {
      actions.push({
        type: 'patch',
        kind: 'ConfigMap',
        namespace: lws.namespace,
        name: aName,
        patch: { data },
        reason: anchorReason(changed, previous, nextState),
      });
    }
  }

  const ctx: Ctx = {
    lws,
    observed,
    key,
    actions,
    anchorOwner: ownerRef('ConfigMap', aName, anchor?.metadata?.uid),
    anchorPending: !anchor,
    pvcs: new Map(observed.pvcs.map((p) => [p.metadata?.name ?? '', p])),
    services: new Map(),
  };
  for (const s of observed.services) {
    const name = s.metadata?.name;
    if (name !== undefined && !ctx.services.has(name)) ctx.services.set(name, s);
  }

  // Shared headless Service (created when missing, as upstream; never deleted).
  if (spec.networkConfig.subdomainPolicy === SubdomainPolicy.Shared) {
    ensureService(
      ctx,
      lws.name,
      sharedServiceSelector(lws),
      ctx.anchorOwner,
      ctx.anchorPending ? 'ConfigMap' : undefined,
      aName,
    );
  }

  const N = params.groups;
  const waiting = new Map<number, string>();
  const gone = new Set<number>();

  // Groups beyond the wanted count: scale down or surge removal, highest first.
  const condemned = [...groups.values()]
    .filter((g) => g.index >= N)
    .sort((a, b) => b.index - a.index);
  for (const g of condemned) {
    // Indices below the replicas last written were desired groups (scale down); others were surge.
    const why =
      g.index < (previous?.replicas ?? g.index + 1)
        ? `scale down: group ${g.index} removed (replicas ${R})`
        : `surge group ${g.index} removed`;
    deleteGroup(ctx, g, why);
    const policy = spec.leaderWorkerTemplate.persistentVolumeClaimRetentionPolicy;
    if (policy?.whenScaled === PvcRetentionPolicyType.Delete && g.leader) {
      deleteLeaderPvcs(ctx, g.leader, g.index);
    }
  }

  // Restart policy first: a recreated group is unavailable for the rollout below.
  const notCreated = new Set(observed.notCreated ?? []);
  for (let i = 0; i < N; i++) {
    const g = groups.get(i);
    if (!g?.leader || isTerminating(g.leader)) continue;
    const decision = decideRestart({
      lwsName: lws.name,
      policy: spec.leaderWorkerTemplate.restartPolicy,
      annotations: lws.annotations,
      size: groupSize(lws, g.leader),
      group: g,
      notCreated,
    });
    if (decision.kind === 'recreateGroup') {
      actions.push(
        deleteAction(
          'Pod',
          g.leader,
          'Foreground',
          describeCause(i, decision.cause),
          decision.cause,
        ),
      );
      gone.add(i);
    } else if (decision.kind === 'replacePods') {
      for (const pod of decision.failed) {
        const worker = pod !== g.leader;
        actions.push(
          deleteAction(
            'Pod',
            pod,
            worker ? 'Background' : 'Foreground',
            `group ${i}: failed pod ${pod.metadata?.name} replaced`,
          ),
        );
        if (!worker) gone.add(i);
        else {
          g.workers.delete(workerIndexOf(lws.name, i, pod));
          states.delete(i);
        }
      }
    }
  }

  // Rolling update: the StatefulSet controller's step over outdated groups at or above the partition.
  const candidates: ReplaceCandidate[] = [];
  for (let i = 0; i < N; i++) {
    const g = groups.get(i);
    const leader = g?.leader;
    const terminating = !!leader && (isTerminating(leader) || gone.has(i));
    candidates.push({
      index: i,
      exists: !!leader,
      terminating,
      healthy: !!leader && !terminating && stateOf(i).ready,
      updated: !!leader && revisionOf(leader) === key && topologyCurrent(lws, leader),
    });
  }
  for (const i of groupsToReplace(
    candidates,
    params.partition,
    statefulSetMaxUnavailable({
      replicas: R,
      maxSurge: rolling.maxSurge,
      maxUnavailable: rolling.maxUnavailable,
    }),
  )) {
    const leader = groups.get(i)?.leader as V1Pod;
    actions.push(
      deleteAction(
        'Pod',
        leader,
        'Foreground',
        revisionOf(leader) === key
          ? `group ${i} replaced: exclusive topology annotations changed`
          : `rolling update: group ${i} replaced (revision ${revisionOf(leader)} → ${key})`,
      ),
    );
    gone.add(i);
  }

  // Create what is missing, group by group: lowest index first, except during a rolling update,
  // where the partition moves down as the highest replaced groups become Ready, so those start first.
  const rollingUpdate = candidates.some((c) => c.exists && !c.updated);
  let podNames: Set<string | undefined> | undefined;
  for (let n = 0; n < N; n++) {
    const i = rollingUpdate ? N - 1 - n : n;
    const g: ObservedGroup = groups.get(i) ?? { index: i, workers: new Map(), orphans: [] };
    if (gone.has(i)) {
      waiting.set(i, 'group being recreated');
      continue;
    }
    const leader = g.leader;
    if (leader && isTerminating(leader)) {
      waiting.set(i, `leader ${leader.metadata?.name} terminating`);
      continue;
    }
    const revision = leader
      ? revisionOf(leader)
      : i >= params.partition
        ? key
        : nextState.stableTemplateHash;
    const template = templateFor(lws, revision);
    const name = leaderPodName(lws.name, i);
    for (const orphan of g.orphans) {
      if (!isTerminating(orphan)) {
        actions.push(
          deleteAction(
            'Pod',
            orphan,
            'Background',
            `group ${i}: worker ${orphan.metadata?.name} of a previous leader removed`,
          ),
        );
      }
    }
    let leaderUid = leader?.metadata?.uid;
    let leaderPending = false;
    let leaderPod = leader;
    if (!leader) {
      if (!ensurePvcs(ctx, template, name, { leader: true }, anchorPvcOwner(ctx, template))) {
        waiting.set(i, 'a PVC of the leader is terminating');
        continue;
      }
      leaderPod = buildLeaderPod(
        { lws, revisionKey: revision, template, group: i },
        ctx.anchorOwner,
      );
      actions.push(
        create(
          'Pod',
          leaderPod,
          `group ${i}: leader ${name} created (revision ${revision})`,
          ctx.anchorPending ? { kind: 'ConfigMap', name: anchorName(lws.name) } : undefined,
        ),
      );
      leaderPending = true;
      leaderUid = undefined;
    } else if (isPending(leader)) {
      // A pending pod whose PVC is missing (its create failed while the pod's went through, or the
      // claim was deleted) gets it again, as the StatefulSet controller does: it could never start.
      ensurePvcs(ctx, template, name, { leader: true }, anchorPvcOwner(ctx, template));
    }
    const leaderOwner = ownerRef('Pod', name, leaderUid);
    const pendingLeader = leaderPending ? { kind: 'Pod' as const, name } : undefined;
    if (spec.networkConfig.subdomainPolicy === SubdomainPolicy.UniquePerReplica) {
      ensureService(
        ctx,
        name,
        groupServiceSelector(lws, i),
        leaderOwner,
        pendingLeader ? 'Pod' : undefined,
        name,
      );
    }
    const lwt = template.leaderWorkerTemplate;
    const size = leader ? groupSize(lws, leader) : lwt.size;
    if (size <= 1) continue;
    if (spec.startupPolicy === StartupPolicy.LeaderReady && !(leader && isPodReady(leader))) {
      waiting.set(i, `leader ${name} not Ready (startupPolicy LeaderReady)`);
      continue;
    }
    let nodeSelector: Record<string, string> | undefined;
    const topologyKey = lws.annotations?.[ANNOTATION_EXCLUSIVE_TOPOLOGY];
    if (topologyKey) {
      const nodeName = leader?.spec?.nodeName;
      if (!nodeName) {
        waiting.set(i, `leader ${name} not scheduled yet (exclusive topology ${topologyKey})`);
        continue;
      }
      const value = observed.nodes?.[nodeName]?.[topologyKey];
      if (value === undefined) {
        waiting.set(i, `node ${nodeName} has no label ${topologyKey}`);
        continue;
      }
      nodeSelector = { [topologyKey]: value };
    }
    const gKey = leaderPod?.metadata?.labels?.[LABEL_GROUP_KEY] ?? groupKey(lws.namespace, name);
    const workerPvcOwner =
      lwt.persistentVolumeClaimRetentionPolicy?.whenDeleted === PvcRetentionPolicyType.Delete
        ? { kind: 'Pod' as const, name, uid: leaderUid ?? '', pending: leaderPending }
        : undefined;
    for (let j = 1; j < size; j++) {
      const existing = g.workers.get(j);
      if (existing) {
        if (!isTerminating(existing) && isPending(existing))
          ensurePvcs(
            ctx,
            template,
            workerPodName(lws.name, i, j),
            { leader: false, group: i, groupKey: gKey },
            workerPvcOwner,
          );
        continue;
      }
      const wName = workerPodName(lws.name, i, j);
      // An orphan or any other pod of that name (orphans are observed pods too).
      podNames ??= new Set(observed.pods.map((p) => p.metadata?.name));
      if (podNames.has(wName)) {
        waiting.set(i, `worker ${wName} still terminating`);
        continue;
      }
      if (
        !ensurePvcs(
          ctx,
          template,
          wName,
          { leader: false, group: i, groupKey: gKey },
          workerPvcOwner,
        )
      ) {
        waiting.set(i, `a PVC of ${wName} is terminating`);
        continue;
      }
      const pod = buildWorkerPod({
        lws,
        revisionKey: revision,
        template,
        group: i,
        worker: j,
        groupKey: gKey,
        leaderOwner,
        nodeSelector,
      });
      actions.push(
        create(
          'Pod',
          pod,
          `group ${i}: worker ${wName} created (revision ${revision})`,
          pendingLeader,
        ),
      );
    }
  }

  return { actions, status, groups: groupViews(lws, groups, N, key, waiting, stateOf) };
}

/**
 * Upstream's leader StatefulSet template carries the live LWS's topology annotations, so changing
 * them rolls the leaders without a new revision (§4.5). A leader whose annotations differ from
 * the live ones is outdated for the StatefulSet step (not for status, which compares revisions).
 */
function topologyCurrent(lws: DesiredLws, leader: V1Pod): boolean {
  const live = (key: string) => lws.annotations?.[key] || undefined;
  const has = (key: string) => leader.metadata?.annotations?.[key] || undefined;
  if (has(ANNOTATION_EXCLUSIVE_TOPOLOGY) !== live(ANNOTATION_EXCLUSIVE_TOPOLOGY)) return false;
  const subGroups = has(ANNOTATION_SUBGROUP_SIZE) !== undefined;
  const subLive = subGroups ? live(ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY) : undefined;
  return has(ANNOTATION_SUBGROUP_EXCLUSIVE_TOPOLOGY) === subLive;
}

function workerIndexOf(lwsName: string, group: number, pod: V1Pod): number {
  const prefix = `${leaderPodName(lwsName, group)}-`;
  return Number.parseInt((pod.metadata?.name ?? '').slice(prefix.length), 10);
}

function anchorReason(
  changed: string[],
  previous: AnchorState | undefined,
  next: AnchorState,
): string {
  if (previous && previous.templateHash !== next.templateHash) {
    return `rollout started: revision ${previous.templateHash} → ${next.templateHash} (partition ${next.partition}, ${next.groups} groups)`;
  }
  if (previous && (previous.partition !== next.partition || previous.groups !== next.groups)) {
    return `anchor updated: partition ${previous.partition} → ${next.partition}, groups ${previous.groups} → ${next.groups}`;
  }
  return `anchor updated: ${changed.join(', ')}`;
}

function create(
  kind: ObjectKind,
  object: CreateAction['object'],
  reason: string,
  ownerPending?: { kind: ObjectKind; name: string },
): CreateAction {
  return {
    type: 'create',
    kind,
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
    object,
    ...(ownerPending ? { ownerPending } : {}),
    reason,
  };
}

function deleteAction(
  kind: ObjectKind,
  obj: { metadata?: { name?: string; namespace?: string; uid?: string } },
  propagationPolicy: 'Foreground' | 'Background',
  reason: string,
  cause?: RecreateCause,
): Action {
  return {
    type: 'delete',
    kind,
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    uid: obj.metadata?.uid ?? '',
    propagationPolicy,
    reason,
    ...(cause ? { cause } : {}),
  };
}

function deleteGroup(ctx: Ctx, g: ObservedGroup, why: string): void {
  if (g.leader && !isTerminating(g.leader)) {
    ctx.actions.push(deleteAction('Pod', g.leader, 'Foreground', why));
  }
  for (const orphan of g.orphans) {
    if (!isTerminating(orphan)) ctx.actions.push(deleteAction('Pod', orphan, 'Background', why));
  }
}

function deleteLeaderPvcs(ctx: Ctx, leader: V1Pod, group: number): void {
  const template = templateFor(ctx.lws, revisionOf(leader));
  for (const claim of template.leaderWorkerTemplate.volumeClaimTemplates ?? []) {
    const pvc = ctx.pvcs.get(pvcName(claim.metadata?.name ?? '', leader.metadata?.name ?? ''));
    if (pvc && !isTerminating(pvc)) {
      ctx.actions.push(
        deleteAction(
          'PersistentVolumeClaim',
          pvc,
          'Background',
          `scale down: PVC of group ${group} deleted (whenScaled: Delete)`,
        ),
      );
    }
  }
}

function anchorPvcOwner(ctx: Ctx, template: RevisionTemplate) {
  return template.leaderWorkerTemplate.persistentVolumeClaimRetentionPolicy?.whenDeleted ===
    PvcRetentionPolicyType.Delete
    ? {
        kind: 'ConfigMap' as const,
        name: anchorName(ctx.lws.name),
        uid: ctx.anchorOwner.uid,
        pending: ctx.anchorPending,
      }
    : undefined;
}

/** Creates the pod's missing PVCs; false while one of them is still terminating. */
function ensurePvcs(
  ctx: Ctx,
  template: RevisionTemplate,
  podName: string,
  role: Parameters<typeof buildPvc>[3],
  owner: { kind: 'ConfigMap' | 'Pod'; name: string; uid: string; pending: boolean } | undefined,
): boolean {
  const claims = template.leaderWorkerTemplate.volumeClaimTemplates ?? [];
  for (const claim of claims) {
    const name = pvcName(claim.metadata?.name ?? '', podName);
    if (isTerminating(ctx.pvcs.get(name) ?? {})) return false;
  }
  for (const claim of claims) {
    const name = pvcName(claim.metadata?.name ?? '', podName);
    if (ctx.pvcs.has(name)) continue;
    const pvc = buildPvc(ctx.lws, claim, podName, role, owner);
    ctx.actions.push(
      create(
        'PersistentVolumeClaim',
        pvc,
        `PVC ${name} created for ${podName}`,
        owner?.pending ? { kind: owner.kind, name: owner.name } : undefined,
      ),
    );
  }
  return true;
}

function ensureService(
  ctx: Ctx,
  name: string,
  selector: Record<string, string>,
  owner: V1OwnerReference,
  pendingKind: 'ConfigMap' | 'Pod' | undefined,
  ownerName: string,
): void {
  const existing = ctx.services.get(name);
  if (!existing) {
    ctx.actions.push(
      create(
        'Service',
        buildService(ctx.lws, name, selector, owner),
        `headless Service ${name} created`,
        pendingKind ? { kind: pendingKind, name: ownerName } : undefined,
      ),
    );
    return;
  }
  if (isTerminating(existing)) return;
  const spec = existing.spec ?? {};
  const same =
    JSON.stringify(sortKeys(spec.selector ?? {})) === JSON.stringify(sortKeys(selector)) &&
    spec.publishNotReadyAddresses === true;
  if (!same) {
    ctx.actions.push({
      type: 'patch',
      kind: 'Service',
      namespace: ctx.lws.namespace,
      name,
      patch: { spec: { selector, publishNotReadyAddresses: true } },
      reason: `headless Service ${name} selector restored`,
    });
  }
}

function sortKeys(obj: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function groupViews(
  lws: DesiredLws,
  groups: Map<number, ObservedGroup>,
  wanted: number,
  key: string,
  waiting: Map<number, string>,
  stateOf: (index: number) => ReturnType<typeof groupState>,
): GroupView[] {
  const indices = new Set<number>([...groups.keys()]);
  for (let i = 0; i < wanted; i++) indices.add(i);
  return [...indices]
    .sort((a, b) => a - b)
    .map((i) => {
      const g = groups.get(i);
      const revision = g?.leader ? revisionOf(g.leader) : key;
      const lwt = templateFor(lws, revision).leaderWorkerTemplate;
      const size = g?.leader ? groupSize(lws, g.leader) : lwt.size;
      const leader = leaderPodName(lws.name, i);
      const workers: string[] = [];
      for (let j = 1; j < size; j++) workers.push(workerPodName(lws.name, i, j));
      const s = stateOf(i);
      const view: GroupView = {
        index: i,
        ready: s.ready,
        revision,
        updated: s.counted && s.updated,
        surge: i >= lws.spec.replicas,
        leader,
        workers,
        subGroups: lwt.subGroupPolicy ? subGroupViews({ ...lwt, size }, leader, workers) : [],
      };
      const why = waiting.get(i);
      if (why) view.waiting = why;
      return view;
    });
}

function subGroupViews(
  lwt: RevisionTemplate['leaderWorkerTemplate'],
  leader: string,
  workers: string[],
): SubGroupView[] {
  const sgp = lwt.subGroupPolicy;
  if (!sgp) return [];
  const byIndex = new Map<number, string[]>();
  const add = (index: number, pod: string) => {
    const list = byIndex.get(index) ?? [];
    list.push(pod);
    byIndex.set(index, list);
  };
  if (sgp.subGroupPolicyType !== SubGroupPolicyType.LeaderExcluded) add(0, leader);
  workers.forEach((w, k) => add(workerSubGroupIndex(lwt.size, sgp.subGroupSize, k + 1), w));
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, pods]) => ({ index, pods }));
}
