import {
  maskLog,
  parseFileCommand,
  parseWorkflowCommands,
  annotationsFrom,
  inputEnvName,
} from '@deploy-kit/harness';

describe('runner emulation', () => {
  test('input names are mangled as the runner does', () => {
    expect(inputEnvName('vault-password')).toBe('INPUT_VAULT-PASSWORD');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
  });

  test('workflow commands are parsed with escaping', () => {
    const cmds = parseWorkflowCommands(
      '::add-mask::a%0Ab\nplain\n::error file=x.env,line=3,title=a%2Cb::bad %25 value\n',
    );
    expect(cmds.map((c) => c.command)).toEqual(['add-mask', 'error']);
    expect(cmds[0]?.data).toBe('a\nb');
    expect(annotationsFrom(cmds)).toEqual([
      {
        level: 'error',
        message: 'bad % value',
        file: 'x.env',
        line: 3,
        endLine: undefined,
        col: undefined,
        title: 'a,b',
      },
    ]);
  });

  test('file commands: key=value and heredoc', () => {
    expect(parseFileCommand('a=1\nkeys<<ghadelimiter_1\n["A",\n"B"]\nghadelimiter_1\n')).toEqual({
      a: '1',
      keys: '["A",\n"B"]',
    });
    expect(() => parseFileCommand('x<<EOF\nno end\n')).toThrow(/no closing delimiter/);
  });

  test('masking hides registered values, longest first, and drops add-mask lines', () => {
    expect(maskLog('::add-mask::abc\nvalue abcdef and abc', ['abc', 'abcdef'])).toBe('value *** and ***');
  });
});
