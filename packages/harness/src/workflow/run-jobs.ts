import * as fs from 'node:fs';
import * as path from 'node:path';
import { asString, type Contexts, type ExpressionEngine, type Value } from './expressions';
import { expandMatrix, runSteps } from './job';
import { stringMap, tokenValue, type Job, type Workflow } from './load';
import type { StepHost } from './steps';
import type { JobRun, Result, RunnerOptions, WorkflowRun } from './types';

type AnyJob = Workflow['template']['jobs'][number];

/** What a run's jobs need from the runner: options, temp space, the stand-ins' state, nested calls. */
export interface JobsHost extends Omit<StepHost, 'run'> {
  options: RunnerOptions;
  engine: ExpressionEngine;
  baseEnv: (run: WorkflowRun, job: string) => Record<string, string>;
  githubContext: (run: WorkflowRun, job: string) => Record<string, Value>;
  approve: (run: WorkflowRun, job: string, environment: string) => boolean;
  call: (
    caller: WorkflowRun,
    file: string,
    inputs: Record<string, Value>,
    secrets: Record<string, string>,
  ) => Promise<WorkflowRun>;
}

/** Runs the jobs in `needs` order; a job runs when its needs are done and its `if:` holds. */
export async function runJobs(
  workflow: Workflow,
  run: WorkflowRun,
  host: JobsHost,
  secrets: Record<string, string>,
): Promise<void> {
  const pending = [...workflow.template.jobs];
  while (pending.length > 0) {
    const next = pending.findIndex((j) => (j.needs ?? []).every((n) => run.jobs[n.value]));
    if (next < 0)
      throw new Error(
        `${workflow.file}: jobs wait on each other: ${pending.map((j) => j.id.value).join(', ')}`,
      );
    const [job] = pending.splice(next, 1) as [AnyJob];
    run.jobs[job.id.value] = await runJob(workflow, job, run, host, secrets);
  }
  const results = Object.values(run.jobs).map((j) => j.result);
  run.conclusion = results.includes('failure')
    ? 'failure'
    : results.includes('cancelled')
      ? 'cancelled'
      : 'success';
}

function needsContext(job: AnyJob, run: WorkflowRun): Record<string, Value> {
  const needs: Record<string, Value> = {};
  for (const n of job.needs ?? []) {
    const done = run.jobs[n.value] as JobRun;
    needs[n.value] = { result: done.result, outputs: done.outputs };
  }
  return needs;
}

async function runJob(
  workflow: Workflow,
  job: AnyJob,
  run: WorkflowRun,
  host: JobsHost,
  secrets: Record<string, string>,
): Promise<JobRun> {
  const id = job.id.value;
  const needs = needsContext(job, run);
  const base: Contexts = {
    github: host.githubContext(run, id),
    inputs: (run.event.inputs ?? {}) as Record<string, Value>,
    vars: host.options.vars ?? {},
    needs,
  };
  const record: JobRun = { id, result: 'skipped', outputs: {}, instances: [] };
  const needsFailed = Object.values(needs).some((n) => (n as { result: string }).result !== 'success');
  if (
    !host.engine.condition(job.if?.expression ?? 'success()', base, { failed: needsFailed, cancelled: false })
  )
    return record;
  if (job.concurrency) record.concurrency = concurrencyOf(host.engine, job.concurrency, base);

  if (job.type === 'reusableWorkflowJob')
    return callReusable(workflow, job, run, host, { base, secrets, record });

  const environment = job.environment
    ? environmentName(tokenValue(host.engine, job.environment, base))
    : undefined;
  record.environment = environment;
  const envSettings = environment ? (host.options.environments?.[environment] ?? {}) : {};
  if (environment && !host.approve(run, id, environment)) {
    record.result = 'failure';
    return record;
  }
  const strategy = (tokenValue(host.engine, job.strategy, base) ?? {}) as Record<string, Value>;
  const contexts: Contexts = {
    ...base,
    secrets: { ...secrets, ...(envSettings.secrets ?? {}) },
    vars: { ...(host.options.vars ?? {}), ...(envSettings.vars ?? {}) },
    runner: { os: 'Linux', arch: 'X64', temp: host.runnerTemp },
  };
  const workflowEnv = stringMap(host.engine, workflow.template.env, contexts);
  for (const matrix of expandMatrix(strategy.matrix ?? null)) {
    const ctx: Contexts = {
      ...contexts,
      matrix,
      strategy: { 'fail-fast': strategy['fail-fast'] ?? true },
      env: workflowEnv,
    };
    const jobEnv = { ...workflowEnv, ...stringMap(host.engine, job.env, ctx) };
    const workspace = fs.mkdtempSync(path.join(host.runnerTemp, `ws-${id}-`));
    const instance = {
      workflow,
      job: job as Job,
      contexts: { ...ctx, env: jobEnv },
      workspace,
      timeoutMs: host.options.stepTimeoutMs ?? 600_000,
    };
    const baseEnv = { ...host.baseEnv(run, id), GITHUB_WORKSPACE: workspace };
    const done = await runSteps(host.engine, { ...instance, baseEnv }, { ...host, run });
    const steps: Record<string, Value> = {};
    for (const s of done.steps)
      steps[s.id] = { outcome: s.outcome, conclusion: s.conclusion, outputs: s.outputs };
    // Outputs are evaluated once the steps are done; with a matrix, a later combination's non-empty value wins.
    const outputs = stringMap(host.engine, job.outputs, { ...instance.contexts, steps });
    for (const [k, v] of Object.entries(outputs))
      if (v !== '' || !(k in record.outputs)) record.outputs[k] = v;
    record.instances.push({ matrix, result: done.result, steps: done.steps });
  }
  record.result = record.instances.some((i) => i.result === 'failure') ? 'failure' : 'success';
  return record;
}

function environmentName(value: Value): string | undefined {
  if (value && typeof value === 'object' && !Array.isArray(value))
    return asString((value as Record<string, Value>).name ?? null) || undefined;
  return asString(value) || undefined;
}

export function concurrencyOf(
  engine: ExpressionEngine,
  token: Job['concurrency'],
  ctx: Contexts,
): { group: string; cancelInProgress: boolean } {
  const value = tokenValue(engine, token, ctx);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, Value>;
    return { group: asString(v.group ?? null), cancelInProgress: v['cancel-in-progress'] === true };
  }
  return { group: asString(value), cancelInProgress: false };
}

/** `uses: ./.github/workflows/x.yml`: the called workflow runs with the inputs and secrets given, its outputs become the job's. */
async function callReusable(
  workflow: Workflow,
  job: Extract<AnyJob, { type: 'reusableWorkflowJob' }>,
  run: WorkflowRun,
  host: JobsHost,
  at: { base: Contexts; secrets: Record<string, string>; record: JobRun },
): Promise<JobRun> {
  const inputs = (tokenValue(host.engine, job['input-values'], { ...at.base, secrets: at.secrets }) ??
    {}) as Record<string, Value>;
  const secrets = job['inherit-secrets']
    ? at.secrets
    : stringMap(host.engine, job['secret-values'], { ...at.base, secrets: at.secrets });
  const file = path.join(path.dirname(workflow.file), path.basename(job.ref.value.split('@')[0] ?? ''));
  const called = await host.call(run, file, inputs, secrets);
  return { ...at.record, result: called.conclusion, outputs: called.outputs };
}

export function conclusionOf(results: Result[]): Result {
  return results.includes('failure') ? 'failure' : results.includes('cancelled') ? 'cancelled' : 'success';
}
