import * as semver from 'semver';
import { newerFinal } from '../../../actions/tag-release/src/forward';

const v = (s: string): semver.SemVer => semver.parse(s) as semver.SemVer;

describe('newerFinal: v1, v1.4 and Latest only move forward (issue 18 C5)', () => {
  const tags = ['v1', 'v1.4', 'v1.4.0', 'v1.5.0', 'v1.6.0-rc.1', 'v2.0.0-rc.1', 'latest', '1.9.0'];

  test('a backport has a newer final in its major and overall, not in its minor', () => {
    expect(newerFinal(tags, 'v', v('1.4.1'), { major: 1 })).toBe('v1.5.0');
    expect(newerFinal(tags, 'v', v('1.4.1'), { major: 1, minor: 4 })).toBeUndefined();
    expect(newerFinal(tags, 'v', v('1.4.1'))).toBe('v1.5.0');
  });

  test('the newest final (rc tags, other prefixes and floating tags do not count) has none', () => {
    expect(newerFinal(tags, 'v', v('1.5.0'), { major: 1 })).toBeUndefined();
    expect(newerFinal(tags, 'v', v('1.5.0'))).toBeUndefined();
    expect(newerFinal([...tags, 'v1.5.0'], 'v', v('1.5.0'))).toBeUndefined();
  });

  test('unprefixed tags with prefix ""', () => {
    expect(newerFinal(tags, '', v('1.8.0'), { major: 1 })).toBe('1.9.0');
  });
});
