import * as fs from 'node:fs';
import * as path from 'node:path';
import { ToolError, withProgress, type ProgressOptions } from '@deploy-kit/shared';
import { DEFAULT_OSV_QUERY_URL } from './osv';
import { classify, type Outcome } from './outcome';
import { spawnBounded, type RawRun } from './spawn';

/**
 * Runs pip-audit once: the report file deleted first, stopped with its process group when the
 * job is cancelled or the whole run's time limit runs out, output captured, and a progress line
 * at least every 30 s while it runs (resolving through pip can take minutes).
 */

/** What stops the run: the job's cancel, or the 'timeout' input running out. */
export interface Limits {
  /** Aborted by either. */
  signal: AbortSignal;
  /** The job's own cancel (context.signal). */
  cancel: AbortSignal;
  timeoutMs: number;
}

/** The sentence for work stopped by the limits: cancelled, or out of time. `doing`: "auditing requirements.txt with pip-audit". */
export function stoppedError(limits: Limits, doing: string): ToolError {
  if (limits.cancel.aborted)
    return new ToolError(
      `the job was cancelled (${String(limits.cancel.reason)}): stopped while ${doing}, before the audit completed`,
    );
  return new ToolError(
    `the run did not finish within ${+(limits.timeoutMs / 1000).toFixed(1)} s, the limit the 'timeout' input sets for the whole run: stopped while ${doing}`,
  );
}

export interface AuditTarget {
  /** Absolute requirements file, or undefined to audit an environment. */
  file?: string;
  /** Audit the pins as written, without pip (every requirement is pinned). */
  pinned: boolean;
}

export interface AuditOptions {
  bin: string;
  service: 'osv' | 'pypi';
  osvUrl?: string;
  requestTimeoutS: number;
  reportFile: string;
  cwd: string;
  /** Interpreter whose environment is audited (mode: environment). */
  python?: string;
  /** The 'index-url' input: pip's index when resolving (PIP_INDEX_URL); undefined leaves pip's own. */
  indexUrl?: string;
}

export function pipAuditArgs(target: AuditTarget, options: Omit<AuditOptions, 'bin' | 'cwd'>): string[] {
  const args = ['-f', 'json', '-o', options.reportFile, '--desc', 'on', '--aliases', 'on'];
  args.push('--progress-spinner', 'off', '--timeout', String(options.requestTimeoutS), '-s', options.service);
  if (target.file) {
    args.push('-r', target.file);
    if (target.pinned) args.push('--disable-pip', '--no-deps');
  }
  return args;
}

/**
 * pip-audit's environment beyond toolEnv(). The OSV endpoint goes in PIP_AUDIT_OSV_URL (pip-audit
 * 2.10+; parseInputs refuses 'osv-url' for older versions), never on the command line, where a
 * private mirror's password would show in the process list; it is set even for the default
 * endpoint, so pip-audit and the record reads always ask the same service.
 */
export function pipAuditEnv(
  target: AuditTarget,
  options: Pick<AuditOptions, 'service' | 'osvUrl' | 'python' | 'indexUrl'>,
): Record<string, string> {
  const env: Record<string, string> = { PYTHONUNBUFFERED: '1' };
  if (options.service === 'osv') {
    env.PIP_AUDIT_OSV_URL = options.osvUrl ?? DEFAULT_OSV_QUERY_URL;
    // The relay on loopback is asked directly, never through the runner's proxy.
    const noProxy = [process.env.NO_PROXY ?? process.env.no_proxy, '127.0.0.1'].filter(Boolean).join(',');
    env.NO_PROXY = env.no_proxy = noProxy;
  }
  if (!target.file && options.python) env.PIPAPI_PYTHON_LOCATION = options.python;
  // pip-audit leaves the index to pip when given no --index-url; the environment keeps a mirror's password off argv.
  if (options.indexUrl) env.PIP_INDEX_URL = options.indexUrl;
  return env;
}

export async function auditOnce(
  target: AuditTarget,
  options: AuditOptions,
  what: string,
  limits: Limits,
  hooks: { onSpawn?: (pid: number | undefined) => void; progress?: ProgressOptions } = {},
): Promise<{ outcome: Outcome; run: RawRun }> {
  // A report left from an earlier run must never be read as this run's result.
  fs.rmSync(options.reportFile, { force: true });
  fs.mkdirSync(path.dirname(options.reportFile), { recursive: true });
  const env = pipAuditEnv(target, options);
  const run = await withProgress(
    () => `pip-audit is still auditing ${what}`,
    () =>
      spawnBounded(options.bin, pipAuditArgs(target, options), {
        cwd: options.cwd,
        env,
        signal: limits.signal,
        onSpawn: hooks.onSpawn,
      }),
    hooks.progress,
  ).catch((error: unknown) => {
    throw new ToolError(
      `could not start pip-audit (${options.bin}): ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  // A stopped run may have left a partial report: it is not read at all.
  if (run.stopped !== undefined) throw stoppedError(limits, `auditing ${what} with pip-audit`);
  const reportText = fs.existsSync(options.reportFile)
    ? fs.readFileSync(options.reportFile, 'utf8')
    : undefined;
  const outcome = classify(
    { exitCode: run.exitCode, reportText, stdout: run.stdout, stderr: run.stderr },
    what,
  );
  return { outcome, run };
}
