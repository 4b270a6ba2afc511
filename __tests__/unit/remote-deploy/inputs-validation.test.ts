/**
 * #14 C: every path and name that reaches a remote command is checked under the input the user
 * gave, and nothing that reads as an option (a leading '-') gets through.
 */
import { InputError } from '@deploy-kit/shared';
import { parseInputs } from '../../../actions/remote-deploy/src/inputs';
import { checkHttpUrl, checkRemotePath } from '../../../actions/remote-deploy/src/model/validate';
import { defaultProjectName } from '../../../actions/remote-deploy/src/model/hosts';

function withInputs(inputs: Record<string, string>): () => unknown {
  return () => parseInputs(inputs);
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('no error');
}

test("a bad project-name is reported as 'project-name', not as 'hosts'", () => {
  const message = errorOf(
    withInputs({ hosts: 'deploy@127.0.0.1', 'project-dir': '/srv/shop', 'project-name': 'shop.example.com' }),
  );
  expect(message).toMatch(/^'project-name' must be a Compose project name/);
  expect(message).toContain('"shop.example.com"');
});

test.each([
  ['-x/app', /^'project-dir' must be a directory path .* none starting with '-'/],
  ['/srv/-rf', /^'project-dir' must be a directory path/],
  ['--help', /^'project-dir' must be a directory path/],
])("project-dir %j reads as an option: refused under 'project-dir'", (dir, message) => {
  expect(errorOf(withInputs({ hosts: 'deploy@127.0.0.1', 'project-dir': dir }))).toMatch(message);
});

test("a host's own project-dir starting with '-' is refused under 'hosts'", () => {
  expect(() => checkRemotePath('hosts', '-x')).toThrow(/^'hosts' must be a directory path/);
});

test('the derived project name is normalised as Compose does (no leading _ or -), so it is always valid', () => {
  expect(defaultProjectName('/srv/_Shop.Example')).toBe('shopexample');
  expect(defaultProjectName('/srv/--')).toBe('app');
  expect(defaultProjectName(`/srv/${'a'.repeat(80)}`)).toHaveLength(63);
});

test.each(['-K/etc/passwd', '--config=/x', 'file:///etc/passwd', 'localhost:8000/health', "http://x/'a"])(
  'health-url %j is refused',
  (url) => {
    expect(() => checkHttpUrl('health-url', url)).toThrow(
      /^'health-url' must be an http:\/\/ or https:\/\/ URL/,
    );
  },
);

test('health-url with placeholders is accepted', () => {
  expect(checkHttpUrl('health-url', 'http://{host}:8000/health?v={version}')).toBe(
    'http://{host}:8000/health?v={version}',
  );
});
