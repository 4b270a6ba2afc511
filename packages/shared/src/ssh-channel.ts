import type { Client, ClientChannel } from 'ssh2';
import { retry } from './retry';
import { TailBuffer, type ExecOptions, type ExecResult } from './ssh-exec';

/**
 * One remote command on one exec channel: open it (retrying briefly while the server's session
 * limit is reached), collect exit status, signal and capped output, feed stdin, enforce the
 * timeout, and settle even when the connection is cut and the channel never closes.
 */

/** The connection's side of an exec: its client, whether it is closed, and the execs to settle if it drops. */
export interface ExecHost {
  client: Client;
  isClosed: () => boolean;
  /** Open exec calls, settled when the connection drops (a cut connection may never close its channels). */
  pending: Set<() => void>;
}

/** What the channel reported, filled in by the listeners attached the moment ssh2 hands it over. */
interface ChannelState {
  exitCode: number | null;
  signal: string | null;
  closed: boolean;
  onClosed?: () => void;
  out: TailBuffer;
  err: TailBuffer;
}

/** Run `command` on a new channel of `host` and wait for its end (or the connection's). */
export async function execOnChannel(
  host: ExecHost,
  command: string,
  options: ExecOptions,
): Promise<ExecResult> {
  const started = Date.now();
  const cap = options.maxOutputBytes ?? 1024 * 1024;
  const state: ChannelState = {
    exitCode: null,
    signal: null,
    closed: false,
    out: new TailBuffer(cap),
    err: new TailBuffer(cap),
  };
  // A refused channel (session limit reached by another client's use) is retried briefly.
  const stream = await retry(() => openChannel(host.client, command, options, state), {
    deadlineMs: 5000,
    initialDelayMs: 50,
    maxDelayMs: 500,
    retryable: (error) => !host.isClosed() && /Channel open failure/i.test((error as Error).message ?? ''),
  }).catch((error: unknown) => {
    throw (error as { lastError?: unknown }).lastError ?? error;
  });
  return waitForEnd(host, stream, state, options, { command, started });
}

/**
 * Everything is attached inside ssh2's callback, synchronously: a fast command's
 * exit-status and close can arrive in the same packet batch as the exec reply,
 * and an 'exit' emitted before anyone listens is lost for good.
 */
function openChannel(
  client: Client,
  command: string,
  options: ExecOptions,
  state: ChannelState,
): Promise<ClientChannel> {
  return new Promise<ClientChannel>((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      channel.on('exit', (code: number | null, sig?: string) => {
        if (typeof code === 'number') state.exitCode = code;
        if (sig) state.signal = sig;
      });
      channel.on('data', (chunk: Buffer) => {
        state.out.push(chunk);
        options.onStdout?.(chunk);
      });
      channel.stderr.on('data', (chunk: Buffer) => {
        state.err.push(chunk);
        options.onStderr?.(chunk);
      });
      channel.on('close', () => {
        state.closed = true;
        state.onClosed?.();
      });
      channel.on('error', () => undefined);
      resolve(channel);
    });
  });
}

/** Send stdin, then resolve when the channel closes, the timeout kills it, or the connection drops. */
function waitForEnd(
  host: ExecHost,
  stream: ClientChannel,
  state: ChannelState,
  options: ExecOptions,
  run: { command: string; started: number },
): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve) => {
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          stream.signal('KILL');
          stream.close();
        }, options.timeoutMs)
      : undefined;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      host.pending.delete(finish);
      resolve(execResult(run.command, state, run.started, timedOut));
    };
    state.onClosed = finish;
    // A cut connection may never close the channel: settle with "no exit status".
    host.pending.add(finish);
    if (state.closed || host.isClosed()) {
      finish();
      return;
    }
    sendStdin(stream, options.stdin, state.err);
  });
}

function sendStdin(stream: ClientChannel, stdin: ExecOptions['stdin'], err: TailBuffer): void {
  if (stdin === undefined) stream.end();
  else if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) stream.end(stdin);
  else {
    stdin.on('error', (error) => {
      err.push(Buffer.from(`\nlocal input stream failed: ${error.message}\n`));
      stream.close();
    });
    stdin.pipe(stream);
  }
}

function execResult(command: string, state: ChannelState, started: number, timedOut: boolean): ExecResult {
  return {
    command,
    exitCode: state.exitCode,
    signal: state.signal,
    stdout: state.out.toString(),
    stderr: state.err.toString(),
    stdoutBytes: state.out.total,
    stderrBytes: state.err.total,
    truncated: state.out.truncated || state.err.truncated,
    durationMs: Date.now() - started,
    timedOut,
  };
}
