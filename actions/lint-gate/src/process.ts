import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { toolEnv } from '@deploy-kit/shared';
import type { ToolRun } from './parse/common';

/** Output kept per stream; a runaway tool cannot exhaust the runner's memory. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Processes started at a lower priority that still run. */
const yielding = new Set<number>();

/**
 * The processes of the session a tool leads (its workers: black's process pool, flake8's jobs),
 * read from /proc; the lead itself included. Empty where there is no /proc.
 */
export function sessionProcesses(sid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const e of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // Fields after the command's closing parenthesis: state ppid pgrp session ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid) pids.push(Number(e));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/**
 * Back to normal priority for every tool that was yielding, and for every process it started
 * (its workers inherited the lower priority): once pytest is done there is nothing to yield to.
 * Where the runner may not raise a process's priority (not root), the session's autogroup nice
 * still goes back to 0 (allowed without privileges), which is what counts between sessions.
 */
export function stopYielding(): void {
  for (const lead of yielding) {
    for (const pid of new Set([lead, ...sessionProcesses(lead)])) setNiceness(pid, 0);
  }
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

/** One output stream, kept up to MAX_OUTPUT_BYTES and passed on (decoded) as it comes. */
function capture(stream: Readable, onOutput?: (chunk: string) => void): () => string {
  const chunks: Buffer[] = [];
  let bytes = 0;
  // A chunk can end inside a multi-byte character: the decoder keeps it for the next one.
  const decoder = new StringDecoder('utf8');
  stream.on('data', (chunk: Buffer) => {
    if (bytes < MAX_OUTPUT_BYTES) chunks.push(chunk);
    bytes += chunk.length;
    onOutput?.(decoder.write(chunk));
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

/**
 * After the tool exits, how long its output pipes may stay open. They close when every process
 * holding them is gone: the tool's own group is stopped at its exit, but a process that left the
 * group (a daemon, a test's `start_new_session` child) can hold them for ever.
 */
export const DRAIN_MS = 2_000;

/**
 * Run a program without a shell, capture both streams, stop its whole process group at the
 * deadline or when `signal` aborts. The run ends when the program exits: whatever it left behind
 * in its group is stopped then, and its output is read until the pipes close, for DRAIN_MS at
 * most. Never rejects: a program that cannot start comes back with spawnError, so the caller
 * reports it as a tool error.
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
    if (child.pid !== undefined && options.niceness) {
      setNiceness(child.pid, options.niceness);
      yielding.add(child.pid);
    }
    const stdout = capture(child.stdout, options.onOutput);
    const stderr = capture(child.stderr, options.onOutput);
    const stopGroup = (): void => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    };
    if (options.signal?.aborted) stopGroup();
    else options.signal?.addEventListener('abort', stopGroup, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup();
    }, options.timeoutMs);
    let spawnError: string | undefined;
    child.on('error', (error) => {
      spawnError = error.message;
    });
    let drain: NodeJS.Timeout | undefined;
    let ended: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(drain);
      options.signal?.removeEventListener('abort', stopGroup);
      if (child.pid !== undefined) yielding.delete(child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        exitCode: spawnError ? null : (ended?.code ?? null),
        signal: ended?.signal ?? null,
        stdout: stdout(),
        stderr: stderr(),
        durationMs: (ended?.at ?? Date.now()) - started,
        timedOut,
        timeoutMs: options.timeoutMs,
        spawnError,
      });
    };
    child.on('exit', (code, signal) => {
      ended = { code, signal, at: Date.now() };
      clearTimeout(timer);
      // Anything the tool left behind in its group (a test's server, a `sleep`) goes too.
      stopGroup();
      drain = setTimeout(finish, DRAIN_MS);
    });
    child.on('close', (code, signal) => {
      ended ??= { code, signal, at: Date.now() };
      finish();
    });
  });
}
