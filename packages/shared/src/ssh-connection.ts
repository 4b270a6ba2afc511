import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { InputError, ToolError } from './errors';
import { retry } from './retry';
import { shellCommand } from './shell';
import type { ParsedClientKey } from './ssh-clientkeys';
import {
  Semaphore,
  TailBuffer,
  scriptCommand,
  wrapScript,
  type ExecOptions,
  type ExecResult,
} from './ssh-exec';
import {
  decideHostKey,
  expectedFingerprints,
  hostKeyAlgorithms,
  hostKeyType,
  mayTryOtherHostKeyTypes,
  untriedHostKeyAlgorithms,
  type HostKeyDecision,
  type HostKeyPolicy,
} from './ssh-hostkeys';

/**
 * Connection: one ssh2 client per host with strict host-key checking before
 * authentication, retry of the connect, an optional jump host, a bounded pool
 * of channels, exec with exit status and SFTP atomic upload.
 */

export interface SshTarget {
  /** Label used in messages (defaults to host:port). */
  name?: string;
  host: string;
  port: number;
  user: string;
  key: ParsedClientKey;
  hostKeys: HostKeyPolicy;
}

export interface ConnectOptions {
  /** Connect through this host first (its own host-key check), then forwardOut to the target. */
  jump?: SshTarget;
  /** Budget for retrying the TCP connect / handshake before authentication. */
  connectDeadlineMs?: number;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Channels open at once (OpenSSH's MaxSessions defaults to 10; SFTP takes one). */
  maxChannels?: number;
  onRetry?: (message: string) => void;
  onWarning?: (message: string) => void;
}

/** What a refused host presented: the decision, its fingerprint and type, and the types it offered. */
export interface PresentedHostKey {
  reason: HostKeyDecision['reason'];
  actual: string;
  keyType?: string;
  /** Host-key (signature) algorithms in the server's KEXINIT, when seen. */
  offered?: string[];
}

export class HostKeyRejected extends ToolError {
  constructor(
    message: string,
    readonly presented?: PresentedHostKey,
  ) {
    super(message);
  }
}
export class AuthFailed extends ToolError {}

/** Errors before authentication that are worth another try (the server may still be starting). */
function isRetryableConnectError(error: unknown): boolean {
  if (error instanceof HostKeyRejected || error instanceof AuthFailed || error instanceof InputError)
    return false;
  const e = error as { code?: string; level?: string; message?: string };
  if (e.level === 'client-authentication') return false;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'].includes(
      e.code ?? '',
    ) ||
    e.level === 'client-timeout' ||
    /Timed out while waiting for handshake|Connection lost before handshake/i.test(e.message ?? '')
  );
}

function targetName(t: SshTarget): string {
  return t.name ?? `${t.host}:${t.port}`;
}

interface Attempt {
  client: Client;
  hostKeyError?: HostKeyRejected;
  authAnswer?: string[];
  offered?: string[];
}

const REMOTE_HOST_KEY_FORMATS = 'Handshake: (remote) Host key format: ';

