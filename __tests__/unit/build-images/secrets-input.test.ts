import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseKeyValues, parseInputs } from '../../../actions/build-images/src/inputs';

// issue 14 A5: a malformed 'secrets' line is named by its number, never quoted.
// issue 17: 'secrets' is deploy-kit's one format (shared parseSecretsInput): NAME=value lines or JSON.

const KEY_BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQ';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

let workspace: string;
const saved = process.env.GITHUB_WORKSPACE;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-unit-secrets-'));
  process.env.GITHUB_WORKSPACE = workspace;
});
afterAll(() => {
  if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
  else process.env.GITHUB_WORKSPACE = saved;
  fs.rmSync(workspace, { recursive: true, force: true });
});

const secretsOf = (secrets: string): Record<string, string> =>
  parseInputs({ targets: '- service: web', secrets }).secrets;

describe("'secrets' input", () => {
  test('NAME=value lines and a JSON object give the same secrets; an id may start with a digit', () => {
    expect(secretsOf('npm_token=abc=d\n# comment\n\n1password=x')).toEqual({
      npm_token: 'abc=d',
      '1password': 'x',
    });
    expect(secretsOf('{"npm_token": "abc=d", "1password": "x"}')).toEqual({
      npm_token: 'abc=d',
      '1password': 'x',
    });
  });

  test('a pasted multi-line key: the second line is named by number, its content never appears', () => {
    const text = `npm_token=abc\nssh_key=-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const message = messageOf(() => secretsOf(text));
    expect(message).toMatch(/^'secrets' line 3 is not NAME=value; a value must fit on one line/);
    expect(message).not.toContain(KEY_BODY.slice(0, 8));
    expect(message).not.toContain('BEGIN');
  });

  test('a bare token and a bad id are named by line number only', () => {
    expect(messageOf(() => secretsOf('ghp_0123456789abcdef'))).toMatch(/^'secrets' line 1 is not NAME=value/);
    const badId = messageOf(() => secretsOf('# c\n\nmy token=s3cr3t-v4lue'));
    expect(badId).toMatch(/^'secrets' line 3 has a name that is not letters, digits/);
    expect(badId).not.toMatch(/my token|s3cr3t/);
  });

  test('non-secret inputs still quote the offending name, with its line', () => {
    expect(() => parseKeyValues('build-args', 'A=1\nnovalue')).toThrow(
      "'build-args' line 2 must look like NAME=value, got 'novalue'.",
    );
  });
});
