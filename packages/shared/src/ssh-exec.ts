import type { Readable } from 'node:stream';
import { shellCommand } from './shell';

/**
 * Exec: what one remote command takes and gives back (options, result, exit
 * description), capped output, the channel semaphore and the fixed script runner.
 */

export interface ExecOptions {
  stdin?: string | Buffer | Readable;
  /** Bytes kept of each of stdout and stderr (the tail). Default 1 MiB. */
  maxOutputBytes?: number;
  timeoutMs?: number;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface ExecResult {
  command: string;
  /** null when the server sent no exit status (connection lost, killed): always a failure. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutBytes: number;
  stderrBytes: number;
  truncated: boolean;
  durationMs: number;
  timedOut: boolean;
}

export function execSucceeded(result: ExecResult): boolean {
  return result.exitCode === 0 && result.signal === null && !result.timedOut;
}

/** The last `n` lines of a command's output, for failure messages. */
export function lastLines(result: Pick<ExecResult, 'stdout' | 'stderr'>, n = 20): string {
  const text = [result.stdout.trimEnd(), result.stderr.trimEnd()].filter((s) => s !== '').join('\n');
  return text.split('\n').slice(-n).join('\n');
}

export function describeExit(result: ExecResult): string {
  if (result.timedOut) return 'timed out';
  if (result.signal) return `was killed by signal ${result.signal}`;
  if (result.exitCode === null) return 'ended without an exit status (connection lost?)';
  return `exited with ${result.exitCode}`;
}

/** Keep the last `cap` bytes of a stream while counting all of it: many MB of remote output must not fill memory. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private held = 0;
  total = 0;
  constructor(readonly cap: number) {}
  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.held += chunk.length;
    while (this.held > this.cap && this.chunks.length > 0) {
      const first = this.chunks[0] as Buffer;
      const excess = this.held - this.cap;
      if (first.length <= excess) {
        this.chunks.shift();
        this.held -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.held -= excess;
      }
    }
  }
  get truncated(): boolean {
    return this.total > this.held;
  }
  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Fixed text: choose bash with pipefail when the host has it, else POSIX sh with -eu. No input is ever part of it. */
export const SCRIPT_RUNNER =
  'if command -v bash >/dev/null 2>&1; then exec bash -euo pipefail -s -- "$@"; else exec sh -eu -s -- "$@"; fi';

/**
 * Wrap a script so the shell parses all of it before running any of it; the
 * commands inside then read /dev/null, not the rest of the script.
 */
export function wrapScript(script: string): string {
  return `__deploy_kit_main() {\n${script}\n}\n__deploy_kit_main "$@" </dev/null\n`;
}

/** The remote command line for a script on stdin: a constant runner plus quoted (non-secret) arguments. */
export function scriptCommand(args: readonly string[]): string {
  return shellCommand(['sh', '-c', SCRIPT_RUNNER, 'deploy-kit', ...args]);
}
