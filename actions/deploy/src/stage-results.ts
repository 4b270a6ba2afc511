import type { ActionError } from '@deploy-kit/shared';
/**
 * What the one-step pipeline reads of each stage's result: the parts of the three actions'
 * `run()` results it needs, by their published output names (the actions' full result types
 * are assignable to these, so nothing is copied field by field).
 */

export interface StageRun<Outputs extends { results: { status?: string } }> {
  outputs: Outputs;
  summary: string;
  failure?: ActionError;
}

export type RenderRun = StageRun<{ keys: readonly string[]; sha256: string; results: { status?: string } }>;

export type DeployRun = StageRun<{
  version: string;
  'previous-version': string;
  results: { status?: string; hosts?: readonly unknown[] };
}>;

export type SmokeRun = StageRun<{ 'passed-count': number; results: { status?: string } }>;

export interface HostLine {
  host: string;
  status: string;
  /** How long the host's rollback steps took (0 when it had none). */
  rollbackMs: number;
}

/** Host names, statuses and rollback time from remote-deploy's `results.hosts`. */
export function hostLines(results: { hosts?: readonly unknown[] }): HostLine[] {
  return (results.hosts ?? []).flatMap((r) => {
    if (!r || typeof r !== 'object') return [];
    const o = r as Record<string, unknown>;
    if (typeof o.host !== 'string') return [];
    const steps = Array.isArray(o.steps) ? (o.steps as { name?: unknown; ms?: unknown }[]) : [];
    const rollbackMs = steps
      .filter((s) => typeof s.name === 'string' && /rollback|roll back|put back/i.test(s.name))
      .reduce((sum, s) => sum + (typeof s.ms === 'number' ? s.ms : 0), 0);
    return [{ host: o.host, status: String(o.status ?? ''), rollbackMs }];
  });
}

export function names(lines: readonly HostLine[]): string {
  return lines.map((l) => l.host).join(', ');
}

/** Hosts remote-deploy itself put back (or tried to) on their previous release. */
export function putBackByDeploy(hosts: readonly HostLine[]): HostLine[] {
  return hosts.filter((h) => h.status === 'rolled-back' || h.status === 'rollback-failed');
}
