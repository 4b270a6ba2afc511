/**
 * dotenv encoder: writes each value so that every consumer of the file reads it back EXACTLY.
 *
 * Consumers (all checked by __tests__/integration/render-env/dotenv-readers.test.ts):
 *  - Compose v2 (compose-go/v2 dotenv parser + template.Substitute), the `env_file:` of a service;
 *  - docker-compose v1.29 (Debian), which reads env_file with python-dotenv, interpolating;
 *  - python-dotenv `dotenv_values()` with interpolate=True (Django settings).
 *
 * What the readers disagree on, and therefore what we avoid:
 *  - python-dotenv expands `${NAME}` / `${NAME:-default}` in EVERY quoting style (single quotes too)
 *    and has no escape for `$`, so a value containing such a pattern cannot be written at all.
 *  - Compose expands `$` in unquoted and double-quoted values (a lone `$` is even a parse error);
 *    python-dotenv keeps `$$` and `\$` as they are. So `$` can only live inside single quotes.
 *  - Inside single quotes python-dotenv decodes `\\` -> `\` and `\'` -> `'`; Compose decodes only
 *    `\'`. So a single-quoted value must not contain `\\`, a `\` right before `'`, or end in `\`.
 *  - python-dotenv opens the file in text mode: a raw CR becomes LF. CR survives only as the `\r`
 *    escape, which exists only in double quotes.
 *  - A double-quoted value ending in `\` is written `...\\"`; python-dotenv's regex then takes `\"`
 *    as an escaped quote and runs on to the next `"` in the file, swallowing the following lines.
 *
 * Quoting rules, first match wins:
 *  1. SINGLE quotes, verbatim: value has no `'`, no CR, no `\\`, does not end in `\`.
 *     (Literal for every reader, and in older compose-go parsers too.)
 *  2. DOUBLE quotes with escapes `\\`, `\"`, `\n`, `\r` (everything else raw): value has no `$` and
 *     does not end in `\`. (Values with `'`, CR, or backslash pairs.)
 *  3. SINGLE quotes with `'` written as `\'`: value has `'` and `$`, and no CR, no `\\`, no `\'`,
 *     no trailing `\`. (Needs compose-go >= PR #511, Dec 2023, i.e. current Compose v2.)
 *  4. UNQUOTED: one printable line, no whitespace at either end, no `#`, `$`, control character,
 *     and not starting with a quote. (Values ending in a backslash, e.g. `C:\dir\`.)
 *  5. Otherwise InputError naming the key and the reason.
 * Always rejected: `${...}` patterns python-dotenv would expand, NUL (no environment variable can
 * hold it), lone UTF-16 surrogates (not writable as UTF-8), U+0085 NEL (`docker-compose config`
 * prints it raw in a quoted YAML scalar, where YAML 1.1 reads it as a line break, i.e. a space).
 * Keys must match KEY_PATTERN.
 */
import { InputError } from '@deploy-kit/shared';

export interface DotenvEntry {
  key: string;
  value: string;
}

/** POSIX-portable environment variable names; every reader accepts these as keys. */
export const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** python-dotenv's interpolation pattern (dotenv/variables.py `_posix_variable`), same in 0.21 and 1.x. */
export const PYTHON_DOTENV_VARIABLE = /\$\{[^}:]*(?::-[^}]*)?\}/;

export type Quoting = 'single' | 'double' | 'single-escaped' | 'unquoted';

/** Either how to write the value, or the reason no writing is read back identically. */
export type EncodingChoice = { quoting: Quoting; text: string } | { quoting: 'none'; reason: string };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Union of what JS, Go (unicode.IsSpace) and Python (str.isspace, \x1c-\x1f included) call whitespace.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const WHITESPACE = /[\s\x1c-\x1f\x85]/u;
// C0 controls, DEL and C1 controls: trimmed, translated or invisible somewhere along the way.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

function singleQuoteHazard(value: string): string | undefined {
  if (value.includes('\r')) return 'a carriage return (python-dotenv reads a raw CR as LF)';
  if (value.includes('\\\\')) return "two backslashes in a row (python-dotenv reads '\\\\' as one)";
  if (value.includes("\\'")) return 'a backslash before a single quote (Compose ends the value there)';
  if (value.endsWith('\\')) return 'a trailing backslash (it would escape the closing quote)';
  return undefined;
}

