import { Masker, redact, redactSecrets, registerSecret, resetMasksForTests } from '@deploy-kit/shared';

describe('Masker: the runner SecretMasker semantics', () => {
  test('every occurrence of every form, longest at each position', () => {
    expect(new Masker(['abc', 'ab']).redact('xabcx ab abc')).toBe('x***x *** ***');
  });

  test('overlapping and touching matches are merged into one ***, so no part of either is left', () => {
    // Replacing "abcd" first and then looking for "bcdy" would leave the "y" of "bcdy".
    expect(new Masker(['abcd', 'bcdy']).redact('xabcdyz')).toBe('x***z');
    expect(new Masker(['ab', 'cd']).redact('-abcd-')).toBe('-***-');
  });

  test('line by line: a form never matches across a newline', () => {
    expect(new Masker(['a\nb', 'pin']).redact('a\nb pin\npin')).toBe('a\nb ***\n***');
  });

  test('one-character and non-BMP forms', () => {
    expect(new Masker(['Q', '🔑']).redact('Q-🔑-q')).toBe('***-***-q');
  });

  test('nothing registered, nothing changed', () => {
    expect(new Masker([]).redact('plain')).toBe('plain');
    expect(new Masker(['']).redact('plain')).toBe('plain');
  });
});

describe('the registry compiled once per registration', () => {
  afterEach(() => resetMasksForTests());

  test('a form registered after a redaction is masked in the next one', () => {
    registerSecret('first-secret');
    expect(redact('first-secret second-secret')).toBe('*** second-secret');
    registerSecret('second-secret');
    expect(redact('first-secret second-secret')).toBe('*** ***');
    expect(redactSecrets('"second-secret"')).toBe('"***"');
    resetMasksForTests();
    expect(redact('first-secret')).toBe('first-secret');
  });
});
