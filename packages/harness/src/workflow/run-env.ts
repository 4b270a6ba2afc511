import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Value } from './expressions';
import type { Workflow } from './load';
import type { RunnerOptions, WorkflowRun } from './types';

/** The github context of a run, and the process environment its steps start from. */

export function githubContext(options: RunnerOptions, run: WorkflowRun, job: string): Record<string, Value> {
  const [owner = ''] = options.repository.split('/');
  return {
    event_name: run.event.name,
    event: run.event.payload,
    ref: run.event.ref,
    ref_name: run.event.ref.replace(/^refs\/(heads|tags)\//, ''),
    ref_type: run.event.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    sha: run.event.sha,
    repository: options.repository,
    repository_owner: owner,
    actor: run.event.actor ?? 'octocat',
    token: options.token ?? '',
    run_id: String(run.id),
    run_number: String(run.id - 8999),
    run_attempt: '1',
    workflow: run.workflow,
    job,
    server_url: 'https://github.com',
    api_url: options.github?.url ?? 'https://api.github.com',
  };
}

export function baseEnv(
  options: RunnerOptions,
  temp: string,
  run: WorkflowRun,
  job: string,
): Record<string, string> {
  const eventPath = path.join(temp, `event-${run.id}.json`);
  fs.writeFileSync(eventPath, JSON.stringify(run.event.payload));
  const gh = githubContext(options, run, job);
  const env: Record<string, string> = {
    HOME: process.env.HOME ?? os.homedir(),
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_PATH: eventPath,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: temp,
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...(options.env ?? {}),
    // The runner's own commands (gh, the test's) come first, also before a PATH the test gives.
    PATH: `${path.join(temp, 'bin')}:${options.env?.PATH ?? process.env.PATH ?? ''}`,
  };
  for (const key of [
    'event_name',
    'ref',
    'ref_name',
    'ref_type',
    'sha',
    'repository',
    'repository_owner',
    'actor',
    'run_id',
    'run_number',
    'run_attempt',
    'workflow',
    'job',
    'server_url',
    'api_url',
  ])
    env[`GITHUB_${key.toUpperCase()}`] = String(gh[key]);
  return env;
}

/** workflow_dispatch inputs as GitHub checks them (the messages are GitHub's). */
export function checkInputs(workflow: Workflow, given: Record<string, string>): string | undefined {
  const declared = workflow.template.events.workflow_dispatch?.inputs;
  if (!('workflow_dispatch' in workflow.template.events))
    return `${workflow.name} has no workflow_dispatch trigger`;
  for (const name of Object.keys(given))
    if (!declared?.[name]) return `Unexpected inputs provided: ["${name}"]`;
  for (const [name, spec] of Object.entries(declared ?? {})) {
    const value = given[name];
    if (spec.required && (value === undefined || value === '') && spec.default === undefined)
      return `Required input '${name}' not provided`;
    if (value !== undefined && spec.type === 'choice' && !(spec.options ?? []).includes(value))
      return `Provided value '${value}' for input '${name}' not in the list of allowed values`;
  }
  return undefined;
}
