import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { ToolError, type ProgressOptions } from '@deploy-kit/shared';
import { auditOnce, type AuditOptions, type Limits } from './audit';
import type { Source } from './findings';
import type { Inputs } from './inputs';
import type { ExpectedQuery, OsvRelay } from './osv-relay';
import { flatRequirements, loadTree, rel } from './tree';

/** What to audit, each run by pip-audit on its own: every requirements file, or one environment. */

export interface AuditRun {
  bin: string;
  limits: Limits;
  /** Where pip-audit writes its JSON report (deleted before each run). */
  reportFile: string;
  progress?: ProgressOptions;
  /** The loopback relay pip-audit asks instead of the OSV service (service: osv). */
  relay?: OsvRelay;
  /** Called each time pip-audit has started (the action then loads what it needs next). */
  onSpawn?: () => void;
}

const hooksOf = (
  run: AuditRun,
): { onSpawn: (pid: number | undefined) => void; progress?: ProgressOptions } => ({
  onSpawn: (pid) => {
    core.info(`pip-audit started (pid ${pid ?? '?'})`);
    run.onSpawn?.();
  },
  progress: run.progress,
});

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

/**
 * A fully pinned file is audited as written (`--disable-pip --no-deps`); in that mode pip-audit
 * reads no includes, so a file that pulls in others with -r is audited as one flat file of every
 * pin in the tree. Any other file is resolved by pip, which follows -r and -c itself.
 */
async function auditFile(file: string, options: AuditOptions, run: AuditRun, n: number): Promise<Source> {
  const tree = loadTree(file);
  const name = rel(file);
  let target = file;
  if (tree.pinned && tree.hasIncludes) {
    target = path.join(path.dirname(run.reportFile), `deploy-kit-pip-audit-pins-${n}.txt`);
    fs.writeFileSync(target, flatRequirements(tree));
  }
  const how = tree.pinned
    ? tree.hasIncludes
      ? ` (pinned, with its includes: ${tree.requirements.length} pins audited as written)`
      : ' (pinned, audited as written)'
    : ' (resolved by pip)';
  const hooks = hooksOf(run);
  const { outcome, run: raw } = await core.group(`pip-audit: ${name}${how}`, async () => {
    const result = await auditChecked(run, name, () =>
      auditOnce({ file: target, pinned: tree.pinned }, options, name, run.limits, hooks),
    );
    echo(result.run.stderr);
    return result;
  });
  if (target !== file) fs.rmSync(target, { force: true });
  const last = raw.stdout.trim().split('\n').at(-1);
  core.info(
    `${name}: ${outcome.kind === 'clean' ? 'no known vulnerabilities' : 'vulnerabilities found'}${last ? ` (${last})` : ''}`,
  );
  return { file: name, tree, report: outcome.report };
}

/**
 * The queries pip-audit will send for the files it audits as written (fully pinned, `--no-deps`):
 * one per pin, which the relay can ask ahead (#18 B6). A pin with an environment marker is left
 * out (pip-audit may skip it); a file pip resolves is left out (its versions are pip's to choose).
 * A file that cannot be read gives nothing here: its audit says why.
 */
export function expectedQueries(files: readonly string[]): ExpectedQuery[] {
  const out: ExpectedQuery[] = [];
  for (const file of files) {
    let tree: ReturnType<typeof loadTree>;
    try {
      tree = loadTree(file);
    } catch {
      continue;
    }
    if (!tree.pinned) continue;
    for (const r of tree.requirements)
      if (r.pinned !== undefined && !r.text.includes(';') && !r.text.includes(' @ '))
        out.push({ name: r.name, version: r.pinned });
  }
  return out;
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
    indexUrl: inputs.indexUrl,
  };
  if (inputs.mode === 'environment') {
    const what = `the environment of ${inputs.python}`;
    const hooks = hooksOf(run);
    const { outcome } = await core.group(`pip-audit: ${what}`, () =>
      auditChecked(run, what, () => auditOnce({ pinned: false }, options, what, run.limits, hooks)),
    );
    return [{ report: outcome.report }];
  }
  const sources: Source[] = [];
  for (const [n, file] of inputs.requirements.entries()) sources.push(await auditFile(file, options, run, n));
  return sources;
}
