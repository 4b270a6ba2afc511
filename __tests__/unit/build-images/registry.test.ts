import { parseChallenge, registryBaseUrl } from '../../../actions/build-images/src/registry';
import { parseKeyValues } from '../../../actions/build-images/src/inputs';

describe('registry helpers', () => {
  test('loopback registries speak HTTP, others HTTPS; docker.io maps to its API host', () => {
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
  });

  test('WWW-Authenticate challenges', () => {
    expect(
      parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/a:pull"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:o/a:pull' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"').scheme).toBe('basic');
  });

  test('NAME=value inputs keep later = signs and name bad lines', () => {
    expect(parseKeyValues('build-args', 'A=1\n# c\nB=x=y\n')).toEqual({ A: '1', B: 'x=y' });
    expect(() => parseKeyValues('build-args', 'novalue')).toThrow(
      "'build-args' line 1 must look like NAME=value, got 'novalue'.",
    );
  });
});
