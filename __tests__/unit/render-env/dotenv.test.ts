import { InputError } from '@deploy-kit/shared';
import {
  KEY_PATTERN,
  chooseEncoding,
  encodeDotenv,
  encodeEntry,
} from '../../../actions/render-env/src/dotenv';
import { ACCEPTED, CORPUS, REJECTED } from '../../fixtures/dotenv-corpus';
import { parseComposeGoDotenv } from '../../fixtures/dotenv-oracles/compose-go-dotenv';

const line = (value: string) => encodeEntry({ key: 'K', value });

describe('encodeEntry: exact output', () => {
  test.each([
    ['plain', 'value', "K='value'"],
    ['empty', '', "K=''"],
    ['dollar stays literal in single quotes', 'pa$word $X $$ $(id)', "K='pa$word $X $$ $(id)'"],
    ['hash and inline-comment lookalike', 'a#b # c', "K='a#b # c'"],
    ['spaces kept inside quotes', '  x  ', "K='  x  '"],
    ['double quotes need no escape in single quotes', 'say "hi"', `K='say "hi"'`],
    ['lone backslash kept as is', 'C:\\Users\\x', "K='C:\\Users\\x'"],
    ['multi-line LF written raw', 'a\nb\n', "K='a\nb\n'"],
    ['single quote, no $: double quotes', "it's", `K="it's"`],
    ['both quote kinds: double quotes, \\" escaped', `it's "x"`, `K="it's \\"x\\""`],
    ['CR only as \\r in double quotes', 'a\r\nb', 'K="a\\r\\nb"'],
    ['two backslashes, no $: double quotes, \\\\ escaped', 'a\\\\b', 'K="a\\\\\\\\b"'],
    ["single quote and $: single quotes with \\'", "it's $5", "K='it\\'s $5'"],
    ['trailing backslash, printable: unquoted', 'C:\\dir\\', 'K=C:\\dir\\'],
    ['trailing backslash with inner space: unquoted', 'C:\\Program Files\\', 'K=C:\\Program Files\\'],
    ['${X without closing brace is not expanded by anyone in single quotes', '${X', "K='${X'"],
  ])('%s', (_name, value, expected) => {
    expect(line(value)).toBe(expected);
  });

  test('the quoting chosen for each branch', () => {
    expect(chooseEncoding('x').quoting).toBe('single');
    expect(chooseEncoding("x'").quoting).toBe('double');
    expect(chooseEncoding("x'$").quoting).toBe('single-escaped');
    expect(chooseEncoding('x\\').quoting).toBe('unquoted');
    expect(chooseEncoding('${X}').quoting).toBe('none');
  });
});

