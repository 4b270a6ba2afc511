import {
  InputError,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseInteger,
  parseList,
  parseYamlOrJson,
  validate,
} from '@deploy-kit/shared';
import { z } from 'zod';

describe('input parsing', () => {
  test('booleans accept the YAML 1.2 core forms only and name the input otherwise', () => {
    expect(parseBoolean('dry-run', 'true')).toBe(true);
    expect(parseBoolean('dry-run', 'False')).toBe(false);
    expect(parseBoolean('dry-run', '', true)).toBe(true);
    expect(() => parseBoolean('dry-run', 'yes')).toThrow(
      new InputError("'dry-run' must be true or false, got 'yes'."),
    );
  });

  test('lists split on newlines and commas, dropping blanks and comments', () => {
    expect(parseList('a, b\n\n# note\nc\r\n')).toEqual(['a', 'b', 'c']);
  });

  test('enums list the allowed values', () => {
    expect(parseEnum('policy', 'warn', ['strict', 'warn', 'off'] as const)).toBe('warn');
    expect(() => parseEnum('policy', 'loud', ['strict', 'warn', 'off'] as const)).toThrow(
      "'policy' must be one of strict, warn, off, got 'loud'.",
    );
  });

  test('integers are whole and bounded', () => {
    expect(parseInteger('batch-size', '5', { min: 1 })).toBe(5);
    expect(() => parseInteger('batch-size', '1.5')).toThrow(/whole number/);
    expect(() => parseInteger('batch-size', '0', { min: 1 })).toThrow(
      "'batch-size' must be at least 1, got 0.",
    );
  });

  test('durations accept units and bare seconds', () => {
    expect(parseDuration('timeout', '90')).toBe(90_000);
    expect(parseDuration('timeout', '1h30m')).toBe(5_400_000);
    expect(parseDuration('timeout', '250ms')).toBe(250);
    expect(parseDuration('timeout', '', 1000)).toBe(1000);
    expect(() => parseDuration('timeout', '5 minutes')).toThrow(/duration such as 30s/);
    expect(() => parseDuration('timeout', '5mx')).toThrow(InputError);
  });

  test('YAML errors name the input, line and column', () => {
    expect(() => parseYamlOrJson('vars', 'a: 1\nb: [1, 2')).toThrow(
      /^'vars' is not valid YAML or JSON at line \d+, column \d+/,
    );
    expect(() => parseYamlOrJson('vars', 'a: 1\na: 2')).toThrow(/'vars' is not valid YAML or JSON at line 2/);
    expect(parseYamlOrJson('vars', '{"a": 1}')).toEqual({ a: 1 });
  });

  test('schema errors name the input and the path', () => {
    const schema = z.object({ hosts: z.array(z.object({ port: z.number().int() })) });
    expect(() => validate('hosts', schema, { hosts: [{ port: 'x' }] })).toThrow(
      /^'hosts' at 'hosts\.0\.port': Expected number, received string\.$/,
    );
  });
});
