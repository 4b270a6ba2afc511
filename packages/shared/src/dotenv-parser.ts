/**
 * The env file's statements as compose-go reads them: a port of dotenv/parser.go (parse,
 * getStatementStart, locateKeyName, extractVarValue, expandEscapes, isSpace) and of
 * godotenv.go's ParseWithLookup loop (BOM trim; values expanded with the lookup first, then the
 * values already parsed). Go works on bytes; every character compared here is ASCII, so walking
 * UTF-16 code units gives the same cuts. See dotenv.ts for the provenance.
 */
import { ComposeGoError, substitute, type Lookup } from './dotenv-template';

const ESCAPE_SEQ = /(\\(?:[abcfnrtv$"\\]|0\d{0,3}))/g;

// unicode.IsSpace
function isUnicodeSpace(c: string): boolean {
  return /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]$/.test(c);
}
// parser.go isSpace: a space character but not a line break
function isSpace(c: string): boolean {
  return (
    c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === ' ' || c === '\u0085' || c === '\u00A0'
  );
}
function trimLeft(s: string, f: (c: string) => boolean): string {
  let i = 0;
  for (const c of s) {
    if (!f(c)) break;
    i += c.length;
  }
  return s.slice(i);
}
function trimRight(s: string, f: (c: string) => boolean): string {
  const chars = [...s];
  while (chars.length > 0 && f(chars[chars.length - 1]!)) chars.pop();
  return chars.join('');
}

/** strconv.UnquoteChar(s, '"') for the sequences ESCAPE_SEQ can match; undefined where Go errors. */
function unquoteChar(s: string): string | undefined {
  const simple: Record<string, string> = {
    a: '\x07',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\\': '\\',
    '"': '"',
  };
  const c = s[1];
  if (c === undefined) return undefined;
  if (c in simple && s.length === 2) return simple[c];
  if (/^\\[0-7]{3}$/.test(s)) {
    const v = parseInt(s.slice(1), 8);
    return v > 255 ? undefined : String.fromCharCode(v);
  }
  return undefined;
}

function expandEscapes(str: string): string {
  return str.replace(ESCAPE_SEQ, (match0: string) => {
    let match = match0;
    if (match === '\\$') return '$$';
    if (match.startsWith('\\0')) match = match.replace('\\0', '\\');
    return unquoteChar(match) ?? match;
  });
}

function getStatementStart(src: string): string {
  let pos = -1;
  for (let i = 0; i < src.length; i++) {
    if (!isUnicodeSpace(src[i]!)) {
      pos = i;
      break;
    }
  }
  if (pos === -1) return '';
  src = src.slice(pos);
  if (src[0] !== '#') return src;
  const nl = src.indexOf('\n');
  if (nl === -1) return '';
  return getStatementStart(src.slice(nl));
}

function locateKeyName(src: string): { key: string; rest: string; inherited: boolean } {
  let key = '';
  let inherited = false;
  if (/^export[\t\n\f\r ]+/.test(src)) src = trimLeft(src.slice('export'.length), isSpace);
  let offset = 0;
  let i = 0;
  loop: for (const ch of src) {
    if (!isSpace(ch)) {
      switch (ch) {
        case '=':
        case ':':
        case '\n':
          key = src.slice(0, i);
          offset = i + 1;
          inherited = ch === '\n';
          break loop;
        case '_':
        case '.':
        case '-':
        case '[':
        case ']':
          break;
        default:
          if (!/^[\p{L}\p{N}]$/u.test(ch))
            throw new ComposeGoError(
              `unexpected character ${JSON.stringify(ch)} in variable name ${JSON.stringify(src.split('\n')[0])}`,
            );
      }
    }
    i += ch.length;
  }
  if (src === '') throw new ComposeGoError('zero length string');
  key = trimRight(key, isUnicodeSpace);
  return { key, rest: trimLeft(src.slice(offset), isSpace), inherited };
}

function extractVarValue(src: string, expand: (value: string) => string): { value: string; rest: string } {
  const quote = src[0];
  if (quote !== '"' && quote !== "'") {
    const nl = src.indexOf('\n');
    let value = nl < 0 ? src : src.slice(0, nl);
    const rest = nl < 0 ? '' : src.slice(nl + 1);
    const comment = value.indexOf(' #');
    if (comment >= 0) value = value.slice(0, comment);
    value = trimRight(value, isUnicodeSpace);
    return { value: expand(value), rest };
  }
  let previousCharIsEscape = false;
  let chars = '';
  for (let i = 1; i < src.length; i++) {
    const char = src[i]!;
    if (char !== quote) {
      if (!previousCharIsEscape && char === '\\') {
        previousCharIsEscape = true;
        continue;
      }
      if (previousCharIsEscape) {
        previousCharIsEscape = false;
        chars += '\\';
      }
      chars += char;
      continue;
    }
    if (previousCharIsEscape) {
      previousCharIsEscape = false;
      chars += char;
      continue;
    }
    const value = quote === '"' ? expand(expandEscapes(chars)) : chars;
    return { value, rest: src.slice(i + 1) };
  }
  const end = src.indexOf('\n');
  throw new ComposeGoError(`unterminated quoted value ${end < 0 ? src : src.slice(0, end)}`);
}

/** godotenv.go ParseWithLookup (from its BOM trim on): the variables in file order. */
export function parseStatements(content: string, lookup: Lookup): Map<string, string> {
  const out = new Map<string, string>();
  let cutset = content.startsWith('\uFEFF') ? content.slice(1) : content;
  const expand = (value: string) => substitute(value, (k) => lookup(k) ?? out.get(k));
  for (;;) {
    cutset = getStatementStart(cutset);
    if (cutset === '') break;
    const { key, rest, inherited } = locateKeyName(cutset);
    if (key.includes(' ')) throw new ComposeGoError('key cannot contain a space');
    if (inherited) {
      const v = lookup(key);
      if (v !== undefined) out.set(key, v);
      cutset = rest;
      continue;
    }
    const { value, rest: left } = extractVarValue(rest, expand);
    out.set(key, value);
    cutset = left;
  }
  return out;
}
