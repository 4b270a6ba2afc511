/**
 * `{{ name }}` placeholders in journey steps, filled from earlier captures, and
 * `{{ secrets.NAME }}` anywhere a capture may stand, filled from the `secrets` input.
 * (GitHub evaluates `${{ }}` before we run; the bare form reaches us intact.)
 */
const PLACEHOLDER = /\{\{\s*(secrets\.[A-Za-z_][\w.-]*|[A-Za-z_][\w-]*)\s*\}\}/g;

/** The prefix of a placeholder filled from the `secrets` input rather than a capture. */
export const SECRET_PREFIX = 'secrets.';

/** `{{ secrets.NAME }}` placeholders are filled from these keys: `secrets.NAME` → value. */
export function secretVars(secrets: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([name, value]) => [SECRET_PREFIX + name, value]));
}

export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

export class MissingVariable extends Error {
  constructor(readonly variable: string) {
    super(`variable '${variable}' has not been captured`);
  }
}

export function fill(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_all, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new MissingVariable(name);
    return value;
  });
}
