import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowTemplate, Job, Step } from '@actions/workflow-parser/model/workflow-template' with {
  'resolution-mode': 'import',
};
import type { TemplateToken, MappingToken } from '@actions/workflow-parser/templates/tokens/index' with {
  'resolution-mode': 'import',
};
import { ExpressionEngine, asString, type Contexts, type Status, type Value } from './expressions';
import { githubParsers, type GitHubParsers } from './github-parsers';

export type { WorkflowTemplate, Job, Step, TemplateToken, MappingToken };

/** A workflow file as GitHub's parser reads it: the converted model plus the raw token tree. */
export interface Workflow {
  file: string;
  /** `name:` or, as GitHub does, the file's path. */
  name: string;
  template: WorkflowTemplate;
  /** The parsed tree, for what the model drops (a step's `with:`, workflow_call outputs). */
  raw: MappingToken;
}

/** Parses and converts a workflow; any error the parser reports is thrown, with its file. */
export async function loadWorkflow(file: string, parsers?: GitHubParsers): Promise<Workflow> {
  const { workflow: wp } = parsers ?? githubParsers();
  const content = fs.readFileSync(file, 'utf8');
  const parsed = wp.parseWorkflow({ name: path.basename(file), content }, new wp.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !parsed.value)
    throw new Error(`${file}: ${errors.join('; ') || 'empty workflow'}`);
  const template = await wp.convertWorkflowTemplate(parsed.context, parsed.value);
  if (template.errors?.length)
    throw new Error(`${file}: ${template.errors.map((e) => e.Message).join('; ')}`);
  const raw = parsed.value as MappingToken;
  const name = raw.find('name');
  return { file, name: name && 'value' in name ? String(name.value) : path.basename(file), template, raw };
}

/** The raw mapping of a job's step (by index), where `with:` lives. */
export function rawStep(workflow: Workflow, jobId: string, index: number): MappingToken | undefined {
  const jobs = workflow.raw.find('jobs') as MappingToken | undefined;
  const job = jobs?.find(jobId) as MappingToken | undefined;
  const steps = job?.find('steps') as unknown as { get(i: number): TemplateToken } | undefined;
  return steps?.get(index) as MappingToken | undefined;
}

/** Evaluates a token tree: literals as they are, `${{ }}` with the engine, mappings and sequences item by item. */
export function tokenValue(
  engine: ExpressionEngine,
  token: TemplateToken | undefined,
  ctx: Contexts,
  status?: Status,
): Value {
  if (!token) return null;
  const t = token as TemplateToken & { value?: unknown; expression?: string };
  if (t.isExpression) return engine.evaluate(t.expression ?? '', ctx, status);
  if (t.isLiteral) return (t.value ?? null) as Value;
  if (isMapping(t)) {
    const out: Record<string, Value> = {};
    for (const pair of t)
      out[asString(tokenValue(engine, pair.key, ctx, status))] = tokenValue(engine, pair.value, ctx, status);
    return out;
  }
  const seq = t as unknown as Iterable<TemplateToken>;
  return [...seq].map((item) => tokenValue(engine, item, ctx, status));
}

/** A mapping token evaluated to strings (env:, with:, outputs:). */
export function stringMap(
  engine: ExpressionEngine,
  token: TemplateToken | undefined,
  ctx: Contexts,
): Record<string, string> {
  const value = tokenValue(engine, token, ctx);
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) out[k] = asString(v);
  return out;
}

function isMapping(t: TemplateToken): t is MappingToken {
  return t.templateTokenType === 2;
}

export function newEngine(): ExpressionEngine {
  return new ExpressionEngine(githubParsers());
}
