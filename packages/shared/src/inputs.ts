import type * as Yaml from 'yaml';
import type { ZodType, ZodError } from 'zod';
import { InputError } from './errors';

/**
 * Typed input parsing. Every reader names the input and the expected form in
 * its error, so a bad workflow gets one sentence that says what to change.
 */

interface StringOptions {
  required?: boolean;
  /** Used when the input is empty. action.yml defaults arrive through the runner already. */
  fallback?: string;
}

/**
 * An action's raw inputs by name, as the runner gives them (INPUT_* variables) or as a caller
 * builds them (the root action, the `deploy-kit` command, tests). A missing name reads as ''.
 */
export type RawInputs = Readonly<Record<string, string | undefined>>;

/** The runner's inputs: every INPUT_<NAME> variable, under the name core.getInput would ask for. */
export function rawInputsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (key.startsWith('INPUT_') && value !== undefined)
      raw[key.slice('INPUT_'.length).toLowerCase()] = value;
  return raw;
}

/**
 * Typed reads over raw inputs: the pure half of every action's `parseInputs(raw)`. `defaults`
 * are the action.yml defaults, applied to names the caller did not give (the runner applies them
 * itself; an in-process caller gets the same values this way).
 */
export class InputReader {
  constructor(
    private readonly inputs: RawInputs,
    private readonly defaults: RawInputs = {},
  ) {}

  /** The value as given (or its default), whitespace kept. */
  private value(name: string): string {
    return this.inputs[name] ?? this.defaults[name] ?? '';
  }

  /** True when the caller gave this input a non-blank value (a default does not count). */
  has(name: string): boolean {
    return (this.inputs[name] ?? '').trim() !== '';
  }

  string(name: string, options: StringOptions = {}): string {
    const value = this.value(name).trim();
    if (value === '') {
      if (options.required) throw new InputError(`'${name}' is required and was empty.`);
      return options.fallback ?? '';
    }
    return value;
  }

  /** Raw value, whitespace kept (for keys, certificates, templates). */
  raw(name: string, options: { required?: boolean } = {}): string {
    const value = this.value(name);
    if (options.required && value.trim() === '') throw new InputError(`'${name}' is required and was empty.`);
    return value;
  }

  boolean(name: string, fallback = false): boolean {
    return parseBoolean(name, this.value(name), fallback);
  }

  /** Newline- or comma-separated list; blank entries and `#` comments dropped. */
  list(name: string): string[] {
    return parseList(this.value(name));
  }

  enum<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    return parseEnum(name, this.value(name), allowed, fallback);
  }

  integer(name: string, options: { min?: number; max?: number; fallback?: number } = {}): number {
    return parseInteger(name, this.value(name), options);
  }

  duration(name: string, fallbackMs?: number): number {
    return parseDuration(name, this.value(name), fallbackMs);
  }
}

export function parseBoolean(name: string, value: string, fallback = false): boolean {
  const v = value.trim();
  if (v === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(v)) return true;
  if (['false', 'False', 'FALSE'].includes(v)) return false;
  throw new InputError(`'${name}' must be true or false, got '${v}'.`);
}

export function parseList(value: string): string[] {
  return value
    .split(/\r?\n|,/)
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
}

export function parseEnum<T extends string>(
  name: string,
  value: string,
  allowed: readonly T[],
  fallback?: T,
): T {
  const v = value.trim();
  if (v === '' && fallback !== undefined) return fallback;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new InputError(`'${name}' must be one of ${allowed.join(', ')}, got '${v}'.`);
}

export function parseInteger(
  name: string,
  value: string,
  options: { min?: number; max?: number; fallback?: number } = {},
): number {
  const v = value.trim();
  if (v === '' && options.fallback !== undefined) return options.fallback;
  if (!/^-?\d+$/.test(v)) throw new InputError(`'${name}' must be a whole number, got '${v}'.`);
  const n = Number(v);
  if (options.min !== undefined && n < options.min)
    throw new InputError(`'${name}' must be at least ${options.min}, got ${n}.`);
  if (options.max !== undefined && n > options.max)
    throw new InputError(`'${name}' must be at most ${options.max}, got ${n}.`);
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Durations like `90s`, `5m`, `1h30m`, `250ms`; a bare number means seconds. Returns milliseconds. */
export function parseDuration(name: string, value: string, fallbackMs?: number): number {
  const v = value.trim();
  if (v === '' && fallbackMs !== undefined) return fallbackMs;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== v)
    throw new InputError(`'${name}' must be a duration such as 30s, 5m or 1h30m, got '${v}'.`);
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2] as string] as number), 0));
}

/** Parse YAML (a superset of JSON) and name the input, line and column on error. */
export function parseYamlOrJson(name: string, text: string): unknown {
  // Loaded on first use: most runs give no YAML input, and evaluating the library at start-up
  // came before the first tool a gate starts (#18 A10, B6).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse: parseYaml, YAMLParseError } = require('yaml') as typeof Yaml;
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const pos = error.linePos?.[0];
      const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      const reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
      throw new InputError(`'${name}' is not valid YAML or JSON${where}: ${reason}`);
    }
    throw error;
  }
}

export function describeZodError(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the expected form';
  const path = issue.path.length > 0 ? `at '${issue.path.join('.')}': ` : '';
  return `${path}${issue.message}`;
}

/** Validate a parsed value against a schema; the error names the input and the offending path. */
export function validate<T>(name: string, schema: ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new InputError(`'${name}' ${describeZodError(result.error)}.`);
  return result.data;
}
