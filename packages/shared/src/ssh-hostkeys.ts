import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { InputError } from './errors';

/**
 * Host keys: what we accept for a host (SHA256 fingerprints, known_hosts
 * entries) and the decision on the key a server presents. Pure and
 * synchronous; the connection calls decideHostKey from ssh2's verifier.
 */

/** OpenSSH's fingerprint form of a public key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Accept `SHA256:abc...` with or without base64 padding; anything else is an input error. */
export function normaliseFingerprint(value: string, inputName = 'known-hosts'): string {
  const v = value.trim();
  const match = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(v);
  if (!match) {
    throw new InputError(
      `'${inputName}' has '${v.slice(0, 60)}', which is not an OpenSSH SHA256 fingerprint (SHA256: followed by 43 base64 characters, as printed by ssh-keygen -lf).`,
    );
  }
  return `SHA256:${match[1]}`;
}

export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  /** Plain patterns (`host`, `[host]:port`, wildcards, `!negated`), or a hashed entry. */
  patterns: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  keyBlob: Buffer;
}

/** Parse known_hosts text (comments, blank lines, markers, hashed `|1|salt|hash` hosts). Bad lines are an input error. */
export function parseKnownHosts(text: string, inputName = 'known-hosts'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority')
      marker = fields.shift() as KnownHostEntry['marker'];
    const [hosts, keyType, keyB64] = fields;
    if (!hosts || !keyType || !keyB64 || !/^[A-Za-z0-9+/]+=*$/.test(keyB64)) {
      throw new InputError(
        `'${inputName}' line ${index + 1} is not a known_hosts line (expected 'host key-type base64-key', e.g. from ssh-keyscan).`,
      );
    }
    const keyBlob = Buffer.from(keyB64, 'base64');
    const entry: KnownHostEntry = { marker, patterns: [], keyType, keyBlob };
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (!salt || !hash)
        throw new InputError(`'${inputName}' line ${index + 1} has a malformed hashed host.`);
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hosts.split(',');
    }
    entries.push(entry);
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Does a known_hosts entry name this host? Implements OpenSSH's pattern lists (wildcards, negation) and hashed names. */
export function knownHostMatches(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  if (entry.hashed) {
    const actual = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return actual.length === entry.hashed.hash.length && timingSafeEqual(actual, entry.hashed.hash);
  }
  let matched = false;
  for (const pattern of entry.patterns) {
    const negated = pattern.startsWith('!');
    const p = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(p).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** What we accept for one host: fingerprints and/or known_hosts keys, or (explicitly) anything. */
export interface HostKeyPolicy {
  fingerprints: string[];
  knownHosts: KnownHostEntry[];
  /** Only when the user set the explicitly named insecure opt-out input. */
  acceptAny?: boolean;
}

export interface HostKeyDecision {
  accepted: boolean;
  actual: string;
  reason: 'fingerprint' | 'known-hosts' | 'insecure-opt-out' | 'mismatch' | 'revoked' | 'no-expectation';
}

/** Decide on a presented host key. Pure and synchronous: ssh2 must get a plain boolean. */
export function decideHostKey(
  keyBlob: Buffer,
  host: string,
  port: number,
  policy: HostKeyPolicy,
): HostKeyDecision {
  const actual = sha256Fingerprint(keyBlob);
  const forHost = policy.knownHosts.filter((e) => knownHostMatches(e, host, port));
  if (forHost.some((e) => e.marker === '@revoked' && e.keyBlob.equals(keyBlob)))
    return { accepted: false, actual, reason: 'revoked' };
  if (policy.fingerprints.includes(actual)) return { accepted: true, actual, reason: 'fingerprint' };
  if (forHost.some((e) => e.marker === undefined && e.keyBlob.equals(keyBlob)))
    return { accepted: true, actual, reason: 'known-hosts' };
  if (policy.acceptAny) return { accepted: true, actual, reason: 'insecure-opt-out' };
  const expected = policy.fingerprints.length + forHost.filter((e) => e.marker === undefined).length;
  return { accepted: false, actual, reason: expected === 0 ? 'no-expectation' : 'mismatch' };
}

/** The fingerprints we would accept for a host, for error messages. */
export function expectedFingerprints(host: string, port: number, policy: HostKeyPolicy): string[] {
  const fromKnownHosts = policy.knownHosts
    .filter((e) => e.marker === undefined && knownHostMatches(e, host, port))
    .map((e) => sha256Fingerprint(e.keyBlob));
  return [...new Set([...policy.fingerprints, ...fromKnownHosts])];
}

/** Key types known for a host, so ssh2 negotiates a host key we can check (an RSA-only entry must not meet ed25519). */
export function hostKeyAlgorithms(host: string, port: number, policy: HostKeyPolicy): string[] | undefined {
  if (policy.fingerprints.length > 0 || policy.acceptAny) return undefined;
  const types = new Set(
    policy.knownHosts
      .filter((e) => e.marker === undefined && knownHostMatches(e, host, port))
      .map((e) => e.keyType),
  );
  if (types.size === 0) return undefined;
  const algos: string[] = [];
  for (const t of types) {
    if (t === 'ssh-rsa') algos.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else algos.push(t);
  }
  return algos;
}

/**
 * Host-key types ssh2 can negotiate, in its order of preference, each with the signature
 * algorithms that select it (an RSA key is negotiated through rsa-sha2-512/256 or ssh-rsa).
 */
const HOST_KEY_TYPES: readonly (readonly [string, readonly string[]])[] = [
  ['ssh-ed25519', ['ssh-ed25519']],
  ['ecdsa-sha2-nistp256', ['ecdsa-sha2-nistp256']],
  ['ecdsa-sha2-nistp384', ['ecdsa-sha2-nistp384']],
  ['ecdsa-sha2-nistp521', ['ecdsa-sha2-nistp521']],
  ['ssh-rsa', ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']],
];

/** The key type named at the start of a public key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
export function hostKeyType(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || keyBlob.length < 4 + length) return undefined;
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/**
 * Trusted by fingerprints, a host is asked for one host-key type at a time: a fingerprint does
 * not say its key type, and a server presents only the one type negotiated (ed25519 first), so a
 * genuine RSA or ECDSA fingerprint would otherwise never meet its key. Whether retrying can help:
 * only a mismatch under a policy with fingerprints (known_hosts lines name their type, and the
 * first negotiation already asks for those types).
 */
export function mayTryOtherHostKeyTypes(policy: HostKeyPolicy, decision: HostKeyDecision['reason']): boolean {
  return decision === 'mismatch' && policy.fingerprints.length > 0 && !policy.acceptAny;
}

/**
 * The host-key algorithm lists to negotiate next, one per key type not tried yet, in ssh2's order
 * of preference, limited to what the server offered in its KEXINIT (`offered`, signature
 * algorithm names; all types when unknown).
 */
export function untriedHostKeyAlgorithms(
  offered: readonly string[] | undefined,
  triedTypes: readonly string[],
): string[][] {
  const out: string[][] = [];
  for (const [type, algorithms] of HOST_KEY_TYPES) {
    if (triedTypes.includes(type)) continue;
    const usable = offered ? algorithms.filter((a) => offered.includes(a)) : [...algorithms];
    if (usable.length > 0) out.push(usable);
  }
  return out;
}
