import {
  ganttChart,
  ganttTask,
  mdEscape,
  mdHeading,
  mdTable,
  type GanttTag,
  type ResultsEnvelope,
  type RunStatus,
} from '@deploy-kit/shared';
import type { PipelineResult, StageRecord, StageStatus } from './pipeline';

/** The one-step deploy's job summary and `results` output. Pure: markdown and JSON from the stage records. */

const ICON: Record<StageStatus, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  skipped: '➖ skipped',
  cancelled: '⛔ cancelled',
};

const TITLE: Record<StageRecord['stage'], string> = {
  'render-env': 'render-env',
  'remote-deploy': 'remote-deploy',
  'smoke-test': 'smoke-test',
  rollback: 'rollback (remote-deploy rollback-to)',
  'rollback-smoke-test': 'smoke-test of the rollback',
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const TAG: Record<StageStatus, GanttTag> = {
  passed: 'done',
  failed: 'crit',
  cancelled: 'active',
  skipped: '',
};

/** The stages on one timeline, in elapsed time from the first stage's start (ganttChart). */
export function stagesGantt(stages: readonly StageRecord[]): string {
  const shown = stages.filter((s) => s.status !== 'skipped');
  const t0 = shown.length > 0 ? Math.min(...shown.map((s) => s.startMs)) : 0;
  const sections = shown.map((s, i): [string, string[]] => [
    s.stage,
    [
      ganttTask(
        `${s.status} ${seconds(s.endMs - s.startMs)}`,
        TAG[s.status],
        `st${i}`,
        s.startMs - t0,
        s.endMs - t0,
      ),
    ],
  ]);
  return ganttChart('One-step deploy', Math.max(0, ...shown.map((s) => s.endMs - t0)), sections);
}

export function stagesTable(stages: readonly StageRecord[]): string {
  return mdTable(
    ['Stage', 'Result', 'Started', 'Time', 'Detail'],
    stages.map((s) => [
      TITLE[s.stage],
      ICON[s.status],
      `+${seconds(s.startMs)}`,
      seconds(s.endMs - s.startMs),
      s.detail,
    ]),
  );
}

const WHY: Record<PipelineResult['rollbackReason'], string> = {
  '': '',
  'health-gate': ' (health gate red)',
  'smoke-test': ' (smoke test red)',
  cancel: ' (cancelled)',
};

/** The one `##` line a reader sees first (at most 200 characters); the failure sentence goes below it. */
export function headline(result: PipelineResult): string {
  const deployed = result.stages.find((s) => s.stage === 'remote-deploy');
  let line: string;
  // After a rollback `version` is what the hosts serve again: the previous release.
  if (result.failure)
    line = result.rolledBack
      ? `One-step deploy failed: rolled back to ${result.version}${WHY[result.rollbackReason]}`
      : 'One-step deploy failed';
  else if (result.stages.every((s) => s.stage !== 'smoke-test'))
    line = `One-step deploy: ${deployed?.detail ?? ''}`;
  else line = `One-step deploy of ${result.version} passed: deployed, smoke test green`;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** A stage's own summary one level down: its `##` headline becomes `###`, its sections `####`. */
export function nestHeadings(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      return !fenced && /^#{1,5} /.test(line) ? `#${line}` : line;
    })
    .join('\n');
}

/** Headline, the failure sentence, timeline, stage table, then each stage's own summary below its headline. */
export function summaryMarkdown(result: PipelineResult): string {
  const parts = [mdHeading(headline(result), 2)];
  if (result.failure) parts.push(`**Failure:** ${mdEscape(result.failure.message)}`);
  parts.push(stagesGantt(result.stages), stagesTable(result.stages));
  for (const s of result.stages) {
    if (s.summary.trim() === '') continue;
    parts.push(nestHeadings(s.summary.trim()));
  }
  return parts.join('\n\n');
}

/** The `results` output: the envelope, where the hosts stand, and each stage that ran, keyed by stage. */
export function resultsJson(
  result: PipelineResult,
  envelope: { status: RunStatus; failure?: string },
): ResultsEnvelope & Record<string, unknown> {
  return {
    ...envelope,
    version: result.version,
    previousVersion: result.previousVersion,
    rolledBack: result.rolledBack,
    rollbackReason: result.rollbackReason,
    stages: Object.fromEntries(
      result.stages.map((s) => [
        s.stage,
        {
          status: s.status,
          startMs: s.startMs,
          durationMs: s.endMs - s.startMs,
          detail: s.detail,
          results: s.results,
        },
      ]),
    ),
  };
}
