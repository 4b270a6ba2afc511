import { InputError } from '@deploy-kit/shared';
import { z } from 'zod';

/**
 * Policy rules over the rendered result. Pure: entries in, violations out.
 * Every message names the key and the rule and never the value (values are
 * often secrets; even a fragment would be a leak).
 */

export const PROFILES = ['none', 'django-production', 'django-staging'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface PolicyEntry {
  key: string;
  value: string;
  line: number;
}

export interface Violation {
  rule: RuleId | 'required-keys';
  key: string;
  message: string;
  /** Template line that defines the key; absent when the key is missing. */
  line?: number;
}

export interface Rules {
  'debug-off': { enabled: boolean; keys: string[] };
  'secret-key': {
    enabled: boolean;
    keys: string[];
    'min-length': number;
    'min-unique-chars': number;
    'forbidden-prefixes': string[];
  };
  'allowed-hosts': { enabled: boolean; keys: string[] };
  'csrf-trusted-origins': { enabled: boolean; keys: string[]; required: boolean };
  'secure-flags': { enabled: boolean; keys: string[] };
  'database-url': { enabled: boolean; key: string; required: boolean; 'forbidden-schemes': string[] };
  'token-length': { enabled: boolean; pattern: string; 'min-length': number };
}
export type RuleId = keyof Rules;
export const RULE_IDS = [
  'debug-off',
  'secret-key',
  'allowed-hosts',
  'csrf-trusted-origins',
  'secure-flags',
  'database-url',
  'token-length',
] as const satisfies readonly RuleId[];

export interface Policy {
  /** Profile name, or the policy file's name when one adjusted it. */
  name: string;
  rules: Rules;
  requiredKeys: string[];
}

function baseRules(enabled: boolean): Rules {
  return {
    'debug-off': { enabled, keys: ['DEBUG', 'DJANGO_DEBUG'] },
    'secret-key': {
      enabled,
      keys: ['SECRET_KEY', 'DJANGO_SECRET_KEY'],
      // Django's own check (security.W009): 50 characters, 5 distinct, no django-insecure- prefix.
      'min-length': 50,
      'min-unique-chars': 5,
      'forbidden-prefixes': ['django-insecure-'],
    },
    'allowed-hosts': { enabled, keys: ['ALLOWED_HOSTS', 'DJANGO_ALLOWED_HOSTS'] },
    'csrf-trusted-origins': {
      enabled,
      keys: ['CSRF_TRUSTED_ORIGINS', 'DJANGO_CSRF_TRUSTED_ORIGINS'],
      required: false,
    },
    'secure-flags': { enabled, keys: ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT'] },
    'database-url': { enabled, key: 'DATABASE_URL', required: true, 'forbidden-schemes': ['sqlite'] },
    'token-length': { enabled, pattern: '_TOKEN$', 'min-length': 64 },
  };
}

export function profilePolicy(profile: ProfileName): Policy {
  const rules = baseRules(profile !== 'none');
  if (profile === 'django-staging') {
    // Staging often sits behind a plain-HTTP internal proxy and uses shorter-lived tokens.
    rules['secure-flags'].enabled = false;
    rules['token-length']['min-length'] = 32;
  }
  return { name: profile, rules, requiredKeys: [] };
}

const keyList = z.array(z.string().min(1)).min(1);
const positive = z.number().int().min(1);
const ruleOverride = <T extends z.ZodRawShape>(shape: T) =>
  z.union([z.boolean(), z.object({ enabled: z.boolean().optional(), ...shape }).strict()]);

const PolicyFileSchema = z
  .object({
    rules: z
      .object({
        'debug-off': ruleOverride({ keys: keyList.optional() }),
        'secret-key': ruleOverride({
          keys: keyList.optional(),
          'min-length': positive.optional(),
          'min-unique-chars': positive.optional(),
          'forbidden-prefixes': z.array(z.string().min(1)).optional(),
        }),
        'allowed-hosts': ruleOverride({ keys: keyList.optional() }),
        'csrf-trusted-origins': ruleOverride({ keys: keyList.optional(), required: z.boolean().optional() }),
        'secure-flags': ruleOverride({ keys: keyList.optional() }),
        'database-url': ruleOverride({
          key: z.string().min(1).optional(),
          required: z.boolean().optional(),
          'forbidden-schemes': z.array(z.string().min(1)).optional(),
        }),
        'token-length': ruleOverride({
          pattern: z.string().min(1).optional(),
          'min-length': positive.optional(),
        }),
      })
      .partial()
      .strict()
      .optional(),
    'required-keys': z.array(z.string().min(1)).optional(),
  })
  .strict();

export type PolicyFile = z.infer<typeof PolicyFileSchema>;

function describeIssue(issue: z.ZodIssue): string {
  const where = issue.path.length > 0 ? `at '${issue.path.join('.')}': ` : '';
  if (issue.code === 'unrecognized_keys') {
    const known =
      issue.path.length === 0
        ? ['rules', 'required-keys']
        : issue.path[0] === 'rules' && issue.path.length === 1
          ? RULE_IDS
          : undefined;
    return `${where}unknown ${issue.keys.length === 1 ? 'name' : 'names'} ${issue.keys.map((k) => `'${k}'`).join(', ')}${known ? ` (known: ${known.join(', ')})` : ''}`;
  }
  if (issue.code === 'invalid_union') {
    // The deepest issue comes from the branch the author meant (a mapping of options).
    const inner = issue.unionErrors
      .map((e) => e.issues[0])
      .filter((i): i is z.ZodIssue => i !== undefined && i.path.length > issue.path.length)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (inner) return describeIssue(inner);
    return `${where}expected true, false or a mapping of options`;
  }
  return `${where}${issue.message}`;
}

/** Apply a parsed policy file on top of a profile: disable a rule, change a threshold, add required keys. */
export function applyPolicyFile(base: Policy, data: unknown, source: string): Policy {
  const parsed = PolicyFileSchema.safeParse(data ?? {});
  if (!parsed.success)
    throw new InputError(`policy file ${source} ${describeIssue(parsed.error.issues[0] as z.ZodIssue)}.`);
  const rules = structuredClone(base.rules);
  for (const [id, override] of Object.entries(parsed.data.rules ?? {}) as [RuleId, unknown][]) {
    if (override === undefined) continue;
    const rule = rules[id] as { enabled: boolean } & Record<string, unknown>;
    if (typeof override === 'boolean') rule.enabled = override;
    else Object.assign(rule, { enabled: true }, override);
  }
  const tokenPattern = rules['token-length'].pattern;
  try {
    new RegExp(tokenPattern);
  } catch {
    throw new InputError(
      `policy file ${source} at 'rules.token-length.pattern': not a valid regular expression.`,
    );
  }
  return {
    name: `${base.name} + ${source}`,
    rules,
    requiredKeys: [...base.requiredKeys, ...(parsed.data['required-keys'] ?? [])],
  };
}

const FALSY = ['false', '0', 'no', 'off'];
const TRUTHY = ['true', '1', 'yes', 'on'];

export function isFalsy(value: string): boolean {
  return FALSY.includes(value.trim().toLowerCase());
}
export function isTruthy(value: string): boolean {
  return TRUTHY.includes(value.trim().toLowerCase());
}

/** Django settings read these lists comma-separated (django-environ) or space-separated. */
export function splitList(value: string): string[] {
  return value.split(/[\s,]+/).filter((item) => item !== '');
}

function distinct(value: string): number {
  return new Set([...value]).size;
}

function alternatives(keys: readonly string[]): string {
  return keys.length === 1
    ? (keys[0] as string)
    : `${keys.slice(0, -1).join(', ')} or ${keys[keys.length - 1]}`;
}

/** Evaluate every enabled rule; returns every violation, in rule order. */
export function evaluatePolicy(policy: Policy, entries: readonly PolicyEntry[]): Violation[] {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const out: Violation[] = [];
  const at = (rule: Violation['rule'], key: string, message: string): void => {
    out.push({ rule, key, message: `${message} (rule ${rule})`, line: byKey.get(key)?.line });
  };
  const present = (keys: readonly string[]): PolicyEntry[] =>
    keys.map((k) => byKey.get(k)).filter((e): e is PolicyEntry => e !== undefined);
  const r = policy.rules;

  if (r['debug-off'].enabled) {
    const found = present(r['debug-off'].keys);
    if (found.length === 0)
      at(
        'debug-off',
        r['debug-off'].keys[0] as string,
        `${alternatives(r['debug-off'].keys)} is not set; set it to False`,
      );
    for (const e of found)
      if (!isFalsy(e.value)) at('debug-off', e.key, `${e.key} must be False (False, false, 0, no or off)`);
  }

  if (r['secret-key'].enabled) {
    const rule = r['secret-key'];
    const found = present(rule.keys);
    if (found.length === 0) at('secret-key', rule.keys[0] as string, `${alternatives(rule.keys)} is not set`);
    for (const e of found) {
      if (e.value.length < rule['min-length'])
        at('secret-key', e.key, `${e.key} is shorter than ${rule['min-length']} characters`);
      if (distinct(e.value) < rule['min-unique-chars'])
        at('secret-key', e.key, `${e.key} has fewer than ${rule['min-unique-chars']} distinct characters`);
      const prefix = rule['forbidden-prefixes'].find((p) => e.value.startsWith(p));
      if (prefix !== undefined)
        at('secret-key', e.key, `${e.key} starts with '${prefix}' (a development key)`);
    }
  }

  if (r['allowed-hosts'].enabled) {
    const rule = r['allowed-hosts'];
    const found = present(rule.keys);
    if (found.length === 0)
      at(
        'allowed-hosts',
        rule.keys[0] as string,
        `${alternatives(rule.keys)} is not set; list the host names explicitly`,
      );
    for (const e of found) {
      const hosts = splitList(e.value);
      if (hosts.length === 0) at('allowed-hosts', e.key, `${e.key} is empty; list the host names explicitly`);
      if (hosts.some((h) => h.includes('*')))
        at('allowed-hosts', e.key, `${e.key} contains a '*' wildcard; list the host names explicitly`);
    }
  }

  if (r['csrf-trusted-origins'].enabled) {
    const rule = r['csrf-trusted-origins'];
    const found = present(rule.keys);
    if (found.length === 0 && rule.required)
      at('csrf-trusted-origins', rule.keys[0] as string, `${alternatives(rule.keys)} is not set`);
    for (const e of found) {
      const origins = splitList(e.value);
      const bad = origins.map((o, i) => (/^https:\/\/[^/\s]+/.test(o) ? 0 : i + 1)).filter((i) => i > 0);
      if (origins.length === 0) at('csrf-trusted-origins', e.key, `${e.key} is empty`);
      if (bad.length > 0)
        at(
          'csrf-trusted-origins',
          e.key,
          `${e.key} ${bad.length === 1 ? 'entry' : 'entries'} ${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} not an https:// origin`,
        );
    }
  }

  if (r['secure-flags'].enabled) {
    for (const key of r['secure-flags'].keys) {
      const e = byKey.get(key);
      if (!e) at('secure-flags', key, `${key} is not set; set it to True`);
      else if (!isTruthy(e.value)) at('secure-flags', key, `${key} must be True (True, true, 1, yes or on)`);
    }
  }

  if (r['database-url'].enabled) {
    const rule = r['database-url'];
    const e = byKey.get(rule.key);
    if (!e) {
      if (rule.required) at('database-url', rule.key, `${rule.key} is not set`);
    } else {
      const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(e.value.trim())?.[1]?.toLowerCase();
      if (!scheme) at('database-url', rule.key, `${rule.key} is not a URL with a scheme`);
      else if (rule['forbidden-schemes'].some((s) => scheme.startsWith(s.toLowerCase())))
        at('database-url', rule.key, `${rule.key} uses the ${scheme} scheme, which is not allowed here`);
    }
  }

  if (r['token-length'].enabled) {
    const rule = r['token-length'];
    const pattern = new RegExp(rule.pattern);
    for (const e of entries)
      if (pattern.test(e.key) && e.value.length < rule['min-length'])
        at('token-length', e.key, `${e.key} is shorter than ${rule['min-length']} characters`);
  }

  for (const key of policy.requiredKeys)
    if (!byKey.has(key)) at('required-keys', key, `${key} is required by the policy but not set`);

  return out;
}
