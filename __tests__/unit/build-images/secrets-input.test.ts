import { parseKeyValues } from '../../../actions/build-images/src/inputs';

// issue 14 A5: a malformed 'secrets' line is named by its number, never quoted.

const KEY_BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQ';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe("'secrets' parse errors", () => {
  test('a pasted multi-line key: the second line is named by number, its content never appears', () => {
    const text = `npm_token=abc\nssh_key=-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const message = messageOf(() => parseKeyValues('secrets', text, /^[A-Za-z0-9_.-]+$/, { secret: true }));
    expect(message).toBe(
      "'secrets' line 3 is not id=value; a value must fit on one line (base64-encode a multi-line value such as a key, and decode it in the Dockerfile).",
    );
    expect(message).not.toContain(KEY_BODY.slice(0, 8));
    expect(message).not.toContain('BEGIN');
  });

  test('a bare token and a bad id are named by line number only', () => {
    expect(
      messageOf(() => parseKeyValues('secrets', 'ghp_0123456789abcdef', /^[a-z]+$/, { secret: true })),
    ).toBe(
      "'secrets' line 1 is not id=value; a value must fit on one line (base64-encode a multi-line value such as a key, and decode it in the Dockerfile).",
    );
    const badId = messageOf(() =>
      parseKeyValues('secrets', '# c\n\nmy token=s3cr3t-v4lue', /^[A-Za-z0-9_.-]+$/, { secret: true }),
    );
    expect(badId).toBe(
      "'secrets' line 3 has an id that is not letters, digits, '.', '_' or '-' (id=value per line).",
    );
    expect(badId).not.toMatch(/my token|s3cr3t/);
  });

  test('non-secret inputs still quote the offending name, with its line', () => {
    expect(() => parseKeyValues('build-args', 'A=1\nnovalue')).toThrow(
      "'build-args' line 2 must look like NAME=value, got 'novalue'.",
    );
  });
});
