import * as path from 'node:path';
import type { GateName, GateReport } from '../types';

/** What running one tool produced; the parsers decide its outcome from all of it. */
export interface ToolRun {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  timeoutMs?: number;
  /** Set when the program could not be started at all. */
  spawnError?: string;
}

/** The last lines of a tool's output, for an error report: enough to act on, not the whole log. */
export function tail(text: string, lines = 25): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}

export function combinedOutput(run: ToolRun): string {
  return [run.stdout.trimEnd(), run.stderr.trimEnd()].filter((s) => s !== '').join('\n');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The outcome when the run itself went wrong (not started, killed, timed out),
 * whatever the output says; undefined when the process ended on its own.
 */
export function abnormalEnd(gate: GateName, run: ToolRun): GateReport | undefined {
  const base = { gate, status: 'error' as const, findings: [], counts: {}, durationMs: run.durationMs };
  if (run.spawnError)
    return { ...base, headline: `could not start (${run.spawnError})`, output: run.spawnError };
  if (run.timedOut)
    return {
      ...base,
      headline: `timed out after ${Math.round((run.timeoutMs ?? run.durationMs) / 1000)} s and was stopped`,
      output: tail(combinedOutput(run)),
    };
  if (run.signal !== null || run.exitCode === null)
    return {
      ...base,
      headline: `was killed by ${run.signal ?? 'a signal'}`,
      output: tail(combinedOutput(run)),
    };
  return undefined;
}

export function toolError(gate: GateName, run: ToolRun, headline: string): GateReport {
  return {
    gate,
    status: 'error',
    headline,
    findings: [],
    counts: {},
    durationMs: run.durationMs,
    output: tail(combinedOutput(run)) || '(no output)',
  };
}

/** A path a tool printed (relative to where it ran, or absolute), made absolute. */
export function absolute(cwd: string, file: string): string {
  return path.resolve(cwd, file);
}

/**
 * Codes that mean the code cannot run (syntax errors, undefined names, invalid
 * comparisons): annotated as errors; style findings are warnings.
 */
export function isSevereCode(code: string | undefined | null): boolean {
  if (!code || code === 'invalid-syntax') return true;
  return /^(E9|F63|F7|F82)/.test(code);
}
