/**
 * Compose's `${NAME}` interpolation as the env-file reader (dotenv.ts) applies it to values: a
 * port of template/template.go from compose-spec/compose-go (Substitute / SubstituteWith with its
 * default, soft/hard default and required functions). Kept apart from the line parser because it
 * is a language of its own (nested defaults, Go's error quirks); see dotenv.ts for the provenance.
 */

/** Where `${NAME}` is looked up (Compose's project environment, then the values parsed so far). */
export type Lookup = (name: string) => string | undefined;

/** Where compose-go returns an error: Compose refuses the project. */
export class ComposeGoError extends Error {}

const PATTERN_SOURCE =
  '\\$(?:(\\$)|([_a-z][_a-z0-9]*)|\\{([_a-z][_a-z0-9]*(?::?[-?](?:.*\\}|[^}]*))?)\\}|())';
const patternGlobal = () => new RegExp(PATTERN_SOURCE, 'gi');
const patternFirst = () => new RegExp(PATTERN_SOURCE, 'i');

type SubstituteFunc = (substitution: string, mapping: Lookup) => { value: string; applied: boolean };

function partition(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

const softDefault: SubstituteFunc = (substitution, mapping) => {
  if (!substitution.includes(':-')) return { value: '', applied: false };
  const [name, defaultRaw] = partition(substitution, ':-');
  const defaultValue = substitute(defaultRaw, mapping);
  const value = mapping(name);
  return { value: value === undefined || value === '' ? defaultValue : value, applied: true };
};

const hardDefault: SubstituteFunc = (substitution, mapping) => {
  if (!substitution.includes('-')) return { value: '', applied: false };
  const [name, defaultRaw] = partition(substitution, '-');
  const defaultValue = substitute(defaultRaw, mapping);
  const value = mapping(name);
  return { value: value === undefined ? defaultValue : value, applied: true };
};

function withRequired(sep: string, valid: (v: string) => boolean): SubstituteFunc {
  return (substitution, mapping) => {
    if (!substitution.includes(sep)) return { value: '', applied: false };
    const [name, messageRaw] = partition(substitution, sep);
    const message = substitute(messageRaw, mapping);
    const value = mapping(name);
    if (value === undefined || !valid(value))
      throw new ComposeGoError(`Invalid template: required variable ${name} is missing a value: ${message}`);
    return { value, applied: true };
  };
}
const requiredNonEmpty = withRequired(':?', (v) => v !== '');
const required = withRequired('?', () => true);

function defaultSortedFunctions(template: string): SubstituteFunc[] {
  const hyphen = template.indexOf('-');
  const question = template.indexOf('?');
  if (hyphen < 0 || hyphen > question) return [requiredNonEmpty, required, softDefault, hardDefault];
  return [softDefault, hardDefault, requiredNonEmpty, required];
}

function firstBraceClosingIndex(s: string): number {
  let open = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (s.startsWith('${', i)) {
      open++;
      i++;
    }
  }
  return -1;
}

/**
 * The released Compose v2 the project runs (2.26, checked in
 * __tests__/integration/shared/dotenv-compose.test.ts) keeps a `$` that starts no reference
 * (`$(id)`, a trailing `$`) as literal text, where the ported source reports an invalid template.
 * The product reads like the released Compose; the reader tests keep the source's strictness.
 * Set only for the duration of one synchronous parse.
 */
let keepInvalidDollar = false;

/** Run `parse` with keepInvalidDollar set as given, restoring the previous setting afterwards. */
export function withInvalidDollarKept<T>(keep: boolean, parse: () => T): T {
  const before = keepInvalidDollar;
  keepInvalidDollar = keep;
  try {
    return parse();
  } finally {
    keepInvalidDollar = before;
  }
}

/** template.SubstituteWith with the default pattern; throws where Go returns an error. */
function substituteWith(template: string, mapping: Lookup, funcs?: SubstituteFunc[]): string {
  const subsFuncs = funcs ?? defaultSortedFunctions(template);
  // Go keeps one `err` for the whole ReplaceAllStringFunc: an invalid `$` sets it, and a later braced
  // substitution assigns it again from f(...) (possibly back to nil). Reproduced as is.
  let err: unknown;
  const result = template.replace(patternGlobal(), (whole: string) => {
    let substring = whole;
    let rest = '';
    const closing = firstBraceClosingIndex(substring);
    if (closing > -1) {
      rest = substring.slice(closing + 1);
      substring = substring.slice(0, closing + 1);
    }
    const m = patternFirst().exec(substring);
    const escaped = m?.[1] ?? '';
    if (escaped !== '') return escaped;
    let braced = false;
    let substitution = m?.[2] ?? '';
    if (substitution === '') {
      substitution = m?.[3] ?? '';
      braced = true;
    }
    if (substitution === '') {
      if (keepInvalidDollar) return whole;
      err = new ComposeGoError(`Invalid template: ${JSON.stringify(template)}`);
      return '';
    }
    if (braced) {
      for (const f of subsFuncs) {
        let outcome: { value: string; applied: boolean };
        try {
          outcome = f(substitution, mapping);
          err = undefined;
        } catch (e) {
          err = e;
          return '';
        }
        if (!outcome.applied) continue;
        // Go shadows `err` here (`interpolatedNested, err := ...`): a nested error yields "" but is lost.
        try {
          return outcome.value + substituteWith(rest, mapping, subsFuncs);
        } catch {
          return '';
        }
      }
    }
    return mapping(substitution) ?? '';
  });
  if (err !== undefined) throw err;
  return result;
}

export function substitute(template: string, mapping: Lookup): string {
  return substituteWith(template, mapping);
}
