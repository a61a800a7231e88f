import type { EntityManager } from 'typeorm';
import type { Projection, StoredEvent } from '../../../../libs/events/src';
import {
  ClusterEventType,
  type ClusterRegisteredData,
  type ClusterRemovedData,
} from './clusters.events';

/** The `clusters` read model (inline). Health columns belong to the watchers and are not replayed. */
export const clustersProjection: Projection = {
  name: 'clusters',
  handles: Object.values(ClusterEventType),

  async apply(event: StoredEvent, manager: EntityManager): Promise<void> {
    if (event.type === ClusterEventType.Registered) {
      const d = event.data as unknown as ClusterRegisteredData;
      await manager.query(
        `INSERT INTO clusters (name, server, credential_kind, kubeconfig_sealed, registered_at, registered_by)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          d.name,
          d.server,
          d.credentialKind,
          d.kubeconfigSealed,
          event.createdAt,
          event.metadata.actor,
        ],
      );
    } else if (event.type === ClusterEventType.Removed) {
      const d = event.data as unknown as ClusterRemovedData;
      await manager.query(`DELETE FROM clusters WHERE name = $1`, [d.name]);
    }
  },

  async reset(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM clusters`);
  },
};