/** `algorithms`: the host-key algorithms to negotiate (default: the types known for the host, or ssh2's list). */
async function openClient(
  target: SshTarget,
  options: ConnectOptions,
  sock?: Readable,
  algorithms = hostKeyAlgorithms(target.host, target.port, target.hostKeys),
): Promise<Client> {
  const name = targetName(target);
  const attempt: Attempt = { client: new Client() };
  const client = attempt.client;
  let authTries = 0;
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    sock,
    readyTimeout: options.readyTimeoutMs ?? 20_000,
    keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    algorithms: algorithms ? { serverHostKey: algorithms as never } : undefined,
    // Only to learn which host-key types the server offers (its KEXINIT), for trying each in turn;
    // set only when that can matter (trust by fingerprints), and idle once the handshake is seen.
    debug: mayTryOtherHostKeyTypes(target.hostKeys, 'mismatch')
      ? (line: string) => {
          if (attempt.offered === undefined && line.startsWith(REMOTE_HOST_KEY_FORMATS))
            attempt.offered = line.slice(REMOTE_HOST_KEY_FORMATS.length).split(',');
        }
      : undefined,
    // Synchronous verifier returning a strict boolean: ssh2 treats any truthy
    // return (a Promise included) as "accept", so nothing async happens here.
    hostVerifier: (key: Buffer): boolean => {
      const decision = decideHostKey(key, target.host, target.port, target.hostKeys);
      if (decision.accepted) {
        if (decision.reason === 'insecure-opt-out')
          options.onWarning?.(
            `host key of ${name} (${decision.actual}) was NOT verified because the insecure opt-out is set; pin it with known-hosts.`,
          );
        return true;
      }
      const expected = expectedFingerprints(target.host, target.port, target.hostKeys);
      const presented: PresentedHostKey = {
        reason: decision.reason,
        actual: decision.actual,
        keyType: hostKeyType(key),
        offered: attempt.offered,
      };
      attempt.hostKeyError = new HostKeyRejected(
        decision.reason === 'no-expectation'
          ? `host ${name} presented ${decision.actual} and no fingerprint or known_hosts line is given for it; add it to known-hosts (ssh-keyscan -p ${target.port} ${target.host} | ssh-keygen -lf -) — nothing was sent to the host.`
          : decision.reason === 'revoked'
            ? `host ${name} presented a key marked @revoked in known-hosts (${decision.actual}); nothing was sent to the host.`
            : `host key mismatch for ${name}: expected ${expected.join(' or ')}, got ${decision.actual}; refusing to authenticate (possible man-in-the-middle) — nothing was sent to the host.`,
        presented,
      );
      return false;
    },
    // One explicit publickey attempt; the second call carries the server's answer.
    authHandler: (methodsLeft, _partial, callback) => {
      authTries++;
      if (authTries === 1) {
        callback({
          type: 'publickey',
          username: target.user,
          key: target.key.text,
          passphrase: target.key.passphrase,
        } as never);
        return;
      }
      attempt.authAnswer = methodsLeft ?? [];
      callback(false as never);
    },
  };
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      client.end();
      if (attempt.hostKeyError) return reject(attempt.hostKeyError);
      const e = error as { level?: string; message?: string };
      if (e.level === 'client-authentication' || attempt.authAnswer) {
        return reject(
          new AuthFailed(
            `authentication as '${target.user}' on ${name} failed: the server refused the ${target.key.type} key ${target.key.publicFingerprint}` +
              ` (server still accepts: ${(attempt.authAnswer ?? []).join(', ') || 'nothing'}); check that the key is in the user's authorized_keys.`,
          ),
        );
      }
      reject(error);
    };
    client.once('ready', () => {
      settled = true;
      // Without TCP_NODELAY every channel open waits on Nagle + delayed ACK (~80 ms here).
      client.setNoDelay(true);
      resolve(client);
    });
    client.on('error', fail);
    client.once('close', () =>
      fail(
        Object.assign(new Error(`connection to ${name} closed before it was ready`), { code: 'ECONNRESET' }),
      ),
    );
    try {
      client.connect(config);
    } catch (error) {
      fail(error);
    }
  });
}

async function connectWithRetry(
  target: SshTarget,
  options: ConnectOptions,
  sock?: () => Promise<Readable>,
  algorithms?: string[],
): Promise<Client> {
  const name = targetName(target);
  try {
    return await retry(async () => openClient(target, options, sock ? await sock() : undefined, algorithms), {
      deadlineMs: options.connectDeadlineMs ?? 20_000,
      initialDelayMs: 250,
      maxDelayMs: 3000,
      retryable: isRetryableConnectError,
      onRetry: ({ attempt, delayMs, error }) =>
        options.onRetry?.(
          `connect to ${name} failed (attempt ${attempt}: ${(error as Error).message}); retrying in ${delayMs} ms`,
        ),
    });
  } catch (error) {
    if (error instanceof ToolError) throw error;
    const cause = (error as { lastError?: unknown }).lastError ?? error;
    const attempts = (error as { attempts?: number }).attempts;
    throw new ToolError(
      `could not connect to ${name}${attempts ? ` (${attempts} attempts)` : ''}: ${(cause as Error).message ?? String(cause)}; check that sshd runs there and the host/port are right.`,
      { cause },
    );
  }
}

/**
 * Connect with a verified host key. Trusted by fingerprints, a host that presents a key of another
 * type than the one pinned (it negotiated ed25519; the user gave the RSA or ECDSA fingerprint) is
 * asked again for each other type it offers, one connection each — every one refused before
 * authentication unless its key matches, so credentials go only to a host whose key matched.
 * A real mismatch is still refused, naming every key the host presented.
 */
