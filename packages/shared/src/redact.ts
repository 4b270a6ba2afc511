import { redactWithJsonSpellings, registerSecret, registerSecrets } from './secrets';

/**
 * The runner masks registered strings in the log only, line by line. It never
 * masks step outputs or the job summary, and it cannot mask what we cut or
 * escape ourselves: the first 59 characters of a 64-character token, or a
 * JSON-escaped value whose backslashes markdown escaping doubled. So text is
 * redacted with the one registry of secrets.ts BEFORE it is cut, escaped or
 * written anywhere the runner does not mask.
 */

export const REDACTED = '***';

/** registerSecret under the name the smoke-test and summary code use. */
export function maskSecret(secret: string | undefined | null): void {
  registerSecret(secret);
}

export function maskSecrets(secrets: Iterable<string>): void {
  registerSecrets(secrets);
}

/**
 * Every registered form in `text` replaced by ***, and each form's JSON-escaped spelling too (a
 * registered form written inside a JSON string, as outputs and reports carry it).
 */
export function redactSecrets(text: string): string {
  return redactWithJsonSpellings(text);
}

/** Every string inside a JSON-like value redacted (keys included); the shape is kept. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redactSecrets(k)] = redactDeep(v);
    return out as T;
  }
  return value;
}

/** JSON text for an output: strings redacted, then the text itself (for escaped spellings). */
export function redactedJson(value: unknown): string {
  return redactSecrets(JSON.stringify(redactDeep(value)));
}

/**
 * Redact, then collapse whitespace and cut to `max` characters: the order that
 * keeps a cut from leaving a prefix of a secret no mask matches.
 */
export function redactedSnippet(text: string, max = 80): string {
  const flat = redactSecrets(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
