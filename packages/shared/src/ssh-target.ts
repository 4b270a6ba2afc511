import { ToolError } from './errors';
import type { ParsedClientKey } from './ssh-clientkeys';
import type { HostKeyDecision, HostKeyPolicy } from './ssh-hostkeys';

/**
 * Who to connect to and how (target, connect options), and the two refusals that end a connect
 * for good: the host key (nothing was sent to the host) and the authentication. Apart from the
 * connection itself because the handshake, the retry loop and the connection all need them.
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

export function targetName(t: SshTarget): string {
  return t.name ?? `${t.host}:${t.port}`;
}
