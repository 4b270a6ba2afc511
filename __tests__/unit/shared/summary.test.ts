import {
  mdCode,
  mdTable,
  oneSentence,
  failureMessage,
  InputError,
  PolicyFailure,
  ToolError,
} from '@deploy-kit/shared';

describe('markdown', () => {
  test('tables escape pipes and newlines in cells', () => {
    expect(mdTable(['key', 'source'], [['A|B', 'line1\nline2']])).toBe(
      '| key | source |\n| --- | --- |\n| A\\|B | line1<br>line2 |',
    );
  });
  test('code spans survive backticks', () => {
    expect(mdCode('a`b')).toBe('`` a`b ``');
    expect(mdCode('plain')).toBe('`plain`');
  });
});

describe('failure messages', () => {
  test('one sentence, prefixed by the failure kind', () => {
    expect(failureMessage(new InputError("'hosts' is required and was empty."))).toBe(
      "Invalid input: 'hosts' is required and was empty.",
    );
    expect(failureMessage(new ToolError('docker is not installed'))).toBe(
      'Could not run: docker is not installed.',
    );
    expect(failureMessage(new PolicyFailure('2 rules failed:\n- DEBUG\n- SECRET_KEY'))).toBe(
      'Policy failed: 2 rules failed: - DEBUG - SECRET_KEY.',
    );
    expect(failureMessage(new TypeError('x is undefined'))).toBe('Unexpected error: x is undefined.');
    expect(oneSentence('')).toBe('The action failed without a message.');
  });
});
