import { errorMessage, InputError, isSecretEntry } from '@deploy-kit/shared';
import { KEY_PATTERN } from './dotenv';
import { createEnvironment, HelperError } from './template-helpers';
import {
  checkReference,
  KNOWN_HELPERS,
  NAMESPACES,
  references,
  type NamespaceName,
  type Reference,
} from './template-refs';

export { checkReference, NAMESPACES, references } from './template-refs';
export { createEnvironment, HelperError } from './template-helpers';
export type { NamespaceName, Reference } from './template-refs';

/**
 * The env template: dotenv-like `KEY=<value template>` lines, blank lines and
 * `#` comments. Each value is a Handlebars template, compiled strictly:
 * a missing name is an error (never an empty string), only the built-in block
 * helpers plus `join` and `urlencode` exist, output is not HTML-escaped (the
 * rendered text is the exact value; the dotenv encoder does the quoting), and
 * prototype access stays off (the Handlebars default).
 *
 * Which keys are secret is decided from the template itself: a value whose
 * template reads `secrets.*` or `vault.*` (directly, through a block, or by
 * iterating the whole context) is secret, and so is any value that happens to
 * contain a known secret value.
 */

const SECRET_NAMESPACES: readonly string[] = ['secrets', 'vault'];

export const COMPILE_OPTIONS = {
  strict: true,
  knownHelpersOnly: true,
  noEscape: true,
  // `log` would print a value to the console and `lookup` would read names the
  // AST walk cannot see: neither is available.
  knownHelpers: { log: false, lookup: false, join: true, urlencode: true },
} as const;

export interface TemplateLine {
  /** 1-based line number in the template file. */
  line: number;
  key: string;
  /** The value template, exactly as written after the first '='. */
  source: string;
  program: hbs.AST.Program;
}

export interface ParsedTemplate {
  /** Workspace-relative path, used in every message. */
  file: string;
  lines: TemplateLine[];
  /** Line-numbered warnings (annotated on the template line). */
  warnings: { line: number; message: string }[];
}

export function problemMessage(file: string, problems: readonly { line: number; message: string }[]): string {
  if (problems.length === 1) {
    const [p] = problems as [{ line: number; message: string }];
    return `template ${file} line ${p.line}: ${p.message}`;
  }
  return `template ${file} has ${problems.length} problems: ${problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`;
}

function syntaxReason(error: unknown): string {
  const text = errorMessage(error);
  const helper = /unknown helper (\S+)/.exec(text);
  if (helper)
    return `Handlebars helper '${helper[1]}' is not available (allowed: ${KNOWN_HELPERS.join(', ')})`;
  const lines = text.split('\n');
  const expecting = lines.find((l) => l.startsWith('Expecting'));
  const reason = (expecting ?? lines[0] ?? text).replace(/ - \d+:\d+$/, '').trim();
  return `Handlebars syntax error: ${reason}`;
}

/** Partials and decorators would pull in text that is not on this line: refuse them. */
function forbiddenConstruct(node: hbs.AST.Node): string | undefined {
  switch (node.type) {
    case 'PartialStatement':
    case 'PartialBlockStatement':
      return 'partials ({{> name}}) are not allowed in env templates';
    case 'Decorator':
    case 'DecoratorBlock':
      return 'decorators ({{* name}}) are not allowed in env templates';
    default:
      return undefined;
  }
}

function walkNodes(node: hbs.AST.Node, visit: (n: hbs.AST.Node) => void): void {
  visit(node);
  const n = node as unknown as Record<string, unknown>;
  for (const key of ['body', 'params']) {
    const list = n[key];
    if (Array.isArray(list)) for (const child of list) walkNodes(child as hbs.AST.Node, visit);
  }
  for (const key of ['path', 'program', 'inverse', 'hash', 'name', 'value']) {
    const child = n[key];
    if (child && typeof child === 'object' && 'type' in child) walkNodes(child as hbs.AST.Node, visit);
  }
  if (Array.isArray(n.pairs)) for (const pair of n.pairs) walkNodes(pair as hbs.AST.Node, visit);
}

