import { derivedForms, registerSecret } from './secrets';

/**
 * The runner masks registered strings in the log only, line by line. It never
 * masks step outputs or the job summary, and it cannot mask what we cut or
 * escape ourselves: the first 59 characters of a 64-character token, or a
 * JSON-escaped value whose backslashes markdown escaping doubled. So every
 * secret is also remembered here, in each derived form and that form's
 * JSON-escaped spelling, and text is redacted BEFORE it is cut, escaped or
 * written anywhere the runner does not mask.
 *
 * maskSecret is registerSecret plus this memory. (Branch harden-deploy adds a
 * registry and a redact() to secrets.ts itself; once both are merged, one
 * registry should remain — these names do not clash with it.)
 */

export const REDACTED = '***';

const masks = new Set<string>();
/** Longest first, so a secret that contains another is replaced whole. */
let ordered: string[] = [];

/** registerSecret (the runner's masker), and remember every form for redactSecrets(). */
export function maskSecret(secret: string | undefined | null): void {
  if (secret == null) return;
  registerSecret(secret);
  let added = false;
  for (const form of derivedForms(secret)) {
    for (const spelling of [form, JSON.stringify(form).slice(1, -1)]) {
      if (spelling.trim() === '' || masks.has(spelling)) continue;
      masks.add(spelling);
      added = true;
    }
  }
  if (added) ordered = [...masks].sort((a, b) => b.length - a.length);
}

export function maskSecrets(secrets: Iterable<string>): void {
  for (const secret of secrets) maskSecret(secret);
}

/** Every masked form in `text` replaced by ***. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const form of ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
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

/** Forget every remembered form (tests only; the runner's masks cannot be unregistered). */
export function resetMasksForTests(): void {
  masks.clear();
  ordered = [];
}