async function connectVerified(
  target: SshTarget,
  options: ConnectOptions,
  sock?: () => Promise<Readable>,
): Promise<Client> {
  try {
    return await connectWithRetry(target, options, sock);
  } catch (error) {
    const first = error instanceof HostKeyRejected ? error.presented : undefined;
    if (!first?.keyType || !mayTryOtherHostKeyTypes(target.hostKeys, first.reason)) throw error;
    const seen: PresentedHostKey[] = [first];
    for (const algorithms of untriedHostKeyAlgorithms(first.offered, [first.keyType])) {
      try {
        return await connectWithRetry(target, options, sock, algorithms);
      } catch (next) {
        // A type the server does not offer (when its list was not seen): on to the next one.
        if (/no matching host key/i.test((next as Error).message ?? '')) continue;
        const presented = next instanceof HostKeyRejected ? next.presented : undefined;
        if (!presented || presented.reason !== 'mismatch') throw next;
        seen.push(presented);
      }
    }
    if (seen.length === 1) throw error;
    const expected = expectedFingerprints(target.host, target.port, target.hostKeys);
    throw new HostKeyRejected(
      `host key mismatch for ${targetName(target)}: expected ${expected.join(' or ')}, got ${seen
        .map((p) => `${p.actual} (${p.keyType ?? 'unknown type'})`)
        .join(', ')}; refusing to authenticate (possible man-in-the-middle) — nothing was sent to the host.`,
      first,
    );
  }
}

export class SshConnection {
  private readonly channels: Semaphore;
  private sftpSession?: Promise<SFTPWrapper>;
  private closed = false;
  private lostError?: Error;
  /** Open exec calls, settled when the connection drops (a cut connection may never close its channels). */
  private readonly pending = new Set<() => void>();

  private constructor(
    readonly target: SshTarget,
    private readonly client: Client,
    private readonly jumpClient: Client | undefined,
    options: ConnectOptions,
  ) {
    // OpenSSH counts a session until its close is fully processed: stay below MaxSessions (10) with room for SFTP.
    this.channels = new Semaphore(Math.max(1, (options.maxChannels ?? 10) - 2));
    client.on('error', (error: Error) => (this.lostError = error));
    client.on('close', () => {
      this.closed = true;
      this.jumpClient?.end();
      for (const settle of [...this.pending]) settle();
    });
  }

  get name(): string {
    return targetName(this.target);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  static async connect(target: SshTarget, options: ConnectOptions = {}): Promise<SshConnection> {
    if (!options.jump)
      return new SshConnection(target, await connectVerified(target, options), undefined, options);
    const jump = await connectVerified(options.jump, options);
    try {
      const client = await connectVerified(target, options, () => forwardOut(jump, target.host, target.port));
      return new SshConnection(target, client, jump, options);
    } catch (error) {
      jump.end();
      throw error;
    }
  }

  /** Run argv (every argument quoted by shellCommand). */
  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.execRaw(shellCommand(argv), options);
  }

  /** Run a script sent on stdin to `bash -euo pipefail -s` (or `sh -eu -s`); `args` become $1.. (never secrets). */
  script(
    script: string,
    args: readonly string[] = [],
    options: Omit<ExecOptions, 'stdin'> = {},
  ): Promise<ExecResult> {
    return this.execRaw(scriptCommand(args), { ...options, stdin: wrapScript(script) });
  }

