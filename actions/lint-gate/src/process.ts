import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { toolEnv } from '@deploy-kit/shared';
import type { ToolRun } from './parse/common';

/** Output kept per stream; a runaway tool cannot exhaust the runner's memory. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Processes started at a lower priority that still run. */
const yielding = new Set<number>();

/**
 * Back to normal priority for every tool that was yielding (once pytest is done there is
 * nothing to yield to). The session's autogroup nice can go back up to 0 without privileges;
 * the process's own nice may not (then only the autogroup's is restored, which is the one
 * that counts between sessions).
 */
export function stopYielding(): void {
  for (const pid of yielding) setNiceness(pid, 0);
  yielding.clear();
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the whole group (pytest's subprocesses, black's workers).
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * A detached child leads a new session, and with autogroup scheduling (on by default in
 * Ubuntu's kernels) every session is its own scheduling group: a nice value then only
 * counts inside that group. So the group's nice is set too, or the lint tools would get
 * as much CPU as pytest. Best effort: where neither is allowed, the tool runs as it is.
 */
function setNiceness(pid: number, niceness: number): void {
  try {
    os.setPriority(pid, niceness);
  } catch {
    /* not permitted here */
  }
  try {
    fs.writeFileSync(`/proc/${pid}/autogroup`, String(niceness));
  } catch {
    /* no autogroup scheduling (or not Linux) */
  }
}

export interface RunOptions {
  cwd: string;
  /** The tool's environment; the runner's file-command variables are always left out (toolEnv). */
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Lower the scheduling priority (lint tools yield the CPU to pytest). */
  niceness?: number;
  /** Aborted (the step was cancelled): the whole process group is stopped. */
  signal?: AbortSignal;
  /** Each chunk of output as it comes (both streams), for a log that streams it. */
  onOutput?: (chunk: string) => void;
}

/**
 * Run a program without a shell, capture both streams, stop its whole process
 * group at the deadline or when `signal` aborts. Never rejects: a program that
 * cannot start comes back with spawnError, so the caller reports it as a tool error.
 */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<ToolRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: toolEnv(options.env ?? process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) {
      if (options.niceness) {
        setNiceness(child.pid, options.niceness);
        yielding.add(child.pid);
      }
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    // A chunk can end inside a multi-byte character: each stream decodes its own.
    const outText = new StringDecoder('utf8');
    const errText = new StringDecoder('utf8');
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < MAX_OUTPUT_BYTES) out.push(chunk);
      outBytes += chunk.length;
      options.onOutput?.(outText.write(chunk));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < MAX_OUTPUT_BYTES) err.push(chunk);
      errBytes += chunk.length;
      options.onOutput?.(errText.write(chunk));
    });
    const abort = (): void => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    };
    if (options.signal?.aborted) abort();
    else options.signal?.addEventListener('abort', abort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    }, options.timeoutMs);
    let spawnError: string | undefined;
    child.on('error', (error) => {
      spawnError = error.message;
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      if (child.pid !== undefined) {
        yielding.delete(child.pid);
        // Anything the tool left behind in its group (a test's server) goes too.
        killGroup(child.pid, 'SIGKILL');
      }
      resolve({
        exitCode: spawnError ? null : exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: Date.now() - started,
        timedOut,
        timeoutMs: options.timeoutMs,
        spawnError,
      });
    });
  });
}
