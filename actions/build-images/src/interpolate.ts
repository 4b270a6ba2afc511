import { InputError } from '@deploy-kit/shared';

/**
 * Compose variable interpolation (compose-spec "Interpolation"): `$VAR`,
 * `${VAR}`, `${VAR:-default}` / `${VAR-default}`, `${VAR:?error}` /
 * `${VAR?error}`, `${VAR:+alt}` / `${VAR+alt}`, `$$` for a literal `$`, with
 * nested expressions in the default. A scanner rather than one regex because
 * defaults may contain `${...}` themselves.
 */
export type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Index of the `}` that closes the `${` opened just before `start`. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export function interpolate(text: string, env: Env, where: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new InputError(`${where} has an unclosed '\${' in '${text}'.`);
      out += expand(text.slice(i + 2, end), env, where, text);
      i = end + 1;
      continue;
    }
    const name = NAME.exec(text.slice(i + 1))?.[0];
    if (name) {
      out += env[name] ?? '';
      i += 1 + name.length;
      continue;
    }
    out += '$';
    i++;
  }
  return out;
}

function expand(body: string, env: Env, where: string, whole: string): string {
  const name = NAME.exec(body)?.[0];
  if (!name) throw new InputError(`${where} has an invalid variable '\${${body}}' in '${whole}'.`);
  const rest = body.slice(name.length);
  const value = env[name];
  if (rest === '') return value ?? '';
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw new InputError(`${where} has an invalid variable '\${${body}}' in '${whole}'.`);
  const arg = () => interpolate(rest.slice(op.length), env, where);
  const unsetOrEmpty = value === undefined || value === '';
  switch (op) {
    case ':-':
      return unsetOrEmpty ? arg() : (value as string);
    case '-':
      return value === undefined ? arg() : value;
    case ':+':
      return unsetOrEmpty ? '' : arg();
    case '+':
      return value === undefined ? '' : arg();
    case ':?':
    case '?':
      if (op === ':?' ? unsetOrEmpty : value === undefined) {
        const message = arg();
        throw new InputError(`${where} requires the variable ${name}${message ? `: ${message}` : ''}.`);
      }
      return value as string;
    default:
      return value ?? '';
  }
}
