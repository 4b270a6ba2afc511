import {
  ganttChart,
  ganttTask,
  mdCode,
  mdHeading,
  mdList,
  mdTable,
  type ResultsEnvelope,
} from '@deploy-kit/shared';
import type { HostState } from './host/state';
import type { MigrationRecord } from './model/migrations';
import type { StepTiming } from './model/host-state';

export interface HostReport {
  host: string;
  status: string;
  previous: string;
  version: string;
  migrated: boolean;
  backup?: string;
  /** Media archives (backup-volumes, backup-paths). */
  media?: string[];
  error?: string;
  rollbackError?: string;
  steps: { name: string; start: number; end: number; ok: boolean }[];
}

/** A host's report: its name, its state, and its session's timed steps. */
export function hostReport(
  host: { name: string; state: HostState; session: { steps: StepTiming[] } },
  version: string,
): HostReport {
  const { status, previous, migrated, backup, media, error, rollbackError } = host.state;
  return {
    host: host.name,
    status,
    previous,
    version,
    migrated,
    backup,
    ...(media.length > 0 ? { media } : {}),
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
  /** The migration plan (migrate-plan) and what a rollback did about it. */
  migrations?: MigrationRecord;
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

/** Hosts drawn one bar each; a larger fleet shows a fleet bar and the failed and slowest hosts. */
export const CHART_HOSTS = 10;

function span(r: HostReport): { start: number; end: number } {
  return { start: Math.min(...r.steps.map((s) => s.start)), end: Math.max(...r.steps.map((s) => s.end)) };
}

const isRed = (r: HostReport): boolean => r.steps.some((s) => !s.ok);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * The deploy on one timeline, in elapsed time from its first step: one bar per host (past
 * CHART_HOSTS hosts: a fleet bar, then the failed hosts and the slowest), then the steps of the
 * first failed host, or else of the slowest — readable for 3 hosts as for 200.
 */
export function hostsGantt(reports: readonly HostReport[]): string {
  const timed = reports.filter((r) => r.steps.length > 0);
  if (timed.length === 0) return '';
  const t0 = Math.min(...timed.map((r) => span(r).start));
  const end = Math.max(...timed.map((r) => span(r).end)) - t0;
  const length = (r: HostReport): number => span(r).end - span(r).start;
  const ranked = [...timed].sort((a, b) => Number(isRed(b)) - Number(isRed(a)) || length(b) - length(a));
  const shown = timed.filter((r) => ranked.indexOf(r) < CHART_HOSTS);
  const bar = (r: HostReport, i: number): string =>
    ganttTask(
      `${r.host} ${secs(length(r))}`,
      isRed(r) ? 'crit' : 'done',
      `h${i}`,
      span(r).start - t0,
      span(r).end - t0,
    );
  const sections: [string, string[]][] = [];
  if (timed.length > shown.length) {
    const label = `${timed.length} hosts, ${timed.filter(isRed).length} failed`;
    sections.push(['fleet', [ganttTask(label, timed.some(isRed) ? 'crit' : 'done', 'fleet', 0, end)]]);
  }
  sections.push([timed.length > shown.length ? 'failed and slowest' : 'hosts', shown.map(bar)]);
  const focus = ranked[0]!;
  const steps = focus.steps.map((s, i) =>
    ganttTask(s.name, s.ok ? 'done' : 'crit', `s${i}`, s.start - t0, s.end - t0),
  );
  sections.push([focus.host, steps]);
  const chart = ganttChart('Deploy timeline', end, sections);
  const more = timed.length - shown.length;
  return more > 0
    ? `${chart}\n\n${shown.length} of ${timed.length} hosts drawn (failed first, then the slowest); every host is in the table.`
    : chart;
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
        [
          r.error,
          r.rollbackError ? `rollback: ${r.rollbackError}` : '', // The file name: the full path (in `results`) would widen the table past the summary column.
          r.backup ? `backup ${r.backup.split('/').pop()}` : '',
        ]
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
  /** The migration plan's lines (model/migrations.ts migrationLines). */
  migrations?: readonly string[];
}): string {
  const title = options.dryRun
    ? `remote-deploy dry run: ${options.version}`
    : options.rollbackTo
      ? `remote-deploy rollback-to ${options.version}`
      : `remote-deploy ${options.version}`;
  const sections = [mdHeading(title, 2), `**Outcome:** ${options.outcome}`, resultsTable(options.reports)];
  if (options.plan) sections.push(mdHeading('Plan', 3), mdList(options.plan.map((s) => mdCode(s))));
  if (options.migrations) sections.push(mdHeading('Migrations', 3), mdList(options.migrations));
  if (options.notes && options.notes.length > 0) sections.push(mdList(options.notes));
  if (options.reports.some((r) => r.steps.length > 0))
    sections.push(mdHeading('Timeline', 3), hostsGantt(options.reports));
  return sections.join('\n\n');
}
