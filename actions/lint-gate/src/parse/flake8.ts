import type { Finding, GateReport } from '../types';
import { abnormalEnd, absolute, isSevereCode, plural, toolError, type ToolRun } from './common';

/** A fixed, tab-separated format with a marker, so other output (plugins, --statistics) is ignored. */
export const FLAKE8_MARKER = 'lint-gate';
export const FLAKE8_FORMAT = `${FLAKE8_MARKER}\t%(path)s\t%(row)d\t%(col)d\t%(code)s\t%(text)s`;

export function parseFlake8Lines(stdout: string, cwd: string): Finding[] {
  const findings: Finding[] = [];
  for (const line of stdout.split('\n')) {
    const fields = line.replace(/\r$/, '').split('\t');
    if (fields[0] !== FLAKE8_MARKER || fields.length < 6) continue;
    const [, file, row, col, code, ...text] = fields as [string, string, string, string, string, ...string[]];
    findings.push({
      tool: 'flake8',
      level: isSevereCode(code) ? 'error' : 'warning',
      file: absolute(cwd, file),
      line: Number(row) || 1,
      col: Number(col) || undefined,
      code,
      title: `flake8 ${code}`,
      message: text.join('\t'),
    });
  }
  return findings;
}

/**
 * flake8 exits 1 both for findings and for a broken config or a crashing
 * plugin: exit 1 is a finding only when findings were printed in our format.
 */
export function parseFlake8(run: ToolRun, cwd: string): GateReport {
  const abnormal = abnormalEnd('flake8', run);
  if (abnormal) return abnormal;
  const findings = parseFlake8Lines(run.stdout, cwd);
  const files = new Set(findings.map((f) => f.file)).size;
  const counts = { findings: findings.length, files };
  if ((run.exitCode === 0 || run.exitCode === 1) && findings.length > 0)
    return {
      gate: 'flake8',
      status: 'findings',
      headline: `${plural(findings.length, 'finding')} in ${plural(files, 'file')}`,
      findings,
      counts,
      durationMs: run.durationMs,
    };
  if (run.exitCode === 0)
    return {
      gate: 'flake8',
      status: 'passed',
      headline: 'no findings',
      findings: [],
      counts,
      durationMs: run.durationMs,
    };
  if (run.exitCode === 1)
    return toolError('flake8', run, 'exited 1 without reporting a finding (configuration error or crash)');
  return toolError('flake8', run, `exited ${run.exitCode} (usage or configuration error)`);
}
