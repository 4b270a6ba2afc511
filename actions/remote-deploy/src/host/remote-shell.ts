import {
  SshConnection,
  type ConnectOptions,
  type ExecOptions,
  type ExecResult,
  type SshTarget,
} from '@deploy-kit/shared/ssh';

/**
 * Everything a host run does to a host goes through this: one method per remote operation
 * (actions/checkout's IGitCommandManager pattern), so the phases can be tested against a fake.
 * The real one is the ssh2 connection of packages/shared.
 */
export interface RemoteShell {
  readonly isOpen: boolean;
  /** Run argv (each argument quoted). */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Run a script sent on stdin; `args` become $1.. (never secrets). */
  script(script: string, args?: readonly string[], options?: Omit<ExecOptions, 'stdin'>): Promise<ExecResult>;
  /** Write a file atomically with this mode. */
  upload(remotePath: string, content: string | Buffer, mode?: number): Promise<void>;
  close(): void;
}

/** Opens the shell of one host (after its host-key check). */
export type OpenShell = (target: SshTarget, options: ConnectOptions) => Promise<RemoteShell>;

export const openSsh: OpenShell = (target, options) => SshConnection.connect(target, options);
