// Status and conditions exactly as upstream's updateStatus / updateConditions / setCondition
// (lws-reference §4.6, §1.9).
import type { LeaderWorkerSetCondition, LeaderWorkerSetStatus } from '../../lws/src';
import {
  CONDITION_MESSAGE,
  CONDITION_REASON,
  ConditionType,
  LABEL_NAME,
  LABEL_WORKER_INDEX,
} from '../../lws/src/constants';

/** One observed leader pod as updateConditions counts it. */
export interface StatusGroup {
  index: number;
  /** Worker StatefulSet exists (size 1: always). Groups without are not counted at all. */
  counted: boolean;
  ready: boolean;
  updated: boolean;
}

export interface StatusInput {
  name: string;
  generation: number;
  replicas: number;
  partition: number;
  /** Leader pods that exist (the leader StatefulSet's status.replicas). */
  leaderPods: number;
  groups: StatusGroup[];
  previous?: LeaderWorkerSetStatus;
  now: string;
}

const EXCLUSIVE: Record<string, string[]> = {
  [ConditionType.Available]: [ConditionType.Progressing, ConditionType.UpdateInProgress],
  [ConditionType.Progressing]: [ConditionType.Available],
  [ConditionType.UpdateInProgress]: [ConditionType.Available],
};

export function hpaPodSelector(name: string): string {
  return `${LABEL_NAME}=${name},${LABEL_WORKER_INDEX}=0`;
}

export function computeStatus(input: StatusInput): {
  status: LeaderWorkerSetStatus;
  updateDone: boolean;
} {
  const R = input.replicas;
  const P = input.partition;
  let ready = 0;
  let updated = 0;
  let currentNB = 0;
  let updatedNB = 0;
  let readyNB = 0;
  let updatedReadyNB = 0;
  for (const g of input.groups) {
    if (!g.counted) continue;
    const nonBurst = g.index < R;
    const partitioned = nonBurst && g.index >= P;
    if (g.ready) ready++;
    if (g.updated) updated++;
    if (partitioned) currentNB++;
    if (partitioned && g.updated) updatedNB++;
    if (nonBurst && g.ready) readyNB++;
    if (partitioned && g.ready && g.updated) updatedReadyNB++;
  }
  const chosen: ConditionType[] =
    updatedNB < currentNB
      ? [ConditionType.UpdateInProgress, ConditionType.Progressing]
      : readyNB === R && updatedReadyNB === currentNB
        ? [ConditionType.Available]
        : [ConditionType.Progressing];

  let conditions = (input.previous?.conditions ?? []).map((c) => ({ ...c }));
  for (const type of chosen) {
    conditions = setCondition(
      conditions,
      {
        type,
        status: 'True',
        reason: CONDITION_REASON[type],
        message: CONDITION_MESSAGE[type],
        lastTransitionTime: input.now,
        observedGeneration: input.generation,
      },
      input.now,
    );
  }
  for (const c of conditions) c.observedGeneration = input.generation;

  const status: LeaderWorkerSetStatus = {
    conditions,
    readyReplicas: ready,
    updatedReplicas: updated,
    replicas: input.leaderPods,
    hpaPodSelector: input.previous?.hpaPodSelector || hpaPodSelector(input.name),
    observedGeneration: input.generation,
  };
  return { status, updateDone: P === 0 && updatedReadyNB === R };
}

/** `setCondition`: replace the same type when it changed; turn exclusive True ones False. */
export function setCondition(
  conditions: LeaderWorkerSetCondition[],
  next: LeaderWorkerSetCondition,
  now: string,
): LeaderWorkerSetCondition[] {
  let found = false;
  const result = conditions.map((c) => {
    if (c.type === next.type) {
      found = true;
      if (c.status !== next.status || c.observedGeneration !== next.observedGeneration) {
        return { ...next };
      }
      return c;
    }
    if ((EXCLUSIVE[next.type] ?? []).includes(c.type) && c.status === 'True') {
      return {
        ...c,
        status: 'False' as const,
        lastTransitionTime: now,
        observedGeneration: next.observedGeneration,
      };
    }
    return c;
  });
  if (!found) result.push({ ...next });
  return result;
}
