/**
 * The rollout bench's reference floor: the same rolling update (groups × size pods, maxSurge,
 * maxUnavailable 0, highest group first, a group replaced as a whole) driven by the least a
 * controller can be: an in-memory loop on one informer, no database, no queue, no audit trail,
 * reacting to each watch event at once. It talks to the same simulated cluster through the same
 * client and transport as lws-fleet (`connectCluster`: client-node on undici, `UndiciWatch`), and
 * creates the same pod bodies (copied from lws-fleet's pods), so what it measures is what the
 * simulated cluster and the client cost: pod start, termination, API and watch latency, and the
 * leader-before-workers order (workers' owner reference needs the leader's uid).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { connectCluster, makeInformer } from '../libs/kube/src';
import {
  LABEL_LWS_UID,
  LABEL_MANAGED_BY,
  isRunningAndReady,
  isTerminating,
  leaderPodName,
  workerPodName,
} from '../libs/planner/src';

const GROUP_LABEL = 'leaderworkerset.sigs.k8s.io/group-index';
const REVISION_LABEL = 'leaderworkerset.sigs.k8s.io/template-revision-hash';
const FLOOR_LABEL = 'bench.lws-fleet.dev/floor';

export interface FloorOptions {
  kubeconfig: string;
  namespace: string;
  groups: number;
  size: number;
  surge: number;
  /** lws-fleet's leader and first worker of one group: the bodies the floor creates. */
  leader: V1Pod;
  worker: V1Pod;
  /** The LWS those pods belong to (their names and addresses derive from its name). */
  lwsName: string;
}

const isReady = (p: V1Pod) => !isTerminating(p) && isRunningAndReady(p);

