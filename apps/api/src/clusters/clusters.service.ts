import type { DataSource } from 'typeorm';
import { ConcurrencyError, type EventStore } from '../../../../libs/events/src';
import { checkKubeconfig, type SecretBox } from '../../../../libs/kube/src';
import { badUserInput, conflict, notFound } from '../common/errors';
import { newEvent } from '../common/new-event';
import type { RequestContext } from '../common/request-context';
import { LwsRepository } from '../lws/lws.repository';
import { ClusterEventType, clusterStreamId, type ClusterRegisteredData } from './clusters.events';

export interface ClusterRow {
  name: string;
  server: string;
  credential_kind: string;
  registered_at: Date;
  registered_by: string;
  healthy: boolean | null;
  nodes: number | null;
  last_seen: Date | null;
}

/** Cluster names are used in queue names, kubeconfig file names and GraphQL arguments: DNS-1123 labels. */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const COLUMNS =
  'name, server, credential_kind, registered_at, registered_by, healthy, nodes, last_seen';

export class ClustersService {
  constructor(
    private readonly db: DataSource,
    private readonly store: EventStore,
    private readonly secrets: SecretBox,
  ) {}

  async list(): Promise<ClusterRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM clusters ORDER BY name`);
  }

  async get(name: string): Promise<ClusterRow | undefined> {
    const rows: ClusterRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM clusters WHERE name = $1`,
      [name],
    );
    return rows[0];
  }

  /** Validates the kubeconfig, seals it, and records the registration. The kubeconfig never leaves here in the clear. */
  async register(
    input: { name: string; kubeconfig: string },
    ctx: RequestContext,
  ): Promise<ClusterRow> {
    const problems = [];
    if (!CLUSTER_NAME.test(input.name ?? '')) {
      problems.push({
        field: 'name',
        message:
          'must be a DNS-1123 label: lowercase letters, digits and "-", at most 63 characters, starting and ending with a letter or digit',
      });
    }
    const check = checkKubeconfig(input.kubeconfig);
    if (!check.ok)
      problems.push(
        ...check.problems.map((p) => ({
          field: p.field === 'kubeconfig' ? 'kubeconfig' : `kubeconfig.${p.field}`,
          message: p.message,
        })),
      );
    if (problems.length || !check.ok) {
      throw badUserInput(
        `cannot register cluster: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
        problems,
      );
    }
    const data: ClusterRegisteredData = {
      name: input.name,
      server: check.summary.server,
      credentialKind: check.summary.credentialKind,
      kubeconfigSealed: this.secrets.seal(input.kubeconfig),
    };
    try {
      await this.store.transaction(async (tx) => {
        if (await this.getIn(tx.manager, input.name))
          throw conflict(
            `cluster ${input.name} is already registered; remove it first to replace its kubeconfig`,
          );
        const version = await tx.streamVersion(clusterStreamId(input.name));
        await tx.append(
          clusterStreamId(input.name),
          [
            newEvent(ClusterEventType.Registered, data, {
              actor: ctx.actor,
              correlationId: ctx.correlationId,
              source: 'api',
              cluster: input.name,
            }),
          ],
          { expectedVersion: version },
        );
      });
    } catch (error) {
      if (error instanceof ConcurrencyError)
        throw conflict(
          `cluster ${input.name} is being registered or removed by another request; retry`,
        );
      throw error;
    }
    return (await this.get(input.name))!;
  }

  /** Refuses while any LeaderWorkerSet is placed on the cluster. */
  async remove(name: string, ctx: RequestContext): Promise<boolean> {
    try {
      await this.store.transaction(async (tx) => {
        // FOR UPDATE: an apply placing an LWS here holds FOR KEY SHARE; we wait for it and then count it.
        const rows = await tx.manager.query(
          `SELECT name FROM clusters WHERE name = $1 FOR UPDATE`,
          [name],
        );
        if (rows.length === 0) throw notFound(`cluster ${name} is not registered`);
        const placed = await new LwsRepository(tx.manager).countLiveOnCluster(name);
        if (placed > 0) {
          throw conflict(
            `cluster ${name} still has ${placed} LeaderWorkerSet${placed === 1 ? '' : 's'} placed on it; delete them first`,
            { leaderWorkerSets: placed },
          );
        }
        const version = await tx.streamVersion(clusterStreamId(name));
        await tx.append(
          clusterStreamId(name),
          [
            newEvent(
              ClusterEventType.Removed,
              { name },
              { actor: ctx.actor, correlationId: ctx.correlationId, source: 'api', cluster: name },
            ),
          ],
          { expectedVersion: version },
        );
      });
    } catch (error) {
      if (error instanceof ConcurrencyError)
        throw conflict(`cluster ${name} is being changed by another request; retry`);
      throw error;
    }
    return true;
  }

  private async getIn(manager: { query: DataSource['query'] }, name: string): Promise<boolean> {
    const rows = await manager.query(`SELECT 1 FROM clusters WHERE name = $1`, [name]);
    return rows.length > 0;
  }
}
