import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { InputError, ToolError, workspaceRoot, type ProgressOptions } from '@deploy-kit/shared';
import { auditOnce, type AuditOptions, type Limits } from './audit';
import type { Source } from './findings';
import type { Inputs } from './inputs';
import type { OsvRelay } from './osv-relay';
import { fullyPinned, parseRequirements, type RequirementsFile } from './requirements';

/** What to audit, each run by pip-audit on its own: every requirements file, or one environment. */

/** A workspace-relative path with forward slashes (annotations, SARIF, reports). */
export function rel(file: string): string {
  return path.relative(workspaceRoot(), file).split(path.sep).join('/');
}

/** A file and everything it pulls in with -r is pinned only if every requirement in all of them is. */
export function loadRequirements(
  file: string,
  seen = new Set<string>(),
): { parsed: RequirementsFile; pinned: boolean } {
  seen.add(file);
  const parsed = parseRequirements(fs.readFileSync(file, 'utf8'));
  if (parsed.problems.length > 0) {
    const p = parsed.problems[0]!;
    throw new InputError(
      `'requirements' file ${rel(file)} line ${p.line} ('${p.text}') is not a requirement pip understands; write name==version, one per line.`,
    );
  }
  let pinned = fullyPinned(parsed);
  for (const inc of parsed.includes) {
    const child = path.resolve(path.dirname(file), inc);
    if (seen.has(child) || !fs.existsSync(child)) continue;
    pinned = loadRequirements(child, seen).pinned && pinned;
  }
  return { parsed, pinned };
}

export interface AuditRun {
  bin: string;
  limits: Limits;
  /** Where pip-audit writes its JSON report (deleted before each run). */
  reportFile: string;
  progress?: ProgressOptions;
  /** The loopback relay pip-audit asks instead of the OSV service (service: osv). */
  relay?: OsvRelay;
}

const started = (pid: number | undefined): void => core.info(`pip-audit started (pid ${pid ?? '?'})`);

/** pip-audit's own lines worth showing (its per-package warnings are in the report). */
function echo(stderr: string): void {
  for (const line of stderr.split('\n'))
    if (line.trim() !== '' && !line.startsWith('WARNING:pip_audit._cli:')) core.info(line);
}

/**
 * One pip-audit run, judged by what the OSV service really answered: any answer the relay could
 * not accept makes the run "Could not run", whatever pip-audit made of it.
 */
async function auditChecked(
  run: AuditRun,
  what: string,
  once: () => ReturnType<typeof auditOnce>,
): ReturnType<typeof auditOnce> {
  run.relay?.takeProblems();
  let result: Awaited<ReturnType<typeof auditOnce>> | undefined;
  let failure: unknown;
  try {
    result = await once();
  } catch (error) {
    failure = error;
  }
  const problems = run.relay?.takeProblems() ?? [];
  if (problems.length > 0)
    throw new ToolError(
      `the OSV service gave no valid answer while auditing ${what}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}; an audit without one is never called clean`,
    );
  if (failure !== undefined || !result) throw failure;
  return result;
}

async function auditFile(file: string, options: AuditOptions, run: AuditRun): Promise<Source> {
  const { parsed, pinned } = loadRequirements(file);
  const name = rel(file);
  const hooks = { onSpawn: started, progress: run.progress };
  const { outcome, run: raw } = await core.group(
    `pip-audit: ${name}${pinned ? ' (pinned, audited as written)' : ' (resolved by pip)'}`,
    async () => {
      const result = await auditChecked(run, name, () =>
        auditOnce({ file, pinned }, options, name, run.limits, hooks),
      );
      echo(result.run.stderr);
      return result;
    },
  );
  const last = raw.stdout.trim().split('\n').at(-1);
  core.info(
    `${name}: ${outcome.kind === 'clean' ? 'no known vulnerabilities' : 'vulnerabilities found'}${last ? ` (${last})` : ''}`,
  );
  return { file: name, parsed, report: outcome.report };
}

/** Runs pip-audit over what the inputs name; the first run that cannot complete stops the audit (a ToolError). */
export async function auditSources(inputs: Inputs, run: AuditRun): Promise<Source[]> {
  const options: AuditOptions = {
    bin: run.bin,
    service: inputs.service,
    osvUrl: run.relay?.url ?? inputs.osvUrl,
    requestTimeoutS: inputs.requestTimeoutS,
    reportFile: run.reportFile,
    cwd: inputs.workingDirectory,
    python: inputs.python,
  };
  if (inputs.mode === 'environment') {
    const what = `the environment of ${inputs.python}`;
    const hooks = { onSpawn: started, progress: run.progress };
    const { outcome } = await core.group(`pip-audit: ${what}`, () =>
      auditChecked(run, what, () => auditOnce({ pinned: false }, options, what, run.limits, hooks)),
    );
    return [{ report: outcome.report }];
  }
  const sources: Source[] = [];
  for (const file of inputs.requirements) sources.push(await auditFile(file, options, run));
  return sources;
}
