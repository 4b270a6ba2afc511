import { InputError } from '@deploy-kit/shared';
import {
  checkToken,
  parseImages,
  parseInitialVersion,
  parseRepository,
  parseInputs,
  parseTagPrefix,
} from '../../../actions/tag-release/src/inputs';

const ENV = { GITHUB_REPOSITORY: 'o/r' };

test("tag-prefix: left out gives action.yml's v, an explicit '' means no prefix", () => {
  expect(parseInputs({ token: 't' }, ENV).tagPrefix).toBe('v');
  expect(parseInputs({ token: 't', 'tag-prefix': '' }, ENV).tagPrefix).toBe('');
  expect(parseInputs({ token: 't', 'tag-prefix': ' release/v ' }, ENV).tagPrefix).toBe('release/v');
});

test('images: build-images output, or one sentence naming the input', () => {
  expect(parseImages('{"web":"r/web:1@sha256:abc"}')).toEqual({ web: 'r/web:1@sha256:abc' });
  expect(parseImages('')).toEqual({});
  expect(() => parseImages('["r/web:1"]')).toThrow(InputError);
  expect(() => parseImages('["r/web:1"]')).toThrow(
    /'images' must be build-images' images output.*got a list/,
  );
  expect(() => parseImages('{"web": 3}')).toThrow(/'web' is not a non-empty string/);
});

test('tag-prefix, initial-version, GITHUB_REPOSITORY', () => {
  expect(parseTagPrefix('release/v')).toBe('release/v');
  expect(() => parseTagPrefix('v 1')).toThrow(/'tag-prefix' must be/);
  expect(() => parseTagPrefix('a..b')).toThrow(InputError);
  expect(parseInitialVersion('1.0.0')).toBe('1.0.0');
  expect(() => parseInitialVersion('1.0.0-rc.1')).toThrow(/'initial-version' must be a final version/);
  expect(() => parseInitialVersion('v1.0.0')).toThrow(InputError);
  expect(parseRepository('o/r')).toEqual({ owner: 'o', repo: 'r' });
  expect(() => parseRepository('o')).toThrow(/GITHUB_REPOSITORY must be owner\/name/);
});

test('token: one header-safe line, refused otherwise without quoting it', () => {
  expect(() => checkToken('ghs_abc 123')).not.toThrow();
  for (const bad of ['line1\nline2-sekrit', 'pässwörd-日本-sekrit', 'nul\u0000-sekrit'])
    expect(() => checkToken(bad)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('sekrit') as string }) as Error,
    );
  expect(() => checkToken('a\r\nb')).toThrow(/'token' holds a line break/);
});