/** Parse the whole template; every problem in the file is reported at once. */
export function parseTemplate(text: string, file: string): ParsedTemplate {
  const hb = createEnvironment();
  const lines: TemplateLine[] = [];
  const warnings: ParsedTemplate['warnings'] = [];
  const problems: { line: number; message: string }[] = [];
  const firstLine = new Map<string, number>();

  // An editor's byte-order mark would otherwise become part of the first key.
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
      const eq = raw.indexOf('=');
      if (eq <= 0) {
        problems.push({ line, message: 'expected KEY=value (or a # comment)' });
        return;
      }
      const key = raw.slice(0, eq);
      const source = raw.slice(eq + 1);
      if (!KEY_PATTERN.test(key)) {
        problems.push({
          line,
          message: `'${key}' is not a valid key (keys must match ${String(KEY_PATTERN)})`,
        });
        return;
      }
      const first = firstLine.get(key);
      if (first !== undefined) {
        problems.push({ line, message: `duplicate key ${key} (first defined on line ${first})` });
        return;
      }
      firstLine.set(key, line);
      if (/^(["']).*\1$/s.test(source) && source.length >= 2)
        warnings.push({
          line,
          message: `template ${file} line ${line}: the value of ${key} is wrapped in quotes, which become part of the value (the output is quoted for you).`,
        });
      let program: hbs.AST.Program;
      try {
        program = hb.parse(source);
      } catch (error) {
        problems.push({ line, message: syntaxReason(error) });
        return;
      }
      let forbidden: string | undefined;
      walkNodes(program, (n) => {
        forbidden ??= forbiddenConstruct(n);
      });
      if (forbidden) {
        problems.push({ line, message: forbidden });
        return;
      }
      try {
        // Compiling (not just parsing) is what rejects unknown helpers under knownHelpersOnly.
        hb.precompile(program, COMPILE_OPTIONS);
      } catch (error) {
        problems.push({ line, message: syntaxReason(error) });
        return;
      }
      lines.push({ line, key, source, program });
    });

  if (problems.length > 0) throw new InputError(problemMessage(file, problems));
  return { file, lines, warnings };
}

/**
 * The render context: null-prototype objects (so `constructor`, `__proto__`
 * and friends are simply not defined) and no null entries (so strict mode
 * reports them instead of printing an empty string).
 */
export function safeContext(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(safeContext);
  if (value !== null && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = safeContext(v);
    // Without a prototype the object cannot become a string, and Handlebars builds its
    // strict-mode message (which carries the location we report) by doing exactly that.
    // A symbol key is invisible to template names.
    Object.defineProperty(out, Symbol.toPrimitive, { value: () => '[object Object]', enumerable: false });
    return out;
  }
  return value;
}

export interface RenderContext {
  vars: Record<string, unknown>;
  secrets: Record<string, string>;
  vault: Record<string, unknown>;
  env: Record<string, string>;
}

export interface RenderedEntry {
  key: string;
  value: string;
  line: number;
  /** Namespaces the value reads, in NAMESPACES order; empty for a literal. */
  sources: NamespaceName[];
  secret: boolean;
}

function namespacesOf(refs: readonly Reference[]): NamespaceName[] {
  const seen = new Set<string>();
  for (const r of refs) {
    if (r.namespaces === 'all') NAMESPACES.forEach((n) => seen.add(n));
    else r.namespaces.forEach((n) => seen.add(n));
  }
  return NAMESPACES.filter((n) => seen.has(n));
}

function runtimeReason(error: unknown, refs: readonly Reference[]): string {
  if (error instanceof HelperError) return error.message;
  const column = (error as { column?: unknown }).column;
  if (typeof column === 'number') {
    const at = refs.find((r) => r.column === column);
    if (at) return `'${at.original}' is not defined`;
  }
  // Handlebars' and V8's own messages can quote a value (e.g. "... in <the string>"):
  // never pass them on. Name the candidates the static check could not resolve.
  const dynamic = [
    ...new Set(refs.filter((r) => r.path === null && !r.original.startsWith('@')).map((r) => r.original)),
  ];
  if (dynamic.length === 1) return `'${dynamic[0]}' is not defined`;
  if (dynamic.length > 1)
    return `one of ${dynamic.map((d) => `'${d}'`).join(', ')} is not defined or is not a plain value`;
  return 'a name used inside {{#each}} or {{#with}} is not defined or is not a plain value';
}

/** Render every line, reporting every missing name in the file at once. */
export function renderTemplate(
  parsed: ParsedTemplate,
  context: RenderContext,
  secretValues: readonly string[],
): RenderedEntry[] {
  const hb = createEnvironment();
  const root = context as unknown as Record<string, unknown>;
  const safe = safeContext(context);
  const known = secretValues.filter((s) => s !== '');
  const problems: { line: number; message: string }[] = [];
  const entries: RenderedEntry[] = [];

  for (const line of parsed.lines) {
    const refs = references(line.program);
    const failed = refs.map((r) => checkReference(r, root)).filter((m): m is string => m !== undefined);
    if (failed.length > 0) {
      for (const message of new Set(failed)) problems.push({ line: line.line, message });
      continue;
    }
    let value: string;
    try {
      value = hb.compile(line.program, COMPILE_OPTIONS)(safe);
    } catch (error) {
      problems.push({ line: line.line, message: `cannot render ${line.key}: ${runtimeReason(error, refs)}` });
      continue;
    }
    if (value.includes('[object Object]') && !line.source.includes('[object Object]')) {
      problems.push({ line: line.line, message: `${line.key} renders a mapping; use one of its keys` });
      continue;
    }
    const sources = namespacesOf(refs);
    // THE MASKING RULE (packages/shared/src/secrets.ts): read from secrets or vault, named like a
    // secret, equal to a secret, or containing one long enough for containment to mean something.
    const secret =
      sources.some((n) => SECRET_NAMESPACES.includes(n)) ||
      isSecretEntry(line.key, value) ||
      known.some((s) => value === s || (s.length >= 4 && value.includes(s)));
    entries.push({ key: line.key, value, line: line.line, sources, secret });
  }
  if (problems.length > 0) throw new InputError(problemMessage(parsed.file, problems));
  return entries;
}
