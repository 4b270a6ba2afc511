import { spawn } from 'node:child_process';
import { toolEnv } from '@deploy-kit/shared';

/**
 * One way to run a third-party process (pip-audit, pip, python): the runner's file-command
 * variables left out of its environment (toolEnv), output captured, in its own process group,
 * and the whole group killed when `signal` aborts (the job was cancelled, or the 'timeout' input
 * ran out), so no pip that pip-audit started to resolve is left behind.
 */

export interface RawRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The abort reason when the run was stopped by the signal. */
  stopped?: unknown;
}

export interface SpawnOptions {
  cwd?: string;
  /** Added to toolEnv(). */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  onSpawn?: (pid: number | undefined) => void;
}

export function spawnBounded(
  cmd: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<RawRun> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      resolve({ exitCode: 128, stdout: '', stderr: '', stopped: signal.reason });
      return;
    }
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: toolEnv(process.env, options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stopped: unknown;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const killGroup = (): void => {
      stopped = signal?.reason ?? 'stopped';
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    signal?.addEventListener('abort', killGroup, { once: true });
    const done = (): void => signal?.removeEventListener('abort', killGroup);
    child.on('spawn', () => options.onSpawn?.(child.pid));
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('close', (code, sig) => {
      done();
      resolve({
        exitCode: code ?? (sig ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(stopped !== undefined ? { stopped } : {}),
      });
    });
  });
}
