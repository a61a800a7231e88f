// Spellings lws-fleet accepts beyond upstream's schema, rewritten before defaulting and validation.
// Each rewrite is reported as a notice naming the field, so a user sees what was stored.
import { SUBGROUP_POLICY_TYPE_LEADER_ONLY_ALIAS, SubGroupPolicyType } from './constants';
import type { LeaderWorkerSetManifest } from './types';

export const SUBGROUP_POLICY_TYPE_FIELD =
  'spec.leaderWorkerTemplate.subGroupPolicy.subGroupPolicyType';

/** Rewrites aliases in place and returns one notice per rewrite. */
export function normaliseAliases(manifest: LeaderWorkerSetManifest): string[] {
  const notices: string[] = [];
  const policy = manifest.spec?.leaderWorkerTemplate?.subGroupPolicy;
  if (policy && (policy.subGroupPolicyType as string) === SUBGROUP_POLICY_TYPE_LEADER_ONLY_ALIAS) {
    policy.subGroupPolicyType = SubGroupPolicyType.LeaderExcluded;
    notices.push(
      `${SUBGROUP_POLICY_TYPE_FIELD}: "${SUBGROUP_POLICY_TYPE_LEADER_ONLY_ALIAS}" is an alias of ` +
        `"${SubGroupPolicyType.LeaderExcluded}" (the leader belongs to no subgroup); ` +
        `stored as "${SubGroupPolicyType.LeaderExcluded}"`,
    );
  }
  return notices;
}
