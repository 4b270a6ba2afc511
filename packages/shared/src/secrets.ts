import * as core from '@actions/core';
import { quote } from 'shell-quote';
import { Masker } from './masker';

/*
 * THE MASKING RULE (one rule for every deploy-kit action; documented in the root README):
 *
 *  1. Secret values are masked whatever their length — a 3-character password or a numeric PIN
 *     too. A value is secret when it is
 *       - an explicit secret input (private-key, passphrase, registry-password, vault-password,
 *         render-env's `secrets`, build-images' `secrets`, smoke-test's metrics-token, ...);
 *       - the value of a secret key: one listed in render-env's `secret-keys` output (keys read
 *         from secrets or vault), or one whose NAME looks secret (isSecretName): it contains
 *         PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL or PRIVATE, or one of its parts
 *         (split at _ - . and camelCase) is KEY / ends in KEY, or is PIN, PASS, PWD, DSN, SALT,
 *         or is AUTH as the last part — unless the value is a flag (true, false, yes, no, on, off),
 *         which is a setting such as USE_SECRET_STORE=true, not a secret;
 *       - in an env file, any value holding a PEM private key, and the password of a URL with
 *         credentials (scheme://user:PASSWORD@host).
 *  2. Plain values are not masked: `PGHOST=127.0.0.1` must not turn every 127.0.0.1 in the log
 *     into ***.
 *  3. A mask is never only punctuation and whitespace: the lines `{`, `}` or `'` of a multi-line
 *     secret would blank every brace and quote of the log and protect nothing. (So a secret made
 *     of punctuation alone cannot be masked; the reader is warned.)
 *  4. Every form in which a secret can reach a log is registered on its own, because the runner
 *     masks only registered strings, line by line: the value, each of its lines, its JSON-escaped,
 *     shell-quoted, backslash-escaped, base64 (and base64url) and URL-encoded forms.
 */

/** Words that make a name secret wherever they appear in it. */
const SECRET_WORDS = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|PRIVATE/i;
/** Parts of a name (between _ - . or at a camelCase step) that make it secret. */
const SECRET_PARTS = new Set(['PIN', 'PASS', 'PWD', 'DSN', 'SALT', 'KEYS']);

/**
 * Whether a variable / key / header name holds a secret (see THE MASKING RULE above). Matching
 * whole parts for the short words keeps SHIPPING_URL or KEYBOARD_LAYOUT plain while DB_PASS,
 * MYSQL_PWD, SENTRY_DSN, apiKey, STRIPEKEY and ACCESS_KEY_ID are secret.
 */
export function isSecretName(name: string): boolean {
  if (SECRET_WORDS.test(name)) return true;
  const parts = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((p) => p !== '');
  if (parts.length > 0 && parts[parts.length - 1] === 'AUTH') return true;
  return parts.some((p) => SECRET_PARTS.has(p) || p.endsWith('KEY'));
}

const FLAG = /^(true|false|yes|no|on|off)$/i;

/** A key's value is secret by its name (rule 1): a secret-looking name, and not a mere flag. */
export function isSecretEntry(name: string, value: string): boolean {
  return isSecretName(name) && !FLAG.test(value.trim());
}

/** Nothing a mask could usefully hide: empty, or only punctuation, symbols and whitespace. */
export function isMaskable(form: string): boolean {
  return !/^[\s\p{P}\p{S}]*$/u.test(form);
}

/**
 * Every form in which a secret could reach a log through us: the value, each of its lines, and
 * the encodings we or the tools we call emit (JSON-escaped, shell-quoted, base64, URL-encoded).
 * The runner masks only exact matches within one log line, so each form is registered on its
 * own. Forms of only punctuation or whitespace are left out (rule 3).
 */
export function derivedForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (form: string): void => {
    if (isMaskable(form)) forms.add(form);
  };
  // A value that cannot be masked itself gets no encoded forms either: base64 of "$" is "JA",
  // which would blank every "JA" in DJANGO while protecting nothing.
  if (!isMaskable(secret)) return [];
  add(secret);
  const lines = secret.split(/\r?\n|\r/);
  if (lines.length > 1)
    for (const line of lines) {
      add(line.trim());
      add(jsonEscaped(line.trim()));
    }
  add(jsonEscaped(secret));
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

