import {
  hostKeyType,
  mayTryOtherHostKeyTypes,
  untriedHostKeyAlgorithms,
  type HostKeyPolicy,
} from '@deploy-kit/shared/ssh';

function blob(type: string): Buffer {
  const name = Buffer.from(type, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  return Buffer.concat([len, name, Buffer.from([0, 0, 0, 1, 7])]);
}

test('the key type is read from the public key blob', () => {
  expect(hostKeyType(blob('ssh-ed25519'))).toBe('ssh-ed25519');
  expect(hostKeyType(blob('ecdsa-sha2-nistp256'))).toBe('ecdsa-sha2-nistp256');
  expect(hostKeyType(Buffer.from([0, 0]))).toBeUndefined();
  expect(hostKeyType(Buffer.from([0, 0, 1, 0, 65]))).toBeUndefined();
});

test('other host-key types are tried only for a mismatch under a policy with fingerprints', () => {
  const byFingerprint: HostKeyPolicy = { fingerprints: ['SHA256:x'], knownHosts: [] };
  expect(mayTryOtherHostKeyTypes(byFingerprint, 'mismatch')).toBe(true);
  expect(mayTryOtherHostKeyTypes(byFingerprint, 'revoked')).toBe(false);
  expect(mayTryOtherHostKeyTypes({ fingerprints: [], knownHosts: [] }, 'mismatch')).toBe(false);
  expect(mayTryOtherHostKeyTypes({ ...byFingerprint, acceptAny: true }, 'mismatch')).toBe(false);
});

test('the next algorithms: one list per untried key type the server offered, in ssh2 order', () => {
  const offered = ['rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519'];
  expect(untriedHostKeyAlgorithms(offered, ['ssh-ed25519'])).toEqual([
    ['ecdsa-sha2-nistp256'],
    ['rsa-sha2-512', 'rsa-sha2-256'],
  ]);
  expect(untriedHostKeyAlgorithms(offered, ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa'])).toEqual([]);
  // Offered list unknown: every other type, RSA through all its signature algorithms.
  expect(untriedHostKeyAlgorithms(undefined, ['ssh-ed25519'])).toEqual([
    ['ecdsa-sha2-nistp256'],
    ['ecdsa-sha2-nistp384'],
    ['ecdsa-sha2-nistp521'],
    ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  ]);
});
