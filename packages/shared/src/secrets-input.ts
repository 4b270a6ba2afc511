import { InputError } from './errors';
import { registerSecret } from './secrets';

/**
 * The one `secrets` format (root README, "Conventions"), accepted by every action that takes
 * secrets by name (build-images' build secrets, render-env's template secrets):
 *
 *   NAME=value lines             one per line, '#' comments and blank lines ignored
 *   a JSON object                {"NAME": "value", ...}
 *
 * Lines let a workflow pass only the secrets a step needs (least privilege, no `toJSON(secrets)`);
 * the JSON form stays for an object built elsewhere. A value on one line only: a multi-line value
 * (a key) is base64-encoded by the workflow. Errors name the line or entry, never the text.
 *
 * Every form that could hold a value is masked before parsing, so not even a malformed text can
 * reach the log.
 */
export function parseSecretsInput(
  name: string,
  text: string,
  namePattern: RegExp = /^[A-Za-z_][A-Za-z0-9_.-]*$/,
): Record<string, string> {
  maskSecretsText(text);
  const trimmed = text.trim();
  if (trimmed === '') return {};
  return trimmed.startsWith('{') ? fromJson(name, trimmed, namePattern) : fromLines(name, text, namePattern);
}

function fromJson(name: string, text: string, namePattern: RegExp): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which here is secret.
    throw new InputError(
      `'${name}' is not valid JSON; give NAME=value lines, or one JSON object of names to strings.`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InputError(`'${name}' must be NAME=value lines or one JSON object of names to strings.`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string')
      throw new InputError(
        `'${name}' entry '${key}' must be a string, got ${value === null ? 'null' : typeof value}.`,
      );
    if (!namePattern.test(key))
      throw new InputError(`'${name}' entry '${key}' is not a name of letters, digits, '.', '_' or '-'.`);
    out[key] = value;
  }
  return out;
}

function fromLines(name: string, text: string, namePattern: RegExp): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0)
      throw new InputError(
        `'${name}' line ${index + 1} is not NAME=value; a value must fit on one line (base64-encode a multi-line value such as a key).`,
      );
    const key = line.slice(0, eq).trim();
    if (!namePattern.test(key))
      throw new InputError(
        `'${name}' line ${index + 1} has a name that is not letters, digits, '.', '_' or '-' (NAME=value per line).`,
      );
    out[key] = line.slice(eq + 1);
  }
  return out;
}

/** Mask the whole text, each line, each line's value, and each JSON string in it. */
function maskSecretsText(text: string): void {
  registerSecret(text);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    registerSecret(line);
    const eq = line.indexOf('=');
    if (eq >= 0) registerSecret(line.slice(eq + 1));
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object')
      for (const value of Object.values(parsed)) if (typeof value === 'string') registerSecret(value);
  } catch {
    // not JSON: the lines above cover it
  }
}
