import { InputError, parseYamlOrJson, validate } from '@deploy-kit/shared';
import type { z } from 'zod';
import { lazySchemas } from './lazy-schemas';

/**
 * The ignore file: each entry names a vulnerability (its id or any alias), says
 * why it is accepted, and until when. Applied after the audit — not through
 * pip-audit's --ignore-vuln — so an ignored finding still shows in the summary,
 * an expired entry fails the gate, and an entry that matches nothing is stale.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;

// Built on first use (an ignore file is optional), not at start-up (#18 B6).
function buildSchemas(zod: typeof z) {
  const EntrySchema = zod
    .object({
      id: zod
        .string({ required_error: 'needs an id (the advisory id or any alias)' })
        .trim()
        .min(1, 'needs an id (the advisory id or any alias)'),
      reason: zod
        .string({ required_error: 'needs a reason: say why this vulnerability is accepted' })
        .trim()
        .min(1, 'needs a reason: say why this vulnerability is accepted'),
      expires: zod
        .string({
          required_error: 'needs expires, a date such as 2026-12-31',
          invalid_type_error: 'expires must be a date such as 2026-12-31',
        })
        .refine(
          (d) =>
            DATE.test(d) &&
            !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) &&
            new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
          {
            message: 'expires must be a date such as 2026-12-31',
          },
        ),
      package: zod.string().trim().min(1).optional(),
    })
    .strict();
  return { EntrySchema, FileSchema: zod.array(EntrySchema) };
}

type Schemas = ReturnType<typeof buildSchemas>;
const ignoreSchemas = lazySchemas(buildSchemas);

export type IgnoreEntry = z.infer<Schemas['EntrySchema']>;

export function parseIgnoreFile(name: string, text: string): IgnoreEntry[] {
  if (text.trim() === '') return [];
  // Dates stay strings: the YAML core schema has no timestamp type.
  const doc = parseYamlOrJson(name, text);
  const list = Array.isArray(doc) ? doc : (doc as { ignores?: unknown } | null)?.ignores;
  if (!Array.isArray(list) || (!Array.isArray(doc) && Object.keys(doc as object).length !== 1))
    throw new InputError(
      `'${name}' must be a list under 'ignores:' of entries with id, reason and expires (YYYY-MM-DD).`,
    );
  const entries = validate(name, ignoreSchemas().FileSchema, list);
  const seen = new Set<string>();
  for (const e of entries) {
    const key = `${e.id.toUpperCase()} ${e.package ?? ''}`;
    if (seen.has(key))
      throw new InputError(`'${name}' lists ${e.id} twice; keep one entry per vulnerability.`);
    seen.add(key);
  }
  return entries;
}

export interface Matchable {
  id: string;
  aliases: readonly string[];
  package: string;
}

export function matches(entry: IgnoreEntry, finding: Matchable, normalize: (n: string) => string): boolean {
  const ids = [finding.id, ...finding.aliases].map((x) => x.toUpperCase());
  if (!ids.includes(entry.id.toUpperCase())) return false;
  return entry.package === undefined || normalize(entry.package) === finding.package;
}

export function isExpired(entry: IgnoreEntry, today: string): boolean {
  return entry.expires < today;
}

/** Days from today (YYYY-MM-DD) to the entry's expiry; negative once expired. */
export function daysLeft(entry: IgnoreEntry, today: string): number {
  return Math.round(
    (Date.parse(`${entry.expires}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000,
  );
}

export interface IgnoreVerdict<F> {
  /** Each finding with the entry that covers it (if valid), or the expired entry that no longer does. */
  findings: { finding: F; ignoredBy?: IgnoreEntry; expiredIgnore?: IgnoreEntry }[];
  /** Entries that matched no finding. */
  stale: IgnoreEntry[];
  /** Entries still matching something, past their date. */
  expired: IgnoreEntry[];
  /** Valid entries in use that expire within the warning window. */
  expiringSoon: IgnoreEntry[];
}

export function applyIgnores<F extends Matchable>(
  findings: readonly F[],
  entries: readonly IgnoreEntry[],
  options: { today: string; warnDays: number; normalize: (n: string) => string },
): IgnoreVerdict<F> {
  const used = new Set<IgnoreEntry>();
  const out = findings.map((finding) => {
    const entry = entries.find((e) => matches(e, finding, options.normalize));
    if (!entry) return { finding };
    used.add(entry);
    return isExpired(entry, options.today)
      ? { finding, expiredIgnore: entry }
      : { finding, ignoredBy: entry };
  });
  const inUse = entries.filter((e) => used.has(e));
  return {
    findings: out,
    stale: entries.filter((e) => !used.has(e)),
    expired: inUse.filter((e) => isExpired(e, options.today)),
    expiringSoon: inUse.filter(
      (e) => !isExpired(e, options.today) && daysLeft(e, options.today) <= options.warnDays,
    ),
  };
}

export function expiredMessage(entries: readonly IgnoreEntry[]): string {
  return entries
    .map(
      (e) =>
        `the ignore for ${e.id} ("${e.reason}") expired on ${e.expires}; fix the dependency or renew the entry with a new date`,
    )
    .join('; ');
}
