import type { Value } from './expressions';
import { loadWorkflow, tokenValue, type MappingToken } from './load';
import { runJobs, type JobsHost } from './run-jobs';
import type { WorkflowRun } from './types';

/** workflow_call: the called workflow's jobs run inside the caller's run; its outputs come from `on.workflow_call.outputs`. */
export async function callWorkflow(
  host: JobsHost,
  caller: WorkflowRun,
  file: string,
  inputs: Record<string, Value>,
  secrets: Record<string, string>,
): Promise<WorkflowRun> {
  const workflow = await loadWorkflow(file);
  const declared = workflow.template.events.workflow_call?.inputs ?? {};
  const withDefaults: Record<string, Value> = {};
  for (const [name, spec] of Object.entries(declared))
    withDefaults[name] = (inputs[name] ?? spec.default ?? null) as Value;
  const run: WorkflowRun = {
    ...caller,
    workflow: workflow.name,
    file,
    event: { ...caller.event, inputs: withDefaults },
    jobs: {},
    outputs: {},
    summary: '',
  };
  await runJobs(workflow, run, host, secrets);
  const on = workflow.raw.find('on') as MappingToken | undefined;
  const outputs = (on?.find('workflow_call') as MappingToken | undefined)?.find('outputs') as
    MappingToken | undefined;
  const jobs: Record<string, Value> = {};
  for (const [id, j] of Object.entries(run.jobs)) jobs[id] = { result: j.result, outputs: j.outputs };
  for (const pair of outputs ?? []) {
    const value = (pair.value as MappingToken).find('value');
    run.outputs[String((pair.key as unknown as { value: string }).value)] = String(
      tokenValue(host.engine, value, { jobs, inputs: withDefaults }) ?? '',
    );
  }
  caller.summary += run.summary;
  return run;
}
