import { InputError, Semaphore } from '@deploy-kit/shared';
import {
  decideHostKey,
  expectedFingerprints,
  hostKeyAlgorithms,
  knownHostMatches,
  type KnownHostEntry,
  normaliseFingerprint,
  normalisePrivateKey,
  parseClientKey,
  parseKnownHosts,
  scriptCommand,
  sha256Fingerprint,
  TailBuffer,
  wrapScript,
} from '@deploy-kit/shared/ssh';

// Generated with ssh-keygen for these tests only; fingerprints as printed by `ssh-keygen -lf`.
const HOST_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIEbJIPf8l/GbFBcH9kM2KwyqE7nYQaZdya02EWqY9Rr4';
const HOST_FP = 'SHA256:/9bcIRD4o/Z3M0IXw1CEtpRklA+h0kQ4kcaXb5DPlVM';
const OTHER_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIDmwFOKN0Hj0FICWV+krg4/uVcoaHR1RHmW5GffIBVns';
const OTHER_FP = 'SHA256:EHNCi7vwYVOglzOEEHwzVY6tXMHF0Qk9So9ePkxlBss';
// `ssh-keygen -H` of "[127.0.0.9]:2299 ssh-ed25519 HOST_B64"
const HASHED = `|1|hDwbUmLO6qf02Oh8laJMqHUu7zM=|2I1DbIyIc+9ynIfTwRZ7nY5XBiI= ssh-ed25519 ${HOST_B64}`;
const FIXTURE_KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACA5sBTijdB49BSAllfpK4OP7lXKGh0dUR5luRn3yAVZ7AAAAJBYmfq0WJn6',
  'tAAAAAtzc2gtZWQyNTUxOQAAACA5sBTijdB49BSAllfpK4OP7lXKGh0dUR5luRn3yAVZ7A',
  'AAAEAMmympx8+FsPdKlppffCVQrA+e9E2t+/nYpMTMrWWFwjmwFOKN0Hj0FICWV+krg4/u',
  'VcoaHR1RHmW5GffIBVnsAAAAB2ZpeHR1cmUBAgMEBQY=',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

const blob = (b64: string): Buffer => Buffer.from(b64, 'base64');

describe('fingerprints', () => {
  test('match ssh-keygen -lf', () => {
    expect(sha256Fingerprint(blob(HOST_B64))).toBe(HOST_FP);
    expect(sha256Fingerprint(blob(OTHER_B64))).toBe(OTHER_FP);
  });
  test('padding is tolerated, other forms are refused with the input name', () => {
    expect(normaliseFingerprint(`${HOST_FP}=`)).toBe(HOST_FP);
    expect(() => normaliseFingerprint('MD5:aa:bb', 'hosts')).toThrow(/'hosts'.*SHA256/);
    expect(() => normaliseFingerprint('SHA256:short')).toThrow(InputError);
  });
});

describe('known_hosts', () => {
  test('plain, port-qualified, wildcard, negated and hashed entries', () => {
    const entries = parseKnownHosts(
      [
        '# comment',
        '',
        `[127.0.0.9]:2299 ssh-ed25519 ${HOST_B64}`,
        `web1,web2 ssh-ed25519 ${OTHER_B64}`,
        `*.example.test,!bad.example.test ssh-ed25519 ${OTHER_B64}`,
        HASHED,
      ].join('\r\n'),
    );
    expect(entries).toHaveLength(4);
    const [portQualified, list, wildcard, hashed] = entries as [
      KnownHostEntry,
      KnownHostEntry,
      KnownHostEntry,
      KnownHostEntry,
    ];
    expect(knownHostMatches(portQualified, '127.0.0.9', 2299)).toBe(true);
    expect(knownHostMatches(portQualified, '127.0.0.9', 22)).toBe(false);
    expect(knownHostMatches(list, 'web2', 22)).toBe(true);
    expect(knownHostMatches(list, 'web3', 22)).toBe(false);
    expect(knownHostMatches(wildcard, 'a.example.test', 22)).toBe(true);
    expect(knownHostMatches(wildcard, 'bad.example.test', 22)).toBe(false);
    expect(knownHostMatches(hashed, '127.0.0.9', 2299)).toBe(true);
    expect(knownHostMatches(hashed, '127.0.0.8', 2299)).toBe(false);
  });
  test('a broken line names the input and the line', () => {
    expect(() => parseKnownHosts('ok ssh-ed25519 AAAA\nnot-a-line', 'known-hosts')).toThrow(
      /'known-hosts' line 2/,
    );
  });
});

