import * as core from '@actions/core';
import { parse as parseYaml, YAMLParseError } from 'yaml';
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

export function getString(name: string, options: StringOptions = {}): string {
  const value = core.getInput(name, { trimWhitespace: true });
  if (value === '') {
    if (options.required) throw new InputError(`'${name}' is required and was empty.`);
    return options.fallback ?? '';
  }
  return value;
}

/** Raw value, whitespace kept (for keys, certificates, templates). */
export function getRaw(name: string, options: { required?: boolean } = {}): string {
  const value = core.getInput(name, { trimWhitespace: false });
  if (options.required && value.trim() === '') throw new InputError(`'${name}' is required and was empty.`);
  return value;
}

export function parseBoolean(name: string, value: string, fallback = false): boolean {
  const v = value.trim();
  if (v === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(v)) return true;
  if (['false', 'False', 'FALSE'].includes(v)) return false;
  throw new InputError(`'${name}' must be true or false, got '${v}'.`);
}

export function getBoolean(name: string, fallback = false): boolean {
  return parseBoolean(name, core.getInput(name), fallback);
}

export function parseList(value: string): string[] {
  return value
    .split(/\r?\n|,/)
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
}

/** Newline- or comma-separated list; blank entries and `#` comments dropped. */
export function getList(name: string): string[] {
  return parseList(core.getInput(name));
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

export function getEnum<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
  return parseEnum(name, core.getInput(name), allowed, fallback);
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

export function getInteger(
  name: string,
  options: { min?: number; max?: number; fallback?: number } = {},
): number {
  return parseInteger(name, core.getInput(name), options);
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

export function getDuration(name: string, fallbackMs?: number): number {
  return parseDuration(name, core.getInput(name), fallbackMs);
}

/** Parse YAML (a superset of JSON) and name the input, line and column on error. */
export function parseYamlOrJson(name: string, text: string): unknown {
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