/** A string as it stands inside a JSON string literal. */
function jsonEscaped(s: string): string {
  return JSON.stringify(s).slice(1, -1);
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
/** Bumped on every new registration: what is compiled from the registry is rebuilt only then. */
let version = 0;
let compiled: { version: number; sorted: string[]; masker: Masker; withJsonSpellings: Masker } | undefined;

/** The registry sorted and compiled into maskers, once per registry state (see Masker). */
function compiledRegistry(): NonNullable<typeof compiled> {
  if (compiled?.version !== version) {
    const sorted = sortLongestFirst(registered);
    const maskable = sorted.filter(isMaskable);
    const spellings = maskable.flatMap((f) => [f, jsonEscaped(f)]).filter(isMaskable);
    compiled = { version, sorted, masker: new Masker(maskable), withJsonSpellings: new Masker(spellings) };
  }
  return compiled;
}

/**
 * Register a secret and its derived forms with the log masker, whatever its length. Call before
 * any output that could carry it. `name` (a key or input name, never the value) is used only to
 * warn when the value cannot be masked at all.
 */
export function registerSecret(secret: string | undefined | null, name?: string): void {
  if (secret == null || secret === '') return;
  const forms = derivedForms(secret);
  if (forms.length === 0 && secret.trim() !== '')
    core.warning(
      `${name ? `The value of ${name}` : 'A secret value'} is only punctuation, which cannot be masked in the log without hiding every such character; use a longer secret.`,
    );
  for (const form of forms) {
    if (registered.has(form)) continue;
    registered.add(form);
    version++;
    core.setSecret(form);
  }
}

export function registerSecrets(secrets: Iterable<string>): void {
  for (const secret of secrets) registerSecret(secret);
}

/** Forget every registered form (tests only; the runner's masks cannot be unregistered). */
export function resetMasksForTests(): void {
  registered.clear();
  version++;
}

/** Every form registered so far, longest first (the order to replace them in). */
export function registeredForms(): string[] {
  return [...compiledRegistry().sorted];
}

function sortLongestFirst(forms: Iterable<string>): string[] {
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/**
 * Replace every registered form (or the given ones) by `***`, line by line, overlapping matches
 * merged, as the runner does (see Masker). For text the runner does not mask itself — step
 * outputs, files — and for text that is cut or escaped afterwards (redact first, then cut).
 */
/**
 * redact() with the registry, and each registered form's JSON-escaped spelling too (a form
 * written inside a JSON string, as outputs and reports carry it).
 */
export function redactWithJsonSpellings(text: string): string {
  return compiledRegistry().withJsonSpellings.redact(text);
}

export function redact(text: string, forms: Iterable<string> = registered): string {
  const masker = forms === registered ? compiledRegistry().masker : new Masker([...forms].filter(isMaskable));
  return masker.redact(text);
}

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * The values of an env file (or any name → value map) that THE MASKING RULE calls secret: values
 * of secret keys (`secretKeys`, e.g. render-env's `secret-keys`, or a secret-looking name) whatever
 * their length, values holding a PEM private key, and the password of a URL with credentials
 * (as written and percent-decoded). Plain values are left out.
 */
export function secretEnvValues(
  env: Iterable<[string, string]> | Record<string, string>,
  secretKeys: Iterable<string> = [],
): string[] {
  const explicit = new Set(secretKeys);
  const entries = Symbol.iterator in env ? [...(env as Iterable<[string, string]>)] : Object.entries(env);
  const out = new Set<string>();
  for (const [key, value] of entries) {
    if (value === '') continue;
    if (explicit.has(key) || isSecretEntry(key, value) || PEM_PRIVATE_KEY.test(value)) {
      out.add(value);
      continue;
    }
    for (const password of urlPasswords(value)) out.add(password);
  }
  return [...out];
}

/** Passwords of `scheme://user:password@host` URLs in a value, as written and percent-decoded. */
export function urlPasswords(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/g)) {
    const written = m[1] as string;
    out.push(written);
    try {
      out.push(decodeURIComponent(written));
    } catch {
      // not valid percent-encoding: only the written form can appear
    }
  }
  return out;
}
