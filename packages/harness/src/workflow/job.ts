import type { Job, Step } from './load';
import { rawStep, stringMap, tokenValue, type Workflow } from './load';
import { asString, truthy, type Contexts, type ExpressionEngine, type Value } from './expressions';
import { expressionDefaults, runScript, runUses, type StepHost } from './steps';
import type { Result, StepRun } from './types';

/** A job instance (one matrix combination) ready to run: its contexts and process environment. */
export interface JobInstance {
  workflow: Workflow;
  job: Job;
  contexts: Contexts;
  /** The process environment every step starts from (PATH, HOME, GITHUB_*, …). */
  baseEnv: Record<string, string>;
  workspace: string;
  timeoutMs: number;
}

/** Runs the steps in order: `if:` with the steps' status, env layered, outputs and file commands carried. */
export async function runSteps(
  engine: ExpressionEngine,
  instance: JobInstance,
  host: StepHost,
): Promise<{ result: Result; steps: StepRun[] }> {
  const { job, contexts } = instance;
  const stepsCtx: Record<string, Value> = {};
  const exported: Record<string, string> = {};
  const extraPath: string[] = [];
  const runs: StepRun[] = [];
  let failed = false;
  for (const [index, step] of job.steps.entries()) {
    const ctx: Contexts = {
      ...contexts,
      steps: stepsCtx,
      env: { ...(contexts.env as Record<string, Value>), ...exported },
    };
    const record = (outcome: Result, conclusion: Result, outputs: Record<string, string>, log = ''): void => {
      stepsCtx[step.id] = { outcome, conclusion, outputs };
      runs.push({
        id: step.id,
        uses: 'uses' in step ? String(step.uses.value) : undefined,
        outcome,
        conclusion,
        outputs,
        log,
      });
    };
    const condition = (step as Step & { if?: { expression: string } }).if?.expression ?? 'success()';
    if (!engine.condition(condition, ctx, { failed, cancelled: false })) {
      record('skipped', 'skipped', {});
      continue;
    }
    const raw = rawStep(instance.workflow, job.id.value, index);
    const stepEnv = stringMap(engine, 'env' in step ? step.env : undefined, ctx);
    const env: Record<string, string> = {
      ...instance.baseEnv,
      ...(ctx.env as Record<string, string>),
      ...stepEnv,
      PATH: [...extraPath.slice().reverse(), instance.baseEnv.PATH].join(':'),
    };
    const call = {
      run: 'run' in step ? asString(tokenValue(engine, step.run, ctx)) : undefined,
      uses: 'uses' in step ? String(step.uses.value) : undefined,
      with: {
        ...('uses' in step
          ? expressionDefaults(String(step.uses.value), host, instance.workspace, (e) =>
              asString(engine.evaluate(e, ctx)),
            )
          : {}),
        ...stringMap(engine, raw?.find('with'), ctx),
      },
      env,
      workspace: instance.workspace,
      workingDirectory: asString(tokenValue(engine, raw?.find('working-directory'), ctx)) || undefined,
      timeoutMs: instance.timeoutMs,
    };
    const effect = call.run !== undefined ? await runScript(call, host) : await runUses(call, host);
    Object.assign(exported, effect.env);
    extraPath.push(...effect.path);
    host.run.summary += effect.summary;
    const continueOnError = continueOn(engine, step, ctx);
    const outcome: Result = effect.ok ? 'success' : 'failure';
    record(outcome, effect.ok || continueOnError ? 'success' : 'failure', effect.outputs, effect.log);
    if (!effect.ok && !continueOnError) failed = true;
  }
  return { result: failed ? 'failure' : 'success', steps: runs };
}

function continueOn(engine: ExpressionEngine, step: Step, ctx: Contexts): boolean {
  const value = (step as { 'continue-on-error'?: unknown })['continue-on-error'];
  if (typeof value === 'boolean') return value;
  if (value && typeof value === 'object') return truthy(tokenValue(engine, value as never, ctx));
  return false;
}

/** strategy.matrix expanded as GitHub does: the product of the keys, minus `exclude`, plus `include`. */
export function expandMatrix(matrix: Value): Record<string, Value>[] {
  if (!matrix || typeof matrix !== 'object' || Array.isArray(matrix)) return [{}];
  const { include, exclude, ...axes } = matrix as Record<string, Value>;
  let combos: Record<string, Value>[] = [{}];
  for (const [key, values] of Object.entries(axes)) {
    const list = Array.isArray(values) ? values : [values];
    combos = combos.flatMap((c) => list.map((v) => ({ ...c, [key]: v })));
  }
  const matches = (combo: Record<string, Value>, partial: Record<string, Value>): boolean =>
    Object.entries(partial).every(([k, v]) => JSON.stringify(combo[k]) === JSON.stringify(v));
  if (Array.isArray(exclude))
    combos = combos.filter((c) => !exclude.some((e) => matches(c, e as Record<string, Value>)));
  if (Object.keys(axes).length === 0) combos = [];
  const originals = combos.map((c) => ({ ...c }));
  for (const entry of Array.isArray(include) ? (include as Record<string, Value>[]) : []) {
    let added = false;
    // An include entry extends every combination whose original values it does not overwrite.
    for (const [i, combo] of combos.entries()) {
      const original = originals[i] as Record<string, Value>;
      const clashes = Object.entries(entry).some(
        ([k, v]) => k in original && JSON.stringify(original[k]) !== JSON.stringify(v),
      );
      if (!clashes) {
        Object.assign(combo, entry);
        added = true;
      }
    }
    if (!added) combos.push({ ...entry });
  }
  return combos.length > 0 ? combos : [{}];
}
