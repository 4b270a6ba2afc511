import { InputError } from '@deploy-kit/shared';
import {
  isValidTag,
  normalizeRegistry,
  parseImageName,
  resolveRepository,
} from '../../../actions/build-images/src/reference';

describe('image references', () => {
  test('registry is lower-cased and stripped of scheme and slash', () => {
    expect(normalizeRegistry('https://GHCR.io/', "'registry'")).toBe('ghcr.io');
    expect(normalizeRegistry('127.0.0.1:5000', "'registry'")).toBe('127.0.0.1:5000');
    expect(normalizeRegistry('', "'registry'")).toBe('');
  });

  test('a bad registry is one sentence naming the input and the value', () => {
    expect(() => normalizeRegistry('my registry', "'registry'")).toThrow(
      new InputError(`'registry' 'my registry' is not a registry host such as ghcr.io or 127.0.0.1:5000.`),
    );
  });

  test('parses domain, path, tag and digest and lower-cases the name', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageName(`GHCR.io/Org/App:v1.2@${digest}`, 'x')).toEqual({
      domain: 'ghcr.io',
      path: 'org/app',
      tag: 'v1.2',
      digest,
    });
    expect(parseImageName('localhost:5000/web', 'x')).toEqual({ domain: 'localhost:5000', path: 'web' });
    expect(parseImageName('library/busybox', 'x')).toEqual({ domain: '', path: 'library/busybox' });
  });

  test('invalid names and tags name the bad part', () => {
    expect(() => parseImageName('ghcr.io/org/-app', "image of service 'web'")).toThrow(
      /image of service 'web' 'ghcr.io\/org\/-app' is not a valid image name: the part '-app'/,
    );
    expect(() => parseImageName('app:.bad', 'x')).toThrow(/invalid tag '.bad'/);
    expect(() => parseImageName('app@sha256:nothex', 'x')).toThrow(/invalid digest/);
  });

  test('tags follow the Docker grammar', () => {
    expect(isValidTag('v1.2.3')).toBe(true);
    expect(isValidTag('sha-abc_1')).toBe(true);
    expect(isValidTag('-x')).toBe(false);
    expect(isValidTag('a'.repeat(129))).toBe(false);
  });

  test('repository: Compose image wins (its tag dropped), else prefix/service; registry prefixed when missing', () => {
    const base = { registry: '127.0.0.1:5000', prefix: 'example/app', where: 'w' };
    expect(resolveRepository({ ...base, service: 'web' })).toBe('127.0.0.1:5000/example/app/web');
    expect(resolveRepository({ ...base, service: 'web', composeImage: 'Shop/Web:dev' })).toBe(
      '127.0.0.1:5000/shop/web',
    );
    expect(resolveRepository({ ...base, service: 'web', composeImage: '127.0.0.1:5000/shop/web' })).toBe(
      '127.0.0.1:5000/shop/web',
    );
    expect(resolveRepository({ ...base, registry: '', service: 'celery_beat' })).toBe(
      'example/app/celery_beat',
    );
  });

  test('a Compose image on another registry than `registry` is refused', () => {
    expect(() =>
      resolveRepository({
        service: 'web',
        composeImage: 'ghcr.io/o/web',
        registry: '127.0.0.1:5000',
        prefix: '',
        where: 'w',
      }),
    ).toThrow(/names the registry 'ghcr.io' but 'registry' is '127.0.0.1:5000'/);
  });
});
