/**
 * The facts of a LeaderWorkerSet's life, as stored in its stream (`LeaderWorkerSet-<uid>`).
 * Names are past tense; data is small and versioned by `schemaVersion` on the event row.
 */
export const LwsEventType = {
  Created: 'LeaderWorkerSetCreated',
  Updated: 'LeaderWorkerSetUpdated',
  RevisionCreated: 'RevisionCreated',
  Scaled: 'LeaderWorkerSetScaled',
  DeletionRequested: 'LeaderWorkerSetDeletionRequested',
  Deleted: 'LeaderWorkerSetDeleted',
} as const;

export type LwsEventTypeName = (typeof LwsEventType)[keyof typeof LwsEventType];

export const lwsStreamId = (uid: string): string => `LeaderWorkerSet-${uid}`;

/** What identifies the object and what it looks like after the event (read models need no lookups). */
export interface LwsObjectState {
  uid: string;
  namespace: string;
  name: string;
  cluster: string;
  generation: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The defaulted spec. */
  spec: Record<string, unknown>;
}

export interface LeaderWorkerSetCreatedData extends LwsObjectState {
  /** Notices of the apply (e.g. a normalised alias). */
  notices: string[];
}

export interface LeaderWorkerSetUpdatedData extends LwsObjectState {
  /** Field paths that changed, e.g. `spec.replicas`, `spec.leaderWorkerTemplate`. */
  changes: string[];
  previousGeneration: number;
  notices: string[];
}

export interface RevisionCreatedData {
  uid: string;
  revision: number;
  templateHash: string;
  /** `leaderWorkerTemplate` + `networkConfig`: what the hash covers. */
  template: { leaderWorkerTemplate: unknown; networkConfig: unknown };
  /** The whole LWS as YAML when this revision was made. */
  manifest: string;
  /** Set when the revision restores an older one's template (rollback). */
  restoredFrom?: number;
}

export interface LeaderWorkerSetScaledData {
  uid: string;
  fromReplicas: number;
  toReplicas: number;
  generation: number;
}

export interface LeaderWorkerSetDeletionRequestedData {
  uid: string;
}

export interface LeaderWorkerSetDeletedData {
  uid: string;
  /** Why the deletion is complete, e.g. `never placed in a cluster` or `cluster confirmed`. */
  reason: string;
}
