import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { DataSource } from 'typeorm';
import { preparedQuery, type EventStore } from '../../../libs/events/src';
import {
  LABEL_GROUP_INDEX,
  LABEL_SUBGROUP_INDEX,
  LABEL_TEMPLATE_REVISION_HASH,
  LABEL_WORKER_INDEX,
} from '../../../libs/lws/src';
import type { Logger } from '../../api/src/logger';
import { newEvent } from '../../api/src/common/new-event';
import {
  ReconcileEventType,
  lwsStreamId,
  type ContainerRestartedData,
} from '../../api/src/lws/lws.events';

const TOPOLOGY_LABELS = ['topology.kubernetes.io/zone', 'rack', 'kubernetes.io/hostname'];
const FLUSH_MS = 100;

interface PodRow {
  cluster: string;
  namespace: string;
  name: string;
  lws_uid: string;
  uid: string;
  group_index: number | null;
  worker_index: number | null;
  subgroup_index: number | null;
  revision: string | null;
  phase: string | null;
  ready: boolean;
  restarts: number;
  node_name: string | null;
  topology: Record<string, string>;
  last_termination_reason: string | null;
  last_exit_code: number | null;
}

const int = (value: string | undefined): number | null =>
  value === undefined || value === '' ? null : Number(value);

/**
 * Keeps the `pods` read model (latest state of every managed pod; a table, not events) and turns
 * container restarts into `ContainerRestarted` events, with the exit code and reason captured from the
 * pod status before anything recreates the pod. Writes are batched.
 */
