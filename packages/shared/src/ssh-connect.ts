import type { Readable } from 'node:stream';
import type { Client } from 'ssh2';
import { InputError, ToolError } from './errors';
import { retry } from './retry';
import { openClient } from './ssh-handshake';
import { expectedFingerprints, mayTryOtherHostKeyTypes, untriedHostKeyAlgorithms } from './ssh-hostkeys';
import {
  AuthFailed,
  HostKeyRejected,
  targetName,
  type ConnectOptions,
  type PresentedHostKey,
  type SshTarget,
} from './ssh-target';

/**
 * Getting a verified, authenticated client: handshakes retried while the server may still be
 * starting (never after a refusal), each other host-key type tried when the pinned fingerprint is
 * of another type than the one negotiated, and the tunnel through a jump host.
 */

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
export async function connectVerified(
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

/** A channel through the jump host to host:port, to run the target's handshake over. */
export function forwardOut(jump: Client, host: string, port: number): Promise<Readable> {
  return new Promise((resolve, reject) =>
    jump.forwardOut('127.0.0.1', 0, host, port, (error, stream) =>
      error ? reject(Object.assign(error, { code: 'ECONNREFUSED' })) : resolve(stream),
    ),
  );
}
