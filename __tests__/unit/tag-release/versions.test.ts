import {
  bumpBetween,
  nextRc,
  nextVersion,
  versionOf,
  versionTags,
} from '../../../actions/tag-release/src/versions';

test('version tags: the prefix and strict SemVer only', () => {
  const tags = [
    'v1.2.3',
    'v1.10.0',
    'v2.0.0-rc.1',
    'latest',
    'v1',
    'v1.2',
    '1.5.0',
    'v01.2.3',
    'release-3.0.0',
    'v1.11.0+build',
  ].map((name) => ({ name, commit: 'c' }));
  expect(versionTags(tags, 'v').map((t) => t.name)).toEqual([
    'v2.0.0-rc.1',
    'v1.11.0+build',
    'v1.10.0',
    'v1.2.3',
  ]);
  expect(versionOf('release-3.0.0', 'release-')?.version).toBe('3.0.0');
  expect(versionOf('1.5.0', '')?.version).toBe('1.5.0');
  // No prefix means none: semver would read v1.5.0 as 1.5.0, but it is another prefix's tag.
  expect(versionOf('v1.5.0', '')).toBeUndefined();
  expect(versionOf('=1.5.0', '')).toBeUndefined();
});

describe('nextVersion', () => {
  const o = { initialVersion: '0.1.0', preMajor: 'minor' as const };
  test.each([
    ['1.2.3', 'patch', '1.2.4'],
    ['1.2.3', 'minor', '1.3.0'],
    ['1.2.3', 'major', '2.0.0'],
    ['0.4.2', 'major', '0.5.0'],
    ['0.4.2', 'minor', '0.5.0'],
  ] as const)('%s + %s → %s', (base, bump, next) => {
    expect(nextVersion(versionOf(base, ''), bump, o)).toBe(next);
  });
  test('pre-major: major takes 0.x to 1.0.0; none is none; no base is the initial version', () => {
    expect(nextVersion(versionOf('0.4.2', ''), 'major', { ...o, preMajor: 'major' })).toBe('1.0.0');
    expect(nextVersion(versionOf('0.4.2', ''), 'none', o)).toBeUndefined();
    expect(nextVersion(undefined, 'patch', o)).toBe('0.1.0');
  });
});

test('nextRc counts only rc.N of that version, wherever tagged', () => {
  const tags = versionTags(
    ['v1.1.0-rc.1', 'v1.1.0-rc.7', 'v1.1.0-beta.9', 'v1.2.0-rc.3', 'v1.1.0-rc1'].map((name) => ({
      name,
      commit: 'c',
    })),
    'v',
  );
  expect(nextRc('1.1.0', tags)).toBe(8);
  expect(nextRc('1.3.0', tags)).toBe(1);
});

test('bumpBetween', () => {
  expect(bumpBetween(versionOf('1.0.0', ''), '1.1.0')).toBe('minor');
  expect(bumpBetween(versionOf('1.0.0', ''), '2.0.0')).toBe('major');
  expect(bumpBetween(versionOf('1.0.0', ''), '1.0.1')).toBe('patch');
});
