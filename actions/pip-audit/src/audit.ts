import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classify, type Outcome } from './outcome';

/** Runs pip-audit once, with the report file deleted first, a hard time limit, and output captured. */

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
  timeoutMs: number;
  reportFile: string;
  cwd: string;
  /** Interpreter whose environment is audited (mode: environment). */
  python?: string;
}

export function pipAuditArgs(
  target: AuditTarget,
  options: Omit<AuditOptions, 'bin' | 'timeoutMs' | 'cwd'>,
): string[] {
  const args = ['-f', 'json', '-o', options.reportFile, '--desc', 'on', '--aliases', 'on'];
  args.push('--progress-spinner', 'off', '--timeout', String(options.requestTimeoutS), '-s', options.service);
  if (options.service === 'osv' && options.osvUrl) args.push('--osv-url', options.osvUrl);
  if (target.file) {
    args.push('-r', target.file);
    if (target.pinned) args.push('--disable-pip', '--no-deps');
  }
  return args;
}

export interface RawRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export function spawnBounded(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<RawRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
  });
}

export async function auditOnce(
  target: AuditTarget,
  options: AuditOptions,
  what: string,
): Promise<{ outcome: Outcome; run: RawRun }> {
  // A report left from an earlier run must never be read as this run's result.
  fs.rmSync(options.reportFile, { force: true });
  fs.mkdirSync(path.dirname(options.reportFile), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
  if (!target.file && options.python) env.PIPAPI_PYTHON_LOCATION = options.python;
  const run = await spawnBounded(
    options.bin,
    pipAuditArgs(target, options),
    options.cwd,
    env,
    options.timeoutMs,
  );
  const reportText = fs.existsSync(options.reportFile)
    ? fs.readFileSync(options.reportFile, 'utf8')
    : undefined;
  const stderr = run.timedOut
    ? `${run.stderr}\nERROR:deploy-kit:pip-audit did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped`
    : run.stderr;
  // A killed run may have left a partial file; only a completed run's report counts.
  const outcome = classify(
    {
      exitCode: run.timedOut ? -1 : run.exitCode,
      reportText: run.timedOut ? undefined : reportText,
      stdout: run.stdout,
      stderr,
    },
    what,
  );
  return { outcome, run };
}
