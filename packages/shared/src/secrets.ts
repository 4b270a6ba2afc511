import * as core from '@actions/core';
import { quote } from 'shell-quote';

/**
 * Every form in which a secret could reach a log through us: the value, each of
 * its lines, and the encodings we or the tools we call emit (JSON-escaped,
 * shell-quoted, base64, URL-encoded). The runner masks only exact matches, so
 * each form must be registered on its own. Whitespace-only forms are skipped:
 * masking " " would blank the whole log and protect nothing.
 */
export function derivedForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (form: string): void => {
    if (form.trim() !== '') forms.add(form);
  };
  add(secret);
  const lines = secret.split(/\r?\n|\r/);
  if (lines.length > 1) for (const line of lines) add(line.trim());
  add(JSON.stringify(secret).slice(1, -1));
  add(quote([secret]));
  add(secret.replace(/\\/g, '\\\\').replace(/'/g, "\\'"));
  add(Buffer.from(secret, 'utf8').toString('base64'));
  add(Buffer.from(secret, 'utf8').toString('base64url'));
  const urlEncoded = urlEncode(secret);
  if (urlEncoded !== undefined) {
    add(urlEncoded);
    add(urlEncoded.replace(/%20/g, '+'));
  }
  return [...forms];
}

/** encodeURIComponent throws on a lone UTF-16 surrogate; such a value has no URL-encoded form to mask. */
function urlEncode(value: string): string | undefined {
  try {
    return encodeURIComponent(value);
  } catch {
    return undefined;
  }
}

const registered = new Set<string>();

/** Register a secret and its derived forms with the log masker. Call before any output that could carry it. */
export function registerSecret(secret: string | undefined | null): void {
  if (secret == null) return;
  for (const form of derivedForms(secret)) {
    if (registered.has(form)) continue;
    registered.add(form);
    core.setSecret(form);
  }
}

export function registerSecrets(secrets: Iterable<string>): void {
  for (const secret of secrets) registerSecret(secret);
}
