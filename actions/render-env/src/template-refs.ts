/**
 * What a value template reads, found by walking its Handlebars AST before rendering: each name
 * with the namespaces it comes from (so a value that reads secrets.* or vault.* — directly,
 * through a block, or by iterating the whole context — is known to be secret), and a strict check
 * of every name that can be resolved without rendering.
 */

export const NAMESPACES = ['vars', 'secrets', 'vault', 'env'] as const;
export type NamespaceName = (typeof NAMESPACES)[number];

export const BLOCK_CONTEXT_HELPERS = ['each', 'with'];
export const CONDITION_HELPERS = ['if', 'unless'];
const CUSTOM_HELPERS = ['join', 'urlencode'];
export const KNOWN_HELPERS = [...BLOCK_CONTEXT_HELPERS, ...CONDITION_HELPERS, ...CUSTOM_HELPERS];

export type Namespaces = ReadonlySet<string> | 'all';

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

type Frame =
  | { kind: 'root'; params: Map<string, Namespaces> }
  | { kind: 'static'; path: string[]; namespaces: Namespaces; params: Map<string, Namespaces> }
  | { kind: 'dynamic'; namespaces: Namespaces; params: Map<string, Namespaces> };

type Stack = readonly Frame[];

interface Call {
  path: hbs.AST.PathExpression | hbs.AST.Literal;
  params: hbs.AST.Expression[];
  hash: hbs.AST.Hash;
}

function blockParamNamespaces(stack: Stack, head: string | undefined): Namespaces | undefined {
  if (head === undefined) return undefined;
  for (let i = stack.length - 1; i >= 0; i--) {
    const found = stack[i]?.params.get(head);
    if (found) return found;
  }
  return undefined;
}

function resolve(p: hbs.AST.PathExpression, stack: Stack): { path: string[] | null; namespaces: Namespaces } {
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

/** Collects every reference of one value template, keeping the block context stack. */
class ReferenceWalker {
  readonly refs: Reference[] = [];

  ref(p: hbs.AST.PathExpression, stack: Stack, output: boolean, condition: boolean): Reference {
    const r: Reference = {
      original: p.original,
      ...resolve(p, stack),
      output,
      condition,
      column: p.loc.start.column,
    };
    this.refs.push(r);
    return r;
  }

  expression(e: hbs.AST.Expression, stack: Stack, condition: boolean): void {
    if (e.type === 'PathExpression') this.ref(e as hbs.AST.PathExpression, stack, false, condition);
    else if (e.type === 'SubExpression') this.call(e as hbs.AST.SubExpression, stack);
  }

  call(node: Call, stack: Stack): void {
    const helper = (node.path as hbs.AST.PathExpression).original;
    const condition = CONDITION_HELPERS.includes(helper);
    for (const param of node.params) this.expression(param, stack, condition);
    for (const pair of node.hash?.pairs ?? []) this.expression(pair.value, stack, false);
  }

  statements(body: readonly hbs.AST.Statement[], stack: Stack): void {
    for (const s of body) {
      if (s.type === 'MustacheStatement') this.mustache(s as hbs.AST.MustacheStatement, stack);
      else if (s.type === 'BlockStatement') this.block(s as hbs.AST.BlockStatement, stack);
    }
  }

  mustache(m: hbs.AST.MustacheStatement, stack: Stack): void {
    const isPath = m.path.type === 'PathExpression';
    const name = isPath ? (m.path as hbs.AST.PathExpression).original : '';
    const isCall = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0 || KNOWN_HELPERS.includes(name);
    if (isCall) this.call(m, stack);
    else if (isPath) this.ref(m.path as hbs.AST.PathExpression, stack, true, false);
  }

  block(b: hbs.AST.BlockStatement, stack: Stack): void {
    const inner = this.innerFrame(b, stack);
    if (inner) {
      for (const name of b.program?.blockParams ?? []) inner.params.set(name, inner.namespaces);
      this.statements(b.program?.body ?? [], [...stack, inner]);
    } else {
      this.statements(b.program?.body ?? [], stack);
    }
    this.statements(b.inverse?.body ?? [], stack);
  }

  /** The context a block's body sees: a new frame for #each / #with / a section, none for #if. */
  private innerFrame(b: hbs.AST.BlockStatement, stack: Stack): Exclude<Frame, { kind: 'root' }> | undefined {
    const helper = b.path.original;
    if (BLOCK_CONTEXT_HELPERS.includes(helper)) {
      const first = b.params[0];
      this.call(b, stack);
      const target =
        first?.type === 'PathExpression'
          ? resolve(first as hbs.AST.PathExpression, stack)
          : { path: null, namespaces: new Set<string>() as Namespaces };
      return helper === 'with' && target.path
        ? { kind: 'static', path: target.path, namespaces: target.namespaces, params: new Map() }
        : { kind: 'dynamic', namespaces: target.namespaces, params: new Map() };
    }
    if (CONDITION_HELPERS.includes(helper)) {
      this.call(b, stack);
      return undefined;
    }
    // A section on a name ({{#vars.list}}...{{/vars.list}}) iterates or enters it, like #each / #with.
    const r = this.ref(b.path, stack, false, false);
    return { kind: 'dynamic', namespaces: r.namespaces, params: new Map() };
  }
}

/** Every name a value template reads, with where it comes from. */
export function references(program: hbs.AST.Program): Reference[] {
  const walker = new ReferenceWalker();
  walker.statements(program.body, [{ kind: 'root', params: new Map() }]);
  return walker.refs;
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