describe('encodeEntry: rejections name the key and the reason, never the value', () => {
  test.each([
    ['${X}', /'\$\{\.\.\.\}' reference, which python-dotenv .* expand in every quoting style/],
    ["it's ${X}", /python-dotenv/],
    ['pre ${X:-d} post', /python-dotenv/],
    ['${}', /python-dotenv/],
    ['a\0b', /NUL byte/],
    ['x\uD800', /lone UTF-16 surrogate/],
    ['a\u0085b', /U\+0085/],
    ['$a\rb', /both a '\$' and a carriage return/],
    ['$a\\\\b', /both a '\$' and two backslashes in a row/],
    ["$a\\'b", /both a '\$' and a backslash before a single quote/],
    ['cost$\\', /both a '\$' and a trailing backslash/],
    [' x\\', /ends with a backslash and contains whitespace at an end/],
    ['a #b\\', /ends with a backslash and contains a '#'/],
    ['"q\\', /ends with a backslash and contains a leading quote/],
    ['a\rb\\', /ends with a backslash and contains a control character/],
  ])('%j', (value, reason) => {
    let caught: unknown;
    try {
      encodeEntry({ key: 'SECRET_KEY', value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    const message = (caught as Error).message;
    expect(message).toMatch(/^Value of 'SECRET_KEY' /);
    expect(message).toMatch(reason);
    expect(message.endsWith('.')).toBe(true);
    if (value.length > 3) expect(message).not.toContain(value);
  });
});

describe('keys', () => {
  test('KEY_PATTERN is the POSIX portable name', () => {
    expect(KEY_PATTERN.source).toBe('^[A-Za-z_][A-Za-z0-9_]*$');
  });

  test.each(['A', '_', 'a1', 'DJANGO_SECRET_KEY', '_x_9'])('%j is accepted', (key) => {
    expect(encodeEntry({ key, value: 'v' })).toBe(`${key}='v'`);
  });

  test.each(['', '1A', 'A-B', 'A.B', 'A B', 'export A', 'A=B', 'Ä', 'A\n', '#A', "'A'"])(
    '%j is rejected with an InputError naming it',
    (key) => {
      expect(() => encodeEntry({ key, value: 'v' })).toThrow(InputError);
      expect(() => encodeEntry({ key, value: 'v' })).toThrow(`Key ${JSON.stringify(key)} is not a valid`);
    },
  );
});

describe('encodeDotenv', () => {
  test('entries in order, LF line endings, trailing newline', () => {
    expect(
      encodeDotenv([
        { key: 'B', value: '2' },
        { key: 'A', value: "it's" },
        { key: 'C', value: 'x\ny' },
      ]),
    ).toBe(`B='2'\nA="it's"\nC='x\ny'\n`);
  });

  test('an empty list is an empty file', () => {
    expect(encodeDotenv([])).toBe('');
  });

  test('duplicate keys are rejected', () => {
    expect(() =>
      encodeDotenv([
        { key: 'A', value: '1' },
        { key: 'A', value: '2' },
      ]),
    ).toThrow(/Key 'A' appears more than once/);
  });

  test('collects every failure into one InputError', () => {
    let caught: unknown;
    try {
      encodeDotenv([
        { key: 'OK', value: 'fine' },
        { key: 'BAD_REF', value: '${HOME}' },
        { key: '9BAD', value: 'x' },
        { key: 'OK', value: 'again' },
        { key: 'BAD_NUL', value: '\0' },
      ]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    const message = (caught as Error).message;
    expect(message).toMatch(/^4 environment entries cannot be written to a dotenv file: /);
    expect(message).toContain("Value of 'BAD_REF' contains a '${...}' reference");
    expect(message).toContain('Key "9BAD" is not a valid environment variable name');
    expect(message).toContain("Key 'OK' appears more than once");
    expect(message).toContain("Value of 'BAD_NUL' contains a NUL byte");
  });

  test('a single failure is reported as that one sentence', () => {
    expect(() => encodeDotenv([{ key: 'X', value: '${Y}' }])).toThrow(/^Value of 'X' contains/);
  });
});

describe('corpus', () => {
  test('has at least 40 named values, unique names, each rejection with a reason and a proof', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
    for (const c of REJECTED) expect(c.proof).toBeDefined();
  });

  test.each(ACCEPTED.map((c) => [c.name, c.value] as const))('accepted: %s', (_name, value) => {
    expect(() => line(value)).not.toThrow();
  });

  test.each(REJECTED.map((c) => [c.name, c.value] as const))('rejected: %s', (_name, value) => {
    expect(() => line(value)).toThrow(InputError);
  });

  // Fast, in-process check with the Compose v2 oracle; the integration test adds the real readers.
  test('every accepted value reads back exactly through the compose-go oracle', () => {
    const entries = ACCEPTED.map((c, i) => ({ key: `K${i}`, value: c.value }));
    const parsed = parseComposeGoDotenv(encodeDotenv(entries), () => 'from-environment');
    expect(Object.fromEntries(parsed)).toEqual(Object.fromEntries(entries.map((e) => [e.key, e.value])));
  });
});

// The oracle is a port: check it against the behaviour Compose documents for env files
// (docs.docker.com/compose/environment-variables/env-file/) and compose-go's own tests.
describe('compose-go oracle reproduces documented Compose behaviour', () => {
  const read = (text: string, env: Record<string, string> = {}) =>
    Object.fromEntries(parseComposeGoDotenv(text, (k) => env[k]));

  test.each([
    ['VAR=VAL', 'VAL'],
    ['VAR="VAL"', 'VAL'],
    ["VAR='VAL'", 'VAL'],
    ['VAR=VAL # comment', 'VAL'],
    ['VAR=VAL# not a comment', 'VAL# not a comment'],
    ['VAR="VAL # not a comment"', 'VAL # not a comment'],
    ['VAR="VAL" # comment', 'VAL'],
    ["VAR='$OTHER'", '$OTHER'],
    ["VAR='${OTHER}'", '${OTHER}'],
    ["VAR='Let\\'s go!'", "Let's go!"],
    ['VAR="{\\"hello\\": \\"json\\"}"', '{"hello": "json"}'],
    ['VAR="some\\tvalue"', 'some\tvalue'],
    ["VAR='some\\tvalue'", 'some\\tvalue'],
    ['VAR=some\\tvalue', 'some\\tvalue'],
    ['VAR="foo\\$BAR"', 'foo$BAR'],
    ['VAR="a\\\\b"', 'a\\b'],
    ['VAR=$$x', '$x'],
    ['export VAR=2', '2'],
    ['VAR: yaml', 'yaml'],
    ['  VAR = spaced ', 'spaced'],
  ])('%s', (text, expected) => {
    expect(read(text).VAR).toBe(expected);
  });

  test('interpolation in unquoted and double-quoted values, from the environment and earlier keys', () => {
    expect(read('A=$X\nB="${X}y"\nC=${A}-${MISSING:-d}\nD=${MISSING-e}', { X: 'x' })).toEqual({
      A: 'x',
      B: 'xy',
      C: 'x-d',
      D: 'e',
    });
  });

  test('errors where compose-go errors', () => {
    expect(() => read('VAR=$')).toThrow(/Invalid template/);
    expect(() => read('VAR="a $ b"')).toThrow(/Invalid template/);
    expect(() => read('VAR=${X:?need X}')).toThrow(/required variable X/);
    expect(() => read("VAR='abc")).toThrow(/unterminated quoted value/);
    expect(() => read("VAR='abc\\'")).toThrow(/unterminated quoted value/);
    expect(() => read('A B=1')).toThrow(/key cannot contain a space/);
    expect(() => read('A$B=1')).toThrow(/unexpected character/);
  });
});
