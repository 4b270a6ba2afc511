import type { Policy, PolicyEntry, RuleId, Rules, Violation } from './policy';

/**
 * The policy's rules, one checker each, over the rendered entries. Pure: entries in, violations
 * out. Every message names the key and the rule and never the value (values are often secrets;
 * even a fragment would be a leak).
 */

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

/** What a checker gets: the entries by key, and `at` to report a violation on a key. */
interface Check {
  entries: readonly PolicyEntry[];
  byKey: ReadonlyMap<string, PolicyEntry>;
  present(keys: readonly string[]): PolicyEntry[];
  at(key: string, message: string): void;
}

type Checker<K extends RuleId> = (rule: Rules[K], c: Check) => void;

const debugOff: Checker<'debug-off'> = (rule, c) => {
  const found = c.present(rule.keys);
  if (found.length === 0)
    c.at(rule.keys[0] as string, `${alternatives(rule.keys)} is not set; set it to False`);
  for (const e of found)
    if (!isFalsy(e.value)) c.at(e.key, `${e.key} must be False (False, false, 0, no or off)`);
};

const secretKey: Checker<'secret-key'> = (rule, c) => {
  const found = c.present(rule.keys);
  if (found.length === 0) c.at(rule.keys[0] as string, `${alternatives(rule.keys)} is not set`);
  for (const e of found) {
    if (e.value.length < rule['min-length'])
      c.at(e.key, `${e.key} is shorter than ${rule['min-length']} characters`);
    if (distinct(e.value) < rule['min-unique-chars'])
      c.at(e.key, `${e.key} has fewer than ${rule['min-unique-chars']} distinct characters`);
    const prefix = rule['forbidden-prefixes'].find((p) => e.value.startsWith(p));
    if (prefix !== undefined) c.at(e.key, `${e.key} starts with '${prefix}' (a development key)`);
  }
};

const allowedHosts: Checker<'allowed-hosts'> = (rule, c) => {
  const found = c.present(rule.keys);
  if (found.length === 0)
    c.at(rule.keys[0] as string, `${alternatives(rule.keys)} is not set; list the host names explicitly`);
  for (const e of found) {
    const hosts = splitList(e.value);
    if (hosts.length === 0) c.at(e.key, `${e.key} is empty; list the host names explicitly`);
    if (hosts.some((h) => h.includes('*')))
      c.at(e.key, `${e.key} contains a '*' wildcard; list the host names explicitly`);
  }
};

const csrfTrustedOrigins: Checker<'csrf-trusted-origins'> = (rule, c) => {
  const found = c.present(rule.keys);
  if (found.length === 0 && rule.required)
    c.at(rule.keys[0] as string, `${alternatives(rule.keys)} is not set`);
  for (const e of found) {
    const origins = splitList(e.value);
    const bad = origins.map((o, i) => (/^https:\/\/[^/\s]+/.test(o) ? 0 : i + 1)).filter((i) => i > 0);
    if (origins.length === 0) c.at(e.key, `${e.key} is empty`);
    if (bad.length > 0)
      c.at(
        e.key,
        `${e.key} ${bad.length === 1 ? 'entry' : 'entries'} ${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} not an https:// origin`,
      );
  }
};

const secureFlags: Checker<'secure-flags'> = (rule, c) => {
  for (const key of rule.keys) {
    const e = c.byKey.get(key);
    if (!e) c.at(key, `${key} is not set; set it to True`);
    else if (!isTruthy(e.value)) c.at(key, `${key} must be True (True, true, 1, yes or on)`);
  }
};

const databaseUrl: Checker<'database-url'> = (rule, c) => {
  const e = c.byKey.get(rule.key);
  if (!e) {
    if (rule.required) c.at(rule.key, `${rule.key} is not set`);
    return;
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(e.value.trim())?.[1]?.toLowerCase();
  if (!scheme) c.at(rule.key, `${rule.key} is not a URL with a scheme`);
  else if (rule['forbidden-schemes'].some((s) => scheme.startsWith(s.toLowerCase())))
    c.at(rule.key, `${rule.key} uses the ${scheme} scheme, which is not allowed here`);
};

const tokenLength: Checker<'token-length'> = (rule, c) => {
  const pattern = new RegExp(rule.pattern);
  for (const e of c.entries)
    if (pattern.test(e.key) && e.value.length < rule['min-length'])
      c.at(e.key, `${e.key} is shorter than ${rule['min-length']} characters`);
};

/** Every rule's checker, in the order violations are reported. */
const CHECKERS: { [K in RuleId]: Checker<K> } = {
  'debug-off': debugOff,
  'secret-key': secretKey,
  'allowed-hosts': allowedHosts,
  'csrf-trusted-origins': csrfTrustedOrigins,
  'secure-flags': secureFlags,
  'database-url': databaseUrl,
  'token-length': tokenLength,
};

/** Evaluate every enabled rule; returns every violation, in rule order. */
export function evaluatePolicy(policy: Policy, entries: readonly PolicyEntry[]): Violation[] {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const out: Violation[] = [];
  const check = (rule: Violation['rule']): Check => ({
    entries,
    byKey,
    present: (keys) => keys.map((k) => byKey.get(k)).filter((e): e is PolicyEntry => e !== undefined),
    at: (key, message) =>
      out.push({ rule, key, message: `${message} (rule ${rule})`, line: byKey.get(key)?.line }),
  });
  for (const id of Object.keys(CHECKERS) as RuleId[]) {
    const rule = policy.rules[id];
    if (rule.enabled) (CHECKERS[id] as Checker<RuleId>)(rule, check(id));
  }
  const required = check('required-keys');
  for (const key of policy.requiredKeys)
    if (!byKey.has(key)) required.at(key, `${key} is required by the policy but not set`);
  return out;
}