/** A pod body for group `group`, worker `worker` (0 = leader), at `revision`, from lws-fleet's. */
function podBody(
  options: FloorOptions,
  group: number,
  worker: number,
  revision: string,
  leaderUid?: string,
): V1Pod {
  const source = worker === 0 ? options.leader : options.worker;
  // Names, hostnames, the leader address and the like all derive from group 0's leader name.
  const groupZero = leaderPodName(options.lwsName, 0);
  const text = JSON.stringify(source).replace(
    new RegExp(`${groupZero}(?![0-9])`, 'g'),
    leaderPodName(options.lwsName, group),
  );
  const pod = JSON.parse(text) as V1Pod;
  const metadata = pod.metadata!;
  metadata.name =
    worker === 0
      ? leaderPodName(options.lwsName, group)
      : workerPodName(options.lwsName, group, worker);
  metadata.namespace = options.namespace;
  metadata.labels = {
    ...metadata.labels,
    [GROUP_LABEL]: String(group),
    [REVISION_LABEL]: revision,
    [FLOOR_LABEL]: 'true',
  };
  if (worker > 0) metadata.labels['leaderworkerset.sigs.k8s.io/worker-index'] = String(worker);
  // Not lws-fleet's: its watcher must not take these pods for its own.
  delete metadata.labels[LABEL_MANAGED_BY];
  delete metadata.labels[LABEL_LWS_UID];
  metadata.ownerReferences = leaderUid
    ? [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          name: leaderPodName(options.lwsName, group),
          uid: leaderUid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]
    : undefined;
  for (const key of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields'])
    delete (metadata as Record<string, unknown>)[key];
  delete pod.status;
  if (pod.spec) delete pod.spec.nodeName;
  return pod;
}

/**
 * Runs the floor: creates `groups` groups at revision `from`, waits for them to be Ready, then rolls
 * them to `to` and returns the rollout's wall time (ms). The pods are deleted afterwards.
 */
export async function floorRollout(
  options: FloorOptions,
  from: string,
  to: string,
): Promise<number> {
  const { groups, size, surge, namespace } = options;
  const connection = connectCluster('floor', options.kubeconfig);
  const core = connection.core;
  const byGroup = new Map<number, Map<string, V1Pod>>();
  const members = (group: number) => byGroup.get(group) ?? new Map<string, V1Pod>();
  let onChange: (group: number) => void = () => undefined;
  const watch = makeInformer<V1Pod>(
    connection.kubeConfig,
    `/api/v1/namespaces/${namespace}/pods`,
    () => core.listNamespacedPod({ namespace, labelSelector: `${FLOOR_LABEL}=true` }),
    `${FLOOR_LABEL}=true`,
  );
  const seen = (type: 'add' | 'update' | 'delete') => (pod: V1Pod) => {
    const group = Number(pod.metadata!.labels![GROUP_LABEL]);
    let pods = byGroup.get(group);
    if (!pods) byGroup.set(group, (pods = new Map()));
    if (type === 'delete') pods.delete(pod.metadata!.name!);
    else pods.set(pod.metadata!.name!, pod);
    onChange(group);
  };
  watch.on('add', seen('add'));
  watch.on('update', seen('update'));
  watch.on('delete', seen('delete'));
  await core
    .createNamespace({ body: { metadata: { name: namespace } } })
    .catch((error: { code?: number }) => {
      if (error.code !== 409) throw error;
    });
  await watch.start();

  const createGroup = async (group: number, revision: string) => {
    const leader = await core.createNamespacedPod({
      namespace,
      body: podBody(options, group, 0, revision),
    });
    await Promise.all(
      Array.from({ length: size - 1 }, (_, i) =>
        core.createNamespacedPod({
          namespace,
          body: podBody(options, group, i + 1, revision, leader.metadata!.uid),
        }),
      ),
    );
  };
  const deleteGroup = (group: number) => {
    for (const pod of members(group).values())
      void core
        .deleteNamespacedPod({ namespace, name: pod.metadata!.name! })
        .catch(() => undefined);
  };
  const groupReady = (group: number, revision: string) => {
    const pods = [...members(group).values()];
    return (
      pods.length === size &&
      pods.every((p) => isReady(p) && p.metadata!.labels![REVISION_LABEL] === revision)
    );
  };
  const settled = (revision: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        for (let g = 0; g < groups; g++) if (!groupReady(g, revision)) return;
        for (const [g, pods] of byGroup) if (g >= groups && pods.size) return;
        onChange = () => undefined;
        resolve();
      };
      onChange = check;
      check();
    });

  try {
    for (let g = 0; g < groups; g += surge)
      await Promise.all(
        Array.from({ length: Math.min(surge, groups - g) }, (_, i) => createGroup(g + i, from)),
      );
    await settled(from);

    // The rollout: surge groups first; each group that becomes Ready on `to` lets the next old group
    // (highest index first) go; an old group whose pods are all gone is created again on `to`.
    const start = performance.now();
    const phase = new Map<number, 'deleting' | 'creating' | 'ready'>();
    let nextOld = groups - 1;
    let replaced = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const advance = (group: number) => {
      const state = phase.get(group);
      if (state === 'deleting' && members(group).size === 0) {
        phase.set(group, 'creating');
        void createGroup(group, to);
      } else if (state === 'creating' && groupReady(group, to)) {
        phase.set(group, 'ready');
        if (group < groups) replaced++;
        if (nextOld >= 0) {
          phase.set(nextOld, 'deleting');
          deleteGroup(nextOld--);
        }
        if (replaced === groups) for (let g = groups; g < groups + surge; g++) deleteGroup(g);
      }
      if (replaced === groups && [...byGroup].every(([g, pods]) => g < groups || !pods.size))
        done();
    };
    onChange = advance;
    for (let g = groups; g < groups + surge; g++) {
      phase.set(g, 'creating');
      void createGroup(g, to);
    }
    await finished;
    const wall = performance.now() - start;
    onChange = () => undefined;
    await core.deleteCollectionNamespacedPod({ namespace, labelSelector: `${FLOOR_LABEL}=true` });
    await new Promise<void>((resolve) => {
      const check = () => [...byGroup.values()].every((pods) => !pods.size) && resolve();
      onChange = check;
      check();
    });
    return wall;
  } finally {
    watch.stop();
  }
}
