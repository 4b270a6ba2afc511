import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ToolError } from '@deploy-kit/shared';
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
  onSpawn?: (pid: number | undefined) => void,
): Promise<RawRun> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also stops the pip that pip-audit started to resolve.
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    // A cancelled job (the runner's SIGINT/SIGTERM) must not leave pip-audit or pip running.
    process.once('SIGINT', killGroup);
    process.once('SIGTERM', killGroup);
    const done = (): void => {
      clearTimeout(timer);
      process.removeListener('SIGINT', killGroup);
      process.removeListener('SIGTERM', killGroup);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.on('spawn', () => onSpawn?.(child.pid));
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('close', (code, signal) => {
      done();
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
  onSpawn?: (pid: number | undefined) => void,
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
    onSpawn,
  );
  // A killed run may have left a partial report: it is not read at all.
  if (run.timedOut)
    throw new ToolError(
      `pip-audit did not finish auditing ${what} within ${Math.round(options.timeoutMs / 1000)} s and was stopped (the 'timeout' input)`,
    );
  const reportText = fs.existsSync(options.reportFile)
    ? fs.readFileSync(options.reportFile, 'utf8')
    : undefined;
  const outcome = classify(
    { exitCode: run.exitCode, reportText, stdout: run.stdout, stderr: run.stderr },
    what,
  );
  return { outcome, run };
}
