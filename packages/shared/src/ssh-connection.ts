import type { Client, SFTPWrapper } from 'ssh2';
import { ToolError } from './errors';
import { shellCommand } from './shell';
import { execOnChannel } from './ssh-channel';
import { connectVerified, forwardOut } from './ssh-connect';
import { Semaphore } from './pool';
import { scriptCommand, wrapScript, type ExecOptions, type ExecResult } from './ssh-exec';
import { targetName, type ConnectOptions, type SshTarget } from './ssh-target';
import { uploadAtomically } from './ssh-upload';

export {
  AuthFailed,
  HostKeyRejected,
  type ConnectOptions,
  type PresentedHostKey,
  type SshTarget,
} from './ssh-target';

/**
 * Connection: one ssh2 client per host (through an optional jump host), a bounded pool of
 * channels, exec with exit status, scripts on stdin and SFTP atomic upload. Connecting
 * (host-key checks, retries) is ssh-connect.ts; one command on one channel is ssh-channel.ts.
 */

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
    try {
      if (this.closed)
        throw new ToolError(
          `the connection to ${this.name} is closed${this.lostError ? ` (${this.lostError.message})` : ''}`,
        );
      const host = { client: this.client, isClosed: () => this.closed, pending: this.pending };
      return await execOnChannel(host, command, options);
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

  /** Upload atomically (temp file, then rename over the target): a reader never sees half a file. */
  async upload(remotePath: string, content: string | Buffer, mode = 0o600): Promise<void> {
    const sftp = await this.sftp().catch((error: Error) => {
      throw new ToolError(`could not open SFTP on ${this.name}: ${error.message}`, { cause: error });
    });
    await uploadAtomically(sftp, this.name, remotePath, content, mode);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
    this.jumpClient?.end();
  }
}