describe('host key decision', () => {
  const knownHosts = parseKnownHosts(`[127.0.0.9]:2299 ssh-ed25519 ${HOST_B64}`);
  test('accepts a pinned fingerprint or a known_hosts key', () => {
    expect(decideHostKey(blob(HOST_B64), 'x', 22, { fingerprints: [HOST_FP], knownHosts: [] })).toMatchObject(
      {
        accepted: true,
        reason: 'fingerprint',
      },
    );
    expect(decideHostKey(blob(HOST_B64), '127.0.0.9', 2299, { fingerprints: [], knownHosts })).toMatchObject({
      accepted: true,
      reason: 'known-hosts',
    });
  });
  test('refuses another key and reports both fingerprints', () => {
    const decision = decideHostKey(blob(OTHER_B64), '127.0.0.9', 2299, { fingerprints: [], knownHosts });
    expect(decision).toEqual({ accepted: false, actual: OTHER_FP, reason: 'mismatch' });
    expect(expectedFingerprints('127.0.0.9', 2299, { fingerprints: [], knownHosts })).toEqual([HOST_FP]);
  });
  test('a known_hosts line for another host or port does not count', () => {
    expect(decideHostKey(blob(HOST_B64), '127.0.0.9', 2222, { fingerprints: [], knownHosts }).reason).toBe(
      'no-expectation',
    );
  });
  test('nothing given → refused unless the insecure opt-out is set', () => {
    expect(decideHostKey(blob(HOST_B64), 'h', 22, { fingerprints: [], knownHosts: [] }).accepted).toBe(false);
    expect(
      decideHostKey(blob(HOST_B64), 'h', 22, { fingerprints: [], knownHosts: [], acceptAny: true }),
    ).toMatchObject({
      accepted: true,
      reason: 'insecure-opt-out',
    });
  });
  test('@revoked wins over everything, even the opt-out', () => {
    const revoked = parseKnownHosts(`@revoked * ssh-ed25519 ${HOST_B64}`);
    expect(
      decideHostKey(blob(HOST_B64), 'h', 22, {
        fingerprints: [HOST_FP],
        knownHosts: revoked,
        acceptAny: true,
      }),
    ).toMatchObject({ accepted: false, reason: 'revoked' });
  });
  test('host key algorithms follow the known_hosts key types', () => {
    const rsa = parseKnownHosts(`h ssh-rsa ${HOST_B64}`);
    expect(hostKeyAlgorithms('h', 22, { fingerprints: [], knownHosts: rsa })).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
    expect(hostKeyAlgorithms('h', 22, { fingerprints: [HOST_FP], knownHosts: rsa })).toBeUndefined();
  });
});

describe('client keys', () => {
  test('CRLF-pasted, indented and one-line \\n keys parse to the same key', () => {
    const variants = [
      FIXTURE_KEY,
      FIXTURE_KEY.replace(/\n/g, '\r\n') + '\r\n',
      `  ${FIXTURE_KEY.split('\n').join('\n  ')}  `,
      FIXTURE_KEY.replace(/\n/g, '\\n'),
    ];
    for (const v of variants) {
      expect(normalisePrivateKey(v)).toBe(`${FIXTURE_KEY}\n`);
      expect(parseClientKey(v, undefined)).toMatchObject({
        type: 'ssh-ed25519',
        publicFingerprint: OTHER_FP,
      });
    }
  });
  test('garbage and public keys fail at once with the input name', () => {
    expect(() => parseClientKey('not a key', undefined)).toThrow(/'private-key' could not be parsed/);
    expect(() => parseClientKey(`ssh-ed25519 ${OTHER_B64} x`, undefined)).toThrow(/public key/);
  });
});

describe('exec helpers', () => {
  test('TailBuffer keeps the last bytes and counts everything', () => {
    const tail = new TailBuffer(10);
    for (let i = 0; i < 1000; i++) tail.push(Buffer.from(`line ${i}\n`));
    expect(tail.toString()).toBe('\nline 999\n'.slice(-10));
    expect(tail.total).toBe(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join('').length);
    expect(tail.truncated).toBe(true);
  });
  test('Semaphore never lets more than its size through', async () => {
    const sem = new Semaphore(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await sem.acquire();
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setImmediate(r));
        active--;
        release();
      }),
    );
    expect(peak).toBe(3);
  });
  test('Semaphore hands a released slot to its waiter: an acquire in between waits its turn', async () => {
    const sem = new Semaphore(1);
    const releaseFirst = await sem.acquire();
    let active = 1;
    let peak = 1;
    const hold = async (): Promise<void> => {
      const release = await sem.acquire();
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setImmediate(r));
      active--;
      release();
    };
    const waiter = hold();
    active--;
    releaseFirst();
    const between = hold();
    await Promise.all([waiter, between]);
    expect(peak).toBe(1);
  });
  test('the script command line is constant apart from quoted arguments', () => {
    const cmd = scriptCommand(['$(touch /tmp/x)', "a'b"]);
    expect(cmd).toContain("'$(touch /tmp/x)'");
    expect(cmd.startsWith("sh -c 'if command -v bash")).toBe(true);
    expect(wrapScript('echo hi')).toMatch(
      /^__deploy_kit_main\(\) \{\necho hi\n\}\n__deploy_kit_main "\$@" <\/dev\/null\n$/,
    );
  });
});
