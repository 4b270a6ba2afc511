import type { Expressions, GitHubParsers } from './github-parsers';

/** Plain JSON-like values: what contexts hold and what expressions yield. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Contexts = Record<string, Value>;

/** How the job (or the steps so far) stand, for success(), failure(), cancelled(), always(). */
export interface Status {
  failed: boolean;
  cancelled: boolean;
}

const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'];

/**
 * Evaluates `${{ }}` expressions with GitHub's own lexer, parser and evaluator; the runner adds the
 * status functions and hashFiles (which the evaluator leaves to the host) and the contexts.
 */
export class ExpressionEngine {
  constructor(private readonly parsers: GitHubParsers) {}

  evaluate(
    expression: string,
    contexts: Contexts,
    status: Status = { failed: false, cancelled: false },
  ): Value {
    const ex = this.parsers.expressions;
    const lexed = new ex.Lexer(expression).lex();
    const functions = statusFunctions(ex, status);
    const infos = [...functions.values()].map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs }));
    const tree = new ex.Parser(lexed.tokens, Object.keys(contexts), infos).parse();
    const context = JSON.parse(JSON.stringify(contexts), ex.data.reviver) as Expressions.data.Dictionary;
    return toPlain(new ex.Evaluator(tree, context, functions).evaluate());
  }

  /** A condition (`if:`) as the runner reads it: truthy or not. */
  condition(expression: string, contexts: Contexts, status?: Status): boolean {
    return truthy(this.evaluate(expression, contexts, status));
  }
}

function statusFunctions(ex: typeof Expressions, status: Status): Map<string, StatusFunction> {
  const { BooleanData, StringData } = ex.data;
  const value: Record<string, boolean> = {
    success: !status.failed && !status.cancelled,
    failure: status.failed && !status.cancelled,
    cancelled: status.cancelled,
    always: true,
  };
  const functions = new Map<string, StatusFunction>();
  for (const name of STATUS_FUNCTIONS)
    functions.set(name.toLowerCase(), {
      name,
      minArgs: 0,
      maxArgs: 0,
      call: () => new BooleanData(value[name] as boolean),
    });
  // The runner computes hashFiles over the workspace; the stand-ins key nothing on it.
  functions.set('hashfiles', { name: 'hashFiles', minArgs: 1, maxArgs: 255, call: () => new StringData('') });
  return functions;
}

interface StatusFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  call: (...args: Expressions.data.ExpressionData[]) => Expressions.data.ExpressionData;
}

export function truthy(v: Value): boolean {
  return !(v === null || v === false || v === 0 || v === '' || (typeof v === 'number' && Number.isNaN(v)));
}

/** The string an expression's value becomes inside a string (`format`, `run:`, `with:`). */
export function asString(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v, null, 2);
  return String(v);
}

function toPlain(d: Expressions.data.ExpressionData): Value {
  switch (d.kind) {
    case 0:
      return (d as Expressions.data.StringData).value;
    case 3:
      return (d as Expressions.data.BooleanData).value;
    case 4:
      return (d as Expressions.data.NumberData).value;
    case 6:
      return null;
    case 1:
      return (d as Expressions.data.Array).values().map(toPlain);
    default: {
      const out: Record<string, Value> = {};
      for (const { key, value } of (d as Expressions.data.Dictionary).pairs()) out[key] = toPlain(value);
      return out;
    }
  }
}