function unquotedHazard(value: string): string | undefined {
  if (value === '') return 'it is empty';
  if (value.includes('#')) return "a '#' (read as a comment)";
  if (value.includes('$')) return "a '$' (expanded by Compose)";
  if (CONTROL.test(value)) return 'a control character';
  if (WHITESPACE.test(value[0] ?? '') || WHITESPACE.test(value[value.length - 1] ?? ''))
    return 'whitespace at an end (trimmed)';
  if (value.startsWith("'") || value.startsWith('"')) return 'a leading quote';
  return undefined;
}

function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, "\\'")}'`;
}

function doubleQuoted(value: string): string {
  const escaped = value.replace(/[\\"\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '\n' ? '\\n' : '\\r',
  );
  return `"${escaped}"`;
}

/** Decide the quoting of one value (pure; exported for tests and for callers that want to explain). */
export function chooseEncoding(value: string): EncodingChoice {
  if (value.includes('\0'))
    return { quoting: 'none', reason: 'contains a NUL byte, which no environment variable can hold' };
  if (value.includes('\u0085'))
    return {
      quoting: 'none',
      reason:
        'contains U+0085 (NEL), which docker-compose v1 prints in its config as a line break that reads back as a space',
    };
  if (LONE_SURROGATE.test(value))
    return { quoting: 'none', reason: 'contains a lone UTF-16 surrogate, which cannot be written as UTF-8' };
  // Reasons never quote the value: values are often secrets.
  if (PYTHON_DOTENV_VARIABLE.test(value))
    return {
      quoting: 'none',
      reason:
        "contains a '${...}' reference, which python-dotenv (and docker-compose v1) expand in every quoting style; " +
        'no dotenv encoding keeps it literal',
    };

  const hasQuote = value.includes("'");
  const hasDollar = value.includes('$');
  const singleHazard = singleQuoteHazard(value);

  if (!singleHazard && !hasQuote) return { quoting: 'single', text: singleQuoted(value) };
  if (!hasDollar && !value.endsWith('\\')) return { quoting: 'double', text: doubleQuoted(value) };
  if (!singleHazard) return { quoting: 'single-escaped', text: singleQuoted(value) };
  if (!unquotedHazard(value)) return { quoting: 'unquoted', text: value };

  // Nothing fits: explain with the hazards that ruled out the quoted forms.
  if (hasDollar)
    return {
      quoting: 'none',
      reason:
        `contains both a '$' and ${singleHazard}, which no dotenv quoting keeps literal for both Compose and ` +
        "python-dotenv (only single quotes keep '$', and they cannot hold that)",
    };
  return {
    quoting: 'none',
    reason:
      `ends with a backslash and contains ${unquotedHazard(value)}: quoted, the final backslash escapes the ` +
      'closing quote for python-dotenv or Compose, and unquoted that character is not read back',
  };
}

function checkKey(key: string): void {
  if (!KEY_PATTERN.test(key))
    throw new InputError(
      `Key ${JSON.stringify(key)} is not a valid environment variable name: use letters, digits and underscores, not starting with a digit.`,
    );
}

/** One `KEY=...` line (possibly spanning lines for multi-line values). Throws InputError when no encoding is read back identically by every consumer. */
export function encodeEntry(entry: DotenvEntry): string {
  checkKey(entry.key);
  const choice = chooseEncoding(entry.value);
  if (choice.quoting === 'none') throw new InputError(`Value of '${entry.key}' ${choice.reason}.`);
  return `${entry.key}=${choice.text}`;
}

/** Whole file: entries in order, '\n' line endings, trailing newline; duplicate keys rejected. Collects ALL failures and throws one InputError listing each key and reason. */
export function encodeDotenv(entries: readonly DotenvEntry[]): string {
  const lines: string[] = [];
  const failures: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.key)) {
      failures.push(`Key '${entry.key}' appears more than once; each key may be set only once.`);
      continue;
    }
    seen.add(entry.key);
    try {
      lines.push(encodeEntry(entry));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      failures.push(error.message);
    }
  }
  if (failures.length === 1) throw new InputError(failures[0]!);
  if (failures.length > 1)
    throw new InputError(
      `${failures.length} environment entries cannot be written to a dotenv file: ${failures.join(' ')}`,
    );
  return lines.map((line) => `${line}\n`).join('');
}
