import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

/** One phase (main or post) of an action: its node process, run the way the runner runs it. */

/** The runner's grace periods on cancellation: SIGINT, then SIGTERM, then the process tree is killed. */
export const RUNNER_SIGINT_GRACE_MS = 7500;
export const RUNNER_SIGTERM_GRACE_MS = 2500;

export interface PhaseResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

/** How a phase runs: its time limit, live output, and how (and when) it is cancelled. */
export interface PhaseOptions {
  timeoutMs?: number;
  /**
   * Signal to send after `signalAfterMs` or on `signalWhenStdout` (cancellation tests).
   * 'runner-cancel' is what the GitHub runner does when a run is cancelled: SIGINT, SIGTERM
   * 7.5 s later, SIGKILL 2.5 s after that (docs: workflow cancellation reference).
   */
  signal?: NodeJS.Signals | 'runner-cancel';
  signalAfterMs?: number;
  /** Send the signal once this text appears in stdout (more robust than a delay). */
  signalWhenStdout?: string | RegExp;
  /** Called with each stdout chunk as it arrives (raw, unmasked: a live view must mask it itself). */
  onStdout?: (chunk: string) => void;
  /** Called with each stderr chunk as it arrives (raw, unmasked). */
  onStderr?: (chunk: string) => void;
  /** Cancel the run the way the runner cancels a step (SIGINT, SIGTERM 7.5 s later, then kill). */
  cancel?: AbortSignal;
  /**
   * Start the action in its own process group: a terminal's Ctrl-C then reaches only the caller,
   * which passes on the runner's sequence (`cancel`), and the final kill takes the whole group.
   */
  processGroup?: boolean;
}

/** Signals for one child: one signal, or the runner's cancel sequence (sent once); `stop` drops what is pending. */
function signaller(child: ChildProcess, processGroup: boolean) {
  const timers: NodeJS.Timeout[] = [];
  let sent = false;
  // With its own process group, the last resort takes every process the action started.
  const kill = (signal: NodeJS.Signals): void => {
    try {
      if (processGroup && signal === 'SIGKILL' && child.pid) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  return {
    kill,
    sent: () => sent,
    send(signal: NodeJS.Signals | 'runner-cancel'): void {
      if (sent) return;
      sent = true;
      if (signal !== 'runner-cancel') return kill(signal);
      kill('SIGINT');
      timers.push(setTimeout(() => kill('SIGTERM'), RUNNER_SIGINT_GRACE_MS));
      timers.push(setTimeout(() => kill('SIGKILL'), RUNNER_SIGINT_GRACE_MS + RUNNER_SIGTERM_GRACE_MS));
    },
    stop: (): void => timers.forEach((t) => clearTimeout(t)),
  };
}

export function runPhase(
  node: string,
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  options: PhaseOptions,
): Promise<PhaseResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.processGroup ?? false,
    });
    const signals = signaller(child, options.processGroup ?? false);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stdoutText = '';
    // Callbacks get text; a character split between two chunks waits for its second half.
    const outText = new StringDecoder('utf8');
    const errText = new StringDecoder('utf8');
    let timedOut = false;
    const sendSignal = (): void => {
      if (options.signal) signals.send(options.signal);
    };
    const onCancel = (): void => signals.send('runner-cancel');
    if (options.cancel?.aborted) onCancel();
    else options.cancel?.addEventListener('abort', onCancel, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      if (options.onStdout) options.onStdout(outText.write(chunk));
      if (options.signalWhenStdout && !signals.sent()) {
        stdoutText += chunk.toString('utf8');
        const hit =
          typeof options.signalWhenStdout === 'string'
            ? stdoutText.includes(options.signalWhenStdout)
            : options.signalWhenStdout.test(stdoutText);
        if (hit) sendSignal();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      if (options.onStderr) options.onStderr(errText.write(chunk));
    });
    const signalTimer =
      options.signal && options.signalAfterMs !== undefined
        ? setTimeout(sendSignal, options.signalAfterMs)
        : undefined;
    const timeout = setTimeout(() => {
      timedOut = true;
      signals.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    const settle = (): void => {
      clearTimeout(timeout);
      if (signalTimer) clearTimeout(signalTimer);
      signals.stop();
      options.cancel?.removeEventListener('abort', onCancel);
    };
    child.on('error', (error) => {
      settle();
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      settle();
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: Date.now() - started,
        timedOut,
      });
    });
  });
}
