import { execFileSync } from 'node:child_process';
import { shellCommand } from '@deploy-kit/shared';

describe('shellCommand', () => {
  // The real test of quoting: a POSIX shell must see each argument exactly as given, and run nothing.
  test.each([['$(id)'], ['`id`'], ['a; touch /tmp/x'], ["it's"], ['two\nlines'], ['*'], ['-n'], ['']])(
    '%j reaches the program unchanged',
    (arg) => {
      const script = shellCommand(['printf', '%s', arg]);
      expect(execFileSync('sh', ['-c', script], { encoding: 'utf8' })).toBe(arg);
    },
  );
  test('refuses NUL bytes', () => {
    expect(() => shellCommand(['echo', 'a\0b'])).toThrow(/NUL/);
  });
});
