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

export { evaluatePolicy, isFalsy, isTruthy, splitList } from './policy-rules';
