import { InputError, readComposeEnvFile } from '@deploy-kit/shared';

describe("readComposeEnvFile (compose-go's rules)", () => {
  test('quotes, escapes, CR and comments decoded as Compose decodes them', () => {
    const env = readComposeEnvFile(
      [
        'A=plain # comment',
        `B="it's \\"q\\" \\\\ \\n end"`,
        `C='lit $X \\'q\\''`,
        'D=crlf\r',
        'E=lone\rcr',
        'export F=exported',
        'G="${A}-$$"',
      ].join('\n'),
      'env-file',
    );
    expect(Object.fromEntries(env)).toEqual({
      A: 'plain',
      B: `it's "q" \\ \n end`,
      C: "lit $X 'q'",
      D: 'crlf',
      E: 'lone\rcr',
      F: 'exported',
      G: 'plain-$',
    });
  });

  test("a '$' that starts no reference stays literal, as in the released Compose v2", () => {
    expect(Object.fromEntries(readComposeEnvFile('A=1\nB=$(id)\nC="${A}-$"\n', 'env-file'))).toEqual({
      A: '1',
      B: '$(id)',
      C: '1-$',
    });
  });

  test('lookup supplies the project environment', () => {
    expect(
      readComposeEnvFile('A=${HOST_VAR:-d}\n', 'env-file', (n) => (n === 'HOST_VAR' ? 'h' : undefined)).get(
        'A',
      ),
    ).toBe('h');
    expect(readComposeEnvFile('A=${HOST_VAR:-d}\n', 'env-file').get('A')).toBe('d');
  });

  test.each([
    ['S="unterminated\n', 'a quoted value is never closed'],
    ['B@D=hunter2\n', 'a variable name has a character Compose refuses (use letters, digits, _ . -)'],
    ['S=${NEEDED:?hunter2}\n', 'NEEDED is required by a ${NEEDED?...} reference and is not set'],
  ])('%j: an input error naming the input and the kind of problem, never the text', (text, reason) => {
    let error: unknown;
    try {
      readComposeEnvFile(text, 'env-file');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(`'env-file' is not an env file Compose can read: ${reason}.`);
    expect((error as Error).message).not.toMatch(/hunter2|unterminated|\(id\)/);
  });
});