export class PodRecorder {
  private readonly pending = new Map<string, PodRow | { delete: [string, string] }>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    private readonly store: EventStore,
    private readonly cluster: string,
    private readonly logger: Logger,
  ) {}

  record(
    owner: string,
    type: 'add' | 'update' | 'delete',
    pod: V1Pod,
    previous: V1Pod | undefined,
    nodeOf: (name: string) => V1Node | undefined,
  ): void {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    if (type === 'delete') {
      this.pending.set(key, { delete: [namespace, name] });
    } else {
      this.pending.set(key, this.row(owner, pod, nodeOf));
      if (previous && previous.metadata?.uid === pod.metadata?.uid)
        this.detectRestarts(owner, pod, previous);
    }
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending.values()];
    this.pending.clear();
    this.flushing = this.flushing
      .then(() => this.write(batch))
      .catch((error) =>
        this.logger.error(
          { cluster: this.cluster, err: error },
          'could not write the pods read model',
        ),
      );
    await this.flushing;
  }

  private async write(batch: Array<PodRow | { delete: [string, string] }>): Promise<void> {
    if (!batch.length) return;
    const rows = batch.filter((b): b is PodRow => !('delete' in b));
    const deletes = batch.filter((b): b is { delete: [string, string] } => 'delete' in b);
    if (rows.length) {
      await preparedQuery(
        this.db,
        'lws_worker_record_pods_v1',
        `INSERT INTO pods (cluster, namespace, name, lws_uid, uid, group_index, worker_index, subgroup_index, revision, phase,
                           ready, restarts, node_name, topology, last_termination_reason, last_exit_code, updated_at)
         SELECT r.cluster, r.namespace, r.name, r.lws_uid::uuid, r.uid, r.group_index, r.worker_index, r.subgroup_index, r.revision,
                r.phase, r.ready, r.restarts, r.node_name, coalesce(r.topology, '{}'::jsonb), r.last_termination_reason, r.last_exit_code, now()
           FROM jsonb_to_recordset($1::jsonb) AS r(cluster text, namespace text, name text, lws_uid text, uid text, group_index int,
                worker_index int, subgroup_index int, revision text, phase text, ready boolean, restarts int, node_name text,
                topology jsonb, last_termination_reason text, last_exit_code int)
         ON CONFLICT (cluster, namespace, name) DO UPDATE SET
           lws_uid = EXCLUDED.lws_uid, uid = EXCLUDED.uid, group_index = EXCLUDED.group_index, worker_index = EXCLUDED.worker_index,
           subgroup_index = EXCLUDED.subgroup_index, revision = EXCLUDED.revision, phase = EXCLUDED.phase, ready = EXCLUDED.ready,
           restarts = EXCLUDED.restarts, node_name = EXCLUDED.node_name, topology = EXCLUDED.topology,
           last_termination_reason = coalesce(EXCLUDED.last_termination_reason, pods.last_termination_reason),
           last_exit_code = coalesce(EXCLUDED.last_exit_code, pods.last_exit_code), updated_at = now()`,
        [JSON.stringify(rows)],
      );
    }
    if (deletes.length) {
      await preparedQuery(
        this.db,
        'lws_worker_forget_pods_v1',
        `DELETE FROM pods p USING unnest($2::text[], $3::text[]) AS d(namespace, name)
          WHERE p.cluster = $1 AND p.namespace = d.namespace AND p.name = d.name`,
        [this.cluster, deletes.map((d) => d.delete[0]), deletes.map((d) => d.delete[1])],
      );
    }
  }

  private row(owner: string, pod: V1Pod, nodeOf: (name: string) => V1Node | undefined): PodRow {
    const labels = pod.metadata?.labels ?? {};
    const statuses = [...(pod.status?.containerStatuses ?? [])];
    const terminated = statuses
      .map((s) => s.lastState?.terminated ?? s.state?.terminated)
      .find(Boolean);
    const nodeName = pod.spec?.nodeName ?? null;
    const nodeLabels = nodeName ? (nodeOf(nodeName)?.metadata?.labels ?? {}) : {};
    const topology: Record<string, string> = {};
    for (const key of TOPOLOGY_LABELS)
      if (nodeLabels[key] !== undefined) topology[key] = nodeLabels[key];
    return {
      cluster: this.cluster,
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name ?? '',
      lws_uid: owner,
      uid: pod.metadata?.uid ?? '',
      group_index: int(labels[LABEL_GROUP_INDEX]),
      worker_index: int(labels[LABEL_WORKER_INDEX]),
      subgroup_index: int(labels[LABEL_SUBGROUP_INDEX]),
      revision: labels[LABEL_TEMPLATE_REVISION_HASH] ?? null,
      phase: pod.status?.phase ?? null,
      ready: (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
      node_name: nodeName,
      topology,
      last_termination_reason: terminated?.reason ?? null,
      last_exit_code: terminated?.exitCode ?? null,
    };
  }

  private detectRestarts(owner: string, pod: V1Pod, previous: V1Pod): void {
    const before = new Map(
      (previous.status?.containerStatuses ?? []).map((s) => [s.name, s.restartCount ?? 0]),
    );
    const events = [];
    for (const status of pod.status?.containerStatuses ?? []) {
      const was = before.get(status.name) ?? 0;
      if ((status.restartCount ?? 0) <= was) continue;
      const terminated = status.lastState?.terminated;
      const data: ContainerRestartedData = {
        uid: owner,
        cluster: this.cluster,
        pod: pod.metadata?.name ?? '',
        container: status.name,
        restartCount: status.restartCount ?? 0,
        exitCode: terminated?.exitCode,
        reason: terminated?.reason,
      };
      events.push(
        newEvent(ReconcileEventType.ContainerRestarted, data, {
          actor: `worker:${this.cluster}`,
          correlationId: `watch-${pod.metadata?.uid}`,
          source: 'watcher',
          cluster: this.cluster,
        }),
      );
    }
    if (events.length) {
      this.store
        .append(lwsStreamId(owner), events, { expectedVersion: 'any' })
        .catch((error) =>
          this.logger.error(
            { cluster: this.cluster, lws: owner, err: error },
            'could not record a container restart',
          ),
        );
    }
  }
}
