import { mdCode, mdHeading, mdList, mdTable, type ResultsEnvelope } from '@deploy-kit/shared';
import type { HostState } from './host/state';
import type { StepTiming } from './model/host-state';

export interface HostReport {
  host: string;
  status: string;
  previous: string;
  version: string;
  migrated: boolean;
  backup?: string;
  error?: string;
  rollbackError?: string;
  steps: { name: string; start: number; end: number; ok: boolean }[];
}

/** A host's report: its name, its state, and its session's timed steps. */
export function hostReport(
  host: { name: string; state: HostState; session: { steps: StepTiming[] } },
  version: string,
): HostReport {
  const { status, previous, migrated, backup, error, rollbackError } = host.state;
  return {
    host: host.name,
    status,
    previous,
    version,
    migrated,
    backup,
    error,
    rollbackError,
    steps: host.session.steps,
  };
}

/** One host in the `results` output: its report, its duration, and its steps as offsets from its first step. */
export type HostResult = Omit<HostReport, 'steps'> & {
  durationMs: number;
  steps: { name: string; atMs: number; ms: number; ok: boolean }[];
};

/** The `results` output: the envelope every action starts with, then the versions and every host. */
export interface RemoteDeployResults extends ResultsEnvelope {
  /** What the hosts run now: the new version, or the previous one when the deploy failed. */
  version: string;
  /** What ran before this deploy (the first host that had a release). */
  previousVersion: string;
  /** How the deploy ended, in a phrase. */
  outcome: string;
  dryRun: boolean;
  hosts: HostResult[];
}

/** The action's outputs, by their action.yml names. */
export interface Outputs {
  version: string;
  'previous-version': string;
  results: RemoteDeployResults;
}

/** Each host with its duration and its steps as offsets from the host's first step. */
export function hostResults(reports: readonly HostReport[]): HostResult[] {
  return reports.map(({ steps, ...rest }) => {
    const t0 = steps.length > 0 ? Math.min(...steps.map((s) => s.start)) : 0;
    return {
      ...rest,
      durationMs: steps.length > 0 ? Math.max(...steps.map((s) => s.end)) - t0 : 0,
      // Offsets from the host's first step, so a slow host or step can be found from the output alone.
      steps: steps.map((s) => ({ name: s.name, atMs: s.start - t0, ms: s.end - s.start, ok: s.ok })),
    };
  });
}

/** Mermaid gantt task names may not contain `:` or `#` (they end the name / start a comment). */
function ganttLabel(text: string): string {
  return text.replace(/[:#;]/g, ' ').trim() || 'step';
}

/** A per-host timeline; `dateFormat x` takes epoch milliseconds, so real start/end times are used. */
export function ganttChart(reports: readonly HostReport[]): string {
  const lines = ['```mermaid', 'gantt', '  dateFormat x', '  axisFormat %M:%S', '  title Deploy timeline'];
  reports.forEach((r, h) => {
    lines.push(`  section ${ganttLabel(r.host)}`);
    r.steps.forEach((s, i) => {
      const end = Math.max(s.end, s.start + 1);
      lines.push(`  ${ganttLabel(s.name)} :${s.ok ? '' : 'crit, '}h${h}s${i}, ${s.start}, ${end}`);
    });
  });
  lines.push('```');
  return lines.join('\n');
}

export function resultsTable(reports: readonly HostReport[]): string {
  return mdTable(
    ['Host', 'Result', 'Previous', 'Version', 'Migrations', 'Time', 'Detail'],
    reports.map((r) => {
      const start = Math.min(...r.steps.map((s) => s.start));
      const end = Math.max(...r.steps.map((s) => s.end));
      const secs = r.steps.length > 0 ? `${((end - start) / 1000).toFixed(1)} s` : '';
      return [
        r.host,
        r.status,
        r.previous || '(none)',
        r.version,
        r.migrated ? 'ran' : '',
        secs,
        [r.error, r.rollbackError ? `rollback: ${r.rollbackError}` : '', r.backup ? `backup ${r.backup}` : '']
          .filter(Boolean)
          .join('; '),
      ];
    }),
  );
}

export function summaryMarkdown(options: {
  version: string;
  dryRun: boolean;
  rollbackTo: boolean;
  outcome: string;
  reports: readonly HostReport[];
  plan?: readonly string[];
  notes?: readonly string[];
}): string {
  const title = options.dryRun
    ? `remote-deploy dry run: ${options.version}`
    : options.rollbackTo
      ? `remote-deploy rollback-to ${options.version}`
      : `remote-deploy ${options.version}`;
  const sections = [mdHeading(title, 2), `**Outcome:** ${options.outcome}`, resultsTable(options.reports)];
  if (options.plan) sections.push(mdHeading('Plan', 3), mdList(options.plan.map((s) => mdCode(s))));
  if (options.notes && options.notes.length > 0) sections.push(mdList(options.notes));
  if (options.reports.some((r) => r.steps.length > 0))
    sections.push(mdHeading('Timeline', 3), ganttChart(options.reports));
  return sections.join('\n\n');
}
