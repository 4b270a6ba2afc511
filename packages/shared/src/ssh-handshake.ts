import type { Readable } from 'node:stream';
import { Client, type AuthHandlerMiddleware, type ConnectConfig } from 'ssh2';
import {
  decideHostKey,
  expectedFingerprints,
  hostKeyAlgorithms,
  hostKeyType,
  mayTryOtherHostKeyTypes,
  type HostKeyDecision,
} from './ssh-hostkeys';
import {
  AuthFailed,
  HostKeyRejected,
  targetName,
  type ConnectOptions,
  type PresentedHostKey,
  type SshTarget,
} from './ssh-target';

/**
 * One connection attempt to one host, up to 'ready': the host key is checked before
 * authentication (strictly, synchronously), then exactly one publickey attempt. A refusal ends as
 * HostKeyRejected or AuthFailed saying what the host presented or still accepts; anything else is
 * left as ssh2 reported it, for the retry loop (ssh-connect.ts) to judge.
 */

/** What one attempt learnt along the way, for the error that ends it. */
interface Attempt {
  hostKeyError?: HostKeyRejected;
  authAnswer?: string[];
  offered?: string[];
}

const REMOTE_HOST_KEY_FORMATS = 'Handshake: (remote) Host key format: ';

/** `algorithms`: the host-key algorithms to negotiate (default: the types known for the host, or ssh2's list). */
export async function openClient(
  target: SshTarget,
  options: ConnectOptions,
  sock?: Readable,
  algorithms = hostKeyAlgorithms(target.host, target.port, target.hostKeys),
): Promise<Client> {
  const attempt: Attempt = {};
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    sock,
    readyTimeout: options.readyTimeoutMs ?? 20_000,
    keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    algorithms: algorithms ? { serverHostKey: algorithms as never } : undefined,
    debug: offeredKeyTypesListener(target, attempt),
    hostVerifier: hostVerifier(target, options, attempt),
    authHandler: onePublicKeyAttempt(target, attempt),
  };
  return awaitReady(new Client(), config, target, attempt);
}

/**
 * Only to learn which host-key types the server offers (its KEXINIT), for trying each in turn;
 * set only when that can matter (trust by fingerprints), and idle once the handshake is seen.
 */
function offeredKeyTypesListener(target: SshTarget, attempt: Attempt): ConnectConfig['debug'] {
  if (!mayTryOtherHostKeyTypes(target.hostKeys, 'mismatch')) return undefined;
  return (line: string) => {
    if (attempt.offered === undefined && line.startsWith(REMOTE_HOST_KEY_FORMATS))
      attempt.offered = line.slice(REMOTE_HOST_KEY_FORMATS.length).split(',');
  };
}

/**
 * Synchronous verifier returning a strict boolean: ssh2 treats any truthy
 * return (a Promise included) as "accept", so nothing async happens here.
 */
function hostVerifier(
  target: SshTarget,
  options: ConnectOptions,
  attempt: Attempt,
): (key: Buffer) => boolean {
  const name = targetName(target);
  return (key: Buffer): boolean => {
    const decision = decideHostKey(key, target.host, target.port, target.hostKeys);
    if (decision.accepted) {
      if (decision.reason === 'insecure-opt-out')
        options.onWarning?.(
          `host key of ${name} (${decision.actual}) was NOT verified because the insecure opt-out is set; pin it with known-hosts.`,
        );
      return true;
    }
    const presented: PresentedHostKey = {
      reason: decision.reason,
      actual: decision.actual,
      keyType: hostKeyType(key),
      offered: attempt.offered,
    };
    attempt.hostKeyError = new HostKeyRejected(hostKeyRefusal(target, decision), presented);
    return false;
  };
}

function hostKeyRefusal(target: SshTarget, decision: HostKeyDecision): string {
  const name = targetName(target);
  if (decision.reason === 'no-expectation')
    return `host ${name} presented ${decision.actual} and no fingerprint or known_hosts line is given for it; add it to known-hosts (ssh-keyscan -p ${target.port} ${target.host} | ssh-keygen -lf -) — nothing was sent to the host.`;
  if (decision.reason === 'revoked')
    return `host ${name} presented a key marked @revoked in known-hosts (${decision.actual}); nothing was sent to the host.`;
  const expected = expectedFingerprints(target.host, target.port, target.hostKeys);
  return `host key mismatch for ${name}: expected ${expected.join(' or ')}, got ${decision.actual}; refusing to authenticate (possible man-in-the-middle) — nothing was sent to the host.`;
}

/** One explicit publickey attempt; the second call carries the server's answer. */
function onePublicKeyAttempt(target: SshTarget, attempt: Attempt): AuthHandlerMiddleware {
  let authTries = 0;
  return (methodsLeft, _partial, callback) => {
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
  };
}

/** Connect and settle once: 'ready', or the first error / early close, as the refusal it stands for. */
function awaitReady(
  client: Client,
  config: ConnectConfig,
  target: SshTarget,
  attempt: Attempt,
): Promise<Client> {
  const name = targetName(target);
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
