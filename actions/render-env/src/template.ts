import Handlebars from 'handlebars';
import { errorMessage, InputError, isSecretEntry } from '@deploy-kit/shared';
import { KEY_PATTERN } from './dotenv';

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

export const NAMESPACES = ['vars', 'secrets', 'vault', 'env'] as const;
export type NamespaceName = (typeof NAMESPACES)[number];
const SECRET_NAMESPACES: readonly string[] = ['secrets', 'vault'];

const BLOCK_CONTEXT_HELPERS = ['each', 'with'];
const CONDITION_HELPERS = ['if', 'unless'];
const CUSTOM_HELPERS = ['join', 'urlencode'];
const KNOWN_HELPERS = [...BLOCK_CONTEXT_HELPERS, ...CONDITION_HELPERS, ...CUSTOM_HELPERS];

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

type Namespaces = ReadonlySet<string> | 'all';

export interface Reference {
  /** As written in the template, e.g. `vars.allowed_hosts`, `../vars.x`, `this`. */
  original: string;
  /** Path from the root context when it can be known without rendering; null inside #each. */
  path: string[] | null;
  namespaces: Namespaces;
  /** Printed by `{{path}}` (must be a value), rather than given to a helper. */
  output: boolean;
  /** An `#if`/`#unless` condition: null is a legitimate "false" there. */
  condition: boolean;
  /** 0-based column inside the value template. */
  column: number;
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

export function createEnvironment(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.unregisterHelper('log');
  hb.unregisterHelper('lookup');
  hb.registerHelper('join', function (list: unknown, ...rest: unknown[]) {
    const separator = rest.length > 1 ? rest[0] : ',';
    if (!Array.isArray(list)) throw new HelperError('join needs a list as its first argument');
    if (typeof separator !== 'string')
      throw new HelperError('join needs a string separator, e.g. {{join vars.hosts ","}}');
    if (list.some((item) => item === null || typeof item === 'object'))
      throw new HelperError('join needs a list of plain values, not of mappings or lists');
    return list.join(separator);
  });
  hb.registerHelper('urlencode', function (value: unknown, ...rest: unknown[]) {
    if (rest.length !== 1) throw new HelperError('urlencode takes exactly one argument');
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new HelperError('urlencode needs a plain value (a string or a number)');
    return encodeURIComponent(String(value));
  });
  return hb;
}

/** A failure whose message is safe to show: it never includes a value. */
export class HelperError extends Error {}

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

type Frame =
  | { kind: 'root'; params: Map<string, Namespaces> }
  | { kind: 'static'; path: string[]; namespaces: Namespaces; params: Map<string, Namespaces> }
  | { kind: 'dynamic'; namespaces: Namespaces; params: Map<string, Namespaces> };

function blockParamNamespaces(stack: readonly Frame[], head: string | undefined): Namespaces | undefined {
  if (head === undefined) return undefined;
  for (let i = stack.length - 1; i >= 0; i--) {
    const found = stack[i]?.params.get(head);
    if (found) return found;
  }
  return undefined;
}

function resolve(
  p: hbs.AST.PathExpression,
  stack: readonly Frame[],
): { path: string[] | null; namespaces: Namespaces } {
  let parts = p.parts;
  let frame: Frame;
  if (p.data) {
    if (parts[0] !== 'root') return { path: null, namespaces: new Set() }; // @index, @key, @first, @last
    parts = parts.slice(1);
    frame = stack[0] as Frame;
  } else {
    const fromParam = p.depth === 0 ? blockParamNamespaces(stack, parts[0]) : undefined;
    if (fromParam) return { path: null, namespaces: fromParam };
    frame = stack[stack.length - 1 - p.depth] ?? (stack[0] as Frame);
  }
  if (frame.kind === 'root')
    return { path: parts, namespaces: parts.length > 0 ? new Set([parts[0] as string]) : 'all' };
  if (frame.kind === 'static') return { path: [...frame.path, ...parts], namespaces: frame.namespaces };
  return { path: null, namespaces: frame.namespaces };
}

/** Every name a value template reads, with where it comes from. */
export function references(program: hbs.AST.Program): Reference[] {
  const refs: Reference[] = [];
  const root: Frame = { kind: 'root', params: new Map() };

  const ref = (
    p: hbs.AST.PathExpression,
    stack: readonly Frame[],
    output: boolean,
    condition: boolean,
  ): Reference => {
    const r: Reference = {
      original: p.original,
      ...resolve(p, stack),
      output,
      condition,
      column: p.loc.start.column,
    };
    refs.push(r);
    return r;
  };
  const expression = (e: hbs.AST.Expression, stack: readonly Frame[], condition: boolean): void => {
    if (e.type === 'PathExpression') ref(e as hbs.AST.PathExpression, stack, false, condition);
    else if (e.type === 'SubExpression') call(e as hbs.AST.SubExpression, stack);
  };
  const call = (
    node: {
      path: hbs.AST.PathExpression | hbs.AST.Literal;
      params: hbs.AST.Expression[];
      hash: hbs.AST.Hash;
    },
    stack: readonly Frame[],
  ): void => {
    const helper = (node.path as hbs.AST.PathExpression).original;
    const condition = CONDITION_HELPERS.includes(helper);
    for (const param of node.params) expression(param, stack, condition);
    for (const pair of node.hash?.pairs ?? []) expression(pair.value, stack, false);
  };
  const statements = (body: readonly hbs.AST.Statement[], stack: readonly Frame[]): void => {
    for (const s of body) {
      if (s.type === 'MustacheStatement') {
        const m = s as hbs.AST.MustacheStatement;
        const isPath = m.path.type === 'PathExpression';
        const name = isPath ? (m.path as hbs.AST.PathExpression).original : '';
        const isCall = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0 || KNOWN_HELPERS.includes(name);
        if (isCall) call(m, stack);
        else if (isPath) ref(m.path as hbs.AST.PathExpression, stack, true, false);
      } else if (s.type === 'BlockStatement') {
        const b = s as hbs.AST.BlockStatement;
        const helper = b.path.original;
        let inner: Frame | undefined;
        if (BLOCK_CONTEXT_HELPERS.includes(helper)) {
          const first = b.params[0];
          call(b, stack);
          const target =
            first?.type === 'PathExpression'
              ? resolve(first as hbs.AST.PathExpression, stack)
              : { path: null, namespaces: new Set<string>() as Namespaces };
          inner =
            helper === 'with' && target.path
              ? { kind: 'static', path: target.path, namespaces: target.namespaces, params: new Map() }
              : { kind: 'dynamic', namespaces: target.namespaces, params: new Map() };
        } else if (CONDITION_HELPERS.includes(helper)) {
          call(b, stack);
        } else {
          // A section on a name ({{#vars.list}}...{{/vars.list}}) iterates or enters it, like #each / #with.
          const r = ref(b.path, stack, false, false);
          inner = { kind: 'dynamic', namespaces: r.namespaces, params: new Map() };
        }
        if (inner && inner.kind !== 'root') {
          const ns = inner.namespaces;
          for (const name of b.program?.blockParams ?? []) inner.params.set(name, ns);
          statements(b.program?.body ?? [], [...stack, inner]);
        } else {
          statements(b.program?.body ?? [], stack);
        }
        statements(b.inverse?.body ?? [], stack);
      }
    }
  };
  statements(program.body, [root]);
  return refs;
}

function hasOwn(value: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/**
 * Check a name that can be resolved before rendering. Handlebars' own strict
 * mode only covers `{{name}}` output (not helper arguments such as `#if` or
 * `#each`) and lets null through as an empty string; this closes both gaps.
 */
export function checkReference(ref: Reference, root: Record<string, unknown>): string | undefined {
  if (!ref.path) return undefined;
  const shown = (n: number): string => (ref.path as string[]).slice(0, n).join('.') || 'this';
  let current: unknown = root;
  for (let i = 0; i < ref.path.length; i++) {
    const part = ref.path[i] as string;
    if (current === null || typeof current !== 'object') {
      return `'${shown(i + 1)}' is not defined ('${shown(i)}' is ${kindOf(current)})`;
    }
    if (Array.isArray(current)) {
      if (part === 'length') current = current.length;
      else if (/^\d+$/.test(part) && Number(part) < current.length) current = current[Number(part)];
      else return `'${shown(i + 1)}' is not defined ('${shown(i)}' is a list of ${current.length})`;
    } else if (hasOwn(current, part)) {
      current = (current as Record<string, unknown>)[part];
    } else {
      const ns = ref.path[0] as string;
      const hint =
        i === 0 && !(NAMESPACES as readonly string[]).includes(ns)
          ? ` (names start with ${NAMESPACES.map((n) => `${n}.`).join(', ')})`
          : i === 1 && ns === 'env'
            ? " (env.name is the 'environment' input)"
            : '';
      return `'${shown(i + 1)}' is not defined${hint}`;
    }
    if (current === null && !(ref.condition && i === ref.path.length - 1)) return `'${shown(i + 1)}' is null`;
  }
  if (ref.output && current !== null && typeof current === 'object') {
    if (!Array.isArray(current)) return `'${shown(ref.path.length)}' is a mapping; use one of its keys`;
    if (current.some((item) => item === null || typeof item === 'object'))
      return `'${shown(ref.path.length)}' is a list of mappings or lists; use {{#each}} or {{join}}`;
  }
  return undefined;
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
