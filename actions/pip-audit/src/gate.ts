import type { Finding } from './findings';
import { rank, type Level } from './severity';

export const FAIL_ON = ['any', 'low', 'medium', 'high', 'critical'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface GatePolicy {
  failOn: FailOn;
  fixableOnly: boolean;
  /** Findings whose severity could not be determined fail the gate unless this is false. */
  failOnUnknown: boolean;
}

/** Whether one finding, not ignored, breaks the policy. */
export function breaks(finding: Finding, policy: GatePolicy): boolean {
  if (finding.ignoredUntil) return false;
  if (policy.fixableOnly && !finding.fixedIn) return false;
  const level: Level = finding.severity.level;
  if (level === 'unknown') return policy.failOnUnknown;
  if (policy.failOn === 'any') return true;
  return rank(level) >= rank(policy.failOn);
}

export function describePolicy(policy: GatePolicy): string {
  const what = policy.failOn === 'any' ? 'any severity' : `severity ${policy.failOn} or above`;
  return `${what}${policy.fixableOnly ? ', only when a fix exists' : ''}${policy.failOnUnknown ? ', unknown severity counts' : ''}`;
}