  async execRaw(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const release = await this.channels.acquire();
    const started = Date.now();
    const cap = options.maxOutputBytes ?? 1024 * 1024;
    const out = new TailBuffer(cap);
    const err = new TailBuffer(cap);
    try {
      if (this.closed)
        throw new ToolError(
          `the connection to ${this.name} is closed${this.lostError ? ` (${this.lostError.message})` : ''}`,
        );
      // Everything is attached inside ssh2's callback, synchronously: a fast command's
      // exit-status and close can arrive in the same packet batch as the exec reply,
      // and an 'exit' emitted before anyone listens is lost for good.
      const state = { exitCode: null as number | null, signal: null as string | null, closed: false };
      let onClosed: (() => void) | undefined;
      const open = (): Promise<ClientChannel> =>
        new Promise<ClientChannel>((resolve, reject) => {
          this.client.exec(command, (error, channel) => {
            if (error) return reject(error);
            channel.on('exit', (code: number | null, sig?: string) => {
              if (typeof code === 'number') state.exitCode = code;
              if (sig) state.signal = sig;
            });
            channel.on('data', (chunk: Buffer) => {
              out.push(chunk);
              options.onStdout?.(chunk);
            });
            channel.stderr.on('data', (chunk: Buffer) => {
              err.push(chunk);
              options.onStderr?.(chunk);
            });
            channel.on('close', () => {
              state.closed = true;
              onClosed?.();
            });
            channel.on('error', () => undefined);
            resolve(channel);
          });
        });
      // A refused channel (session limit reached by another client's use) is retried briefly.
      const stream = await retry(open, {
        deadlineMs: 5000,
        initialDelayMs: 50,
        maxDelayMs: 500,
        retryable: (error) => !this.closed && /Channel open failure/i.test((error as Error).message ?? ''),
      }).catch((error: unknown) => {
        throw (error as { lastError?: unknown }).lastError ?? error;
      });
      return await new Promise<ExecResult>((resolve) => {
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
          this.pending.delete(finish);
          resolve({
            command,
            exitCode: state.exitCode,
            signal: state.signal,
            stdout: out.toString(),
            stderr: err.toString(),
            stdoutBytes: out.total,
            stderrBytes: err.total,
            truncated: out.truncated || err.truncated,
            durationMs: Date.now() - started,
            timedOut,
          });
        };
        onClosed = finish;
        // A cut connection may never close the channel: settle with "no exit status".
        this.pending.add(finish);
        if (state.closed || this.closed) {
          finish();
          return;
        }
        const stdin = options.stdin;
        if (stdin === undefined) stream.end();
        else if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) stream.end(stdin);
        else {
          stdin.on('error', (error) => {
            err.push(Buffer.from(`\nlocal input stream failed: ${error.message}\n`));
            stream.close();
          });
          stdin.pipe(stream);
        }
      });
    } catch (error) {
      if (error instanceof ToolError) throw error;
      throw new ToolError(`could not run a command on ${this.name}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      release();
    }
  }

  private sftp(): Promise<SFTPWrapper> {
    if (!this.sftpSession) {
      this.sftpSession = new Promise<SFTPWrapper>((resolve, reject) =>
        this.client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp))),
      );
      this.sftpSession.catch(() => (this.sftpSession = undefined));
    }
    return this.sftpSession;
  }

  /**
   * Upload atomically: write a temp file next to the target with mode 0600,
   * then rename over it (posix-rename@openssh.com), so a reader never sees half a file.
   */
  async upload(remotePath: string, content: string | Buffer, mode = 0o600): Promise<void> {
    const sftp = await this.sftp().catch((error: Error) => {
      throw new ToolError(`could not open SFTP on ${this.name}: ${error.message}`, { cause: error });
    });
    const tmp = path.posix.join(
      path.posix.dirname(remotePath),
      `.${path.posix.basename(remotePath)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`,
    );
    const call = <T>(
      what: string,
      fn: (cb: (error: Error | null | undefined, value?: T) => void) => void,
    ): Promise<T> =>
      new Promise<T>((resolve, reject) =>
        fn((error, value) =>
          error
            ? reject(new ToolError(`SFTP ${what} failed on ${this.name}: ${error.message}`, { cause: error }))
            : resolve(value as T),
        ),
      );
    const handle = await call<Buffer>(`open ${tmp}`, (cb) => sftp.open(tmp, 'wx', { mode }, cb));
    try {
      const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      let offset = 0;
      while (offset < data.length) {
        const length = Math.min(32 * 1024, data.length - offset);
        await call(`write ${tmp}`, (cb) => sftp.write(handle, data, offset, length, offset, cb));
        offset += length;
      }
      await call(`chmod ${tmp}`, (cb) => sftp.fchmod(handle, mode, cb));
    } finally {
      await call('close', (cb) => sftp.close(handle, cb)).catch(() => undefined);
    }
    try {
      await call(`rename ${tmp} to ${remotePath}`, (cb) => sftp.ext_openssh_rename(tmp, remotePath, cb));
    } catch (error) {
      await call('cleanup', (cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      throw error;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
    this.jumpClient?.end();
  }
}

function forwardOut(jump: Client, host: string, port: number): Promise<Readable> {
  return new Promise((resolve, reject) =>
    jump.forwardOut('127.0.0.1', 0, host, port, (error, stream) =>
      error ? reject(Object.assign(error, { code: 'ECONNREFUSED' })) : resolve(stream),
    ),
  );
}
