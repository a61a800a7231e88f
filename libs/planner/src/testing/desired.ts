// Test helper: an admitted LWS (through libs/lws, as the API admits it) as the planner's input.
import { admitLeaderWorkerSet, type LeaderWorkerSet } from '../../../lws/src';
import type { LeaderWorkerSetBuilder } from '../../../lws/src/testing';
import { currentTemplate } from '../plan';
import type { DesiredLws } from '../types';

export interface DesiredOptions {
  uid?: string;
  generation?: number;
  revision?: number;
  /** Earlier DesiredLws whose templates stay available as old revisions. */
  history?: DesiredLws[];
}

export function admit(source: LeaderWorkerSetBuilder | string): LeaderWorkerSet {
  const text = typeof source === 'string' ? source : source.yaml();
  const result = admitLeaderWorkerSet(text);
  if (!result.ok) {
    throw new Error(`manifest refused: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return result.lws;
}

export function desiredFrom(
  source: LeaderWorkerSetBuilder | string,
  options: DesiredOptions = {},
): DesiredLws {
  const text = typeof source === 'string' ? source : source.yaml();
  const result = admitLeaderWorkerSet(text);
  if (!result.ok) {
    throw new Error(`manifest refused: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  const lws = result.lws;
  const revisions: DesiredLws['revisions'] = {};
  for (const old of options.history ?? []) {
    revisions[old.templateHash] = currentTemplate(old);
    Object.assign(revisions, old.revisions ?? {});
  }
  return {
    uid: options.uid ?? 'uid-1',
    namespace: lws.metadata.namespace,
    name: lws.metadata.name,
    generation: options.generation ?? 1,
    revision: options.revision ?? 1,
    templateHash: result.templateHash,
    labels: lws.metadata.labels ?? {},
    annotations: lws.metadata.annotations ?? {},
    spec: lws.spec,
    revisions,
  };
}
