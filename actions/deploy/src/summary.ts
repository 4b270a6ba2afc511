import { mdEscape, mdHeading, mdTable, type ResultsEnvelope, type RunStatus } from '@deploy-kit/shared';
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

/** Mermaid gantt task names end at `:` and comments start at `#`; `;` ends a statement. */
function ganttLabel(text: string): string {
  return text.replace(/[:#;]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 60) || 'stage';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The stages on one timeline; `dateFormat x` reads milliseconds, here offsets from the run's start. */
export function stagesGantt(stages: readonly StageRecord[]): string {
  const lines = ['```mermaid', 'gantt', '  dateFormat x', '  axisFormat %M:%S', '  title One-step deploy'];
  stages.forEach((s, i) => {
    if (s.status === 'skipped') return;
    const tag = s.status === 'passed' ? 'done, ' : s.status === 'failed' ? 'crit, ' : 'active, ';
    lines.push(`  section ${ganttLabel(s.stage)}`);
    lines.push(
      `  ${ganttLabel(`${s.status} ${seconds(s.endMs - s.startMs)}`)} :${tag}st${i}, ${s.startMs}, ${Math.max(s.endMs, s.startMs + 1)}`,
    );
  });
  lines.push('```');
  return lines.join('\n');
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

export function headline(result: PipelineResult): string {
  if (result.failure) return `One-step deploy failed: ${mdEscape(result.failure.message)}`;
  const deployed = result.stages.find((s) => s.stage === 'remote-deploy');
  if (result.stages.every((s) => s.stage !== 'smoke-test'))
    return `One-step deploy: ${deployed?.detail ?? ''}`;
  return `One-step deploy of ${result.version} passed: deployed, smoke test green`;
}

/** Headline, timeline, stage table, then each stage's own summary under its heading. */
export function summaryMarkdown(result: PipelineResult): string {
  const parts = [mdHeading(headline(result), 2), stagesGantt(result.stages), stagesTable(result.stages)];
  for (const s of result.stages) {
    if (s.summary.trim() === '') continue;
    // Each stage's summary starts with its own heading: one heading scheme, no "Stage: x" above "x".
    parts.push(s.summary.trim());
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
