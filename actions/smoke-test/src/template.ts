/**
 * `{{ name }}` placeholders in journey steps, filled from earlier captures.
 * (GitHub evaluates `${{ }}` before we run; the bare form reaches us intact.)
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;

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
