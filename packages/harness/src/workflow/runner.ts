import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StandInRequest, StandInResponse } from '../github-standin-types';
import type { ExpressionEngine, Value } from './expressions';
import { loadWorkflow, newEngine, type Workflow } from './load';
import { concurrencyOf, runJobs, type JobsHost } from './run-jobs';
import { callWorkflow } from './reusable';
import { baseEnv, checkInputs, githubContext } from './run-env';
import { BUILT_IN_STAND_INS, GH_SHIM } from './stand-ins';
import { headOf, listWorkflowRuns, RUNS, runsContext } from './runs-api';
import { triggers } from './triggers';
import type { ApprovalRequest, RunEvent, RunnerOptions, RunnerState, WorkflowRun } from './types';

const DISPATCHES = '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';

/**
 * A local GitHub Actions runner for tests. Workflows are read with GitHub's parser and their
 * `${{ }}` evaluated with GitHub's expression engine; runs happen one at a time, in the order
 * events arrive: a run's completion delivers `workflow_run` to the workflows that follow it, and a
 * `gh workflow run` (or any dispatch posted to the GitHub stand-in) queues a workflow_dispatch run.
 *
 * Simulated: `on:` filters (push branches/tags, pull_request, workflow_run workflows/branches/types,
 * workflow_dispatch inputs checked as GitHub checks them, schedule), jobs in `needs` order, `if:`
 * with the status functions, env layers and the file commands, job/step outputs, matrix, the
 * environment gate (`approve`) with its secrets and vars, workflow_call, concurrency (a queued run
 * of the same group is cancelled). Not simulated: permissions and the token's scopes, runs-on,
 * timeout-minutes (a step has `stepTimeoutMs`), services and containers, cancel-in-progress of a
 * running run (runs happen one at a time), hashFiles (''), fetch-depth (checkout clones everything).
 */
export class WorkflowRunner {
  readonly runs: WorkflowRun[] = [];
  readonly approvals: (ApprovalRequest & { approved: boolean })[] = [];
  readonly state: RunnerState;
  private readonly engine: ExpressionEngine = newEngine();
  private readonly temp: string;
  private readonly queue: { workflow: Workflow; run: WorkflowRun }[] = [];
  private loaded: Workflow[] | undefined;
  private nextId = 9000;

  constructor(private readonly options: RunnerOptions) {
    this.temp = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-workflow-'));
    fs.mkdirSync(path.join(this.temp, 'bin'));
    fs.writeFileSync(path.join(this.temp, 'bin', 'gh'), GH_SHIM, { mode: 0o755 });
    for (const [name, script] of Object.entries(options.commands ?? {}))
      fs.writeFileSync(path.join(this.temp, 'bin', name), script, { mode: 0o755 });
    this.state = {
      origin: options.origin,
      cacheDir: path.join(this.temp, 'cache'),
      artifactsDir: path.join(this.temp, 'artifacts'),
      sarif: [],
    };
    options.github?.route('POST', DISPATCHES, (req) => this.onDispatch(req));
    options.github?.route('GET', RUNS, (req) =>
      listWorkflowRuns(req, this.runs, runsContext(options.repository, options.github?.url)),
    );
  }

  /** Removes the runner's temp space (workspaces, cache, artifacts). */
  close(): void {
    fs.rmSync(this.temp, { recursive: true, force: true });
  }

  async workflows(): Promise<Workflow[]> {
    if (!this.loaded) {
      const files = fs
        .readdirSync(this.options.workflowsDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .filter((f) => !(this.options.disabled ?? []).includes(f));
      this.loaded = await Promise.all(
        files.map((f) => loadWorkflow(path.join(this.options.workflowsDir, f))),
      );
    }
    return this.loaded;
  }

  /** Delivers an event: every workflow it starts runs, then every run those runs start, until none is queued. */
  async deliver(event: RunEvent): Promise<WorkflowRun[]> {
    const before = this.runs.length;
    for (const workflow of await this.workflows())
      if (triggers(workflow, event)) this.enqueue(workflow, event);
    await this.drain();
    return this.runs.slice(before);
  }

  push(ref: string, sha = this.rev(ref)): Promise<WorkflowRun[]> {
    const branch = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
    return this.deliver({
      name: 'push',
      ref: branch,
      sha,
      payload: { ref: branch, after: sha, repository: this.repoPayload() },
    });
  }

  /** A pull request from `head` (another repository's full name for a fork) into `base`. */
  pullRequest(pr: {
    number: number;
    headRef: string;
    sha: string;
    base?: string;
    headRepository?: string;
  }): Promise<WorkflowRun[]> {
    const base = pr.base ?? 'main';
    const head = {
      ref: pr.headRef,
      sha: pr.sha,
      repo: { full_name: pr.headRepository ?? this.options.repository },
    };
    return this.deliver({
      name: 'pull_request',
      ref: `refs/pull/${pr.number}/merge`,
      sha: pr.sha,
      payload: {
        action: 'opened',
        number: pr.number,
        pull_request: { number: pr.number, head, base: { ref: base } },
        repository: this.repoPayload(),
      },
    });
  }

  async dispatch(file: string, ref: string, inputs: Record<string, string> = {}): Promise<WorkflowRun[]> {
    const workflow = (await this.workflows()).find((w) => path.basename(w.file) === file);
    if (!workflow) throw new Error(`no workflow ${file} in ${this.options.workflowsDir}`);
    const problem = checkInputs(workflow, inputs);
    if (problem) throw new Error(problem);
    const before = this.runs.length;
    this.enqueue(workflow, this.dispatchEvent(workflow, ref, inputs));
    await this.drain();
    return this.runs.slice(before);
  }

  /** The cron schedule fires for this workflow (only if it declares `schedule:`). */
  async schedule(file: string, ref = 'refs/heads/main'): Promise<WorkflowRun[]> {
    const workflow = (await this.workflows()).find((w) => path.basename(w.file) === file);
    const crons = workflow?.template.events.schedule ?? [];
    if (!workflow || crons.length === 0) return [];
    const before = this.runs.length;
    this.enqueue(workflow, {
      name: 'schedule',
      ref,
      sha: this.rev(ref),
      payload: { schedule: crons[0]?.cron ?? '' },
    });
    await this.drain();
    return this.runs.slice(before);
  }

  private dispatchEvent(workflow: Workflow, ref: string, given: Record<string, string>): RunEvent {
    const full = ref.startsWith('refs/') ? ref : this.fullRef(ref);
    const inputs: Record<string, Value> = {};
    for (const [name, spec] of Object.entries(workflow.template.events.workflow_dispatch?.inputs ?? {})) {
      const raw = given[name] ?? (spec.default === undefined ? '' : String(spec.default));
      inputs[name] = spec.type === 'boolean' ? raw === 'true' : raw;
    }
    return {
      name: 'workflow_dispatch',
      ref: full,
      sha: this.rev(full),
      inputs,
      payload: { ref: full, inputs: given, repository: this.repoPayload() },
    };
  }

  private onDispatch(req: StandInRequest): StandInResponse {
    const body = req.body as { ref: string; inputs?: Record<string, string> };
    const workflow = this.loaded?.find((w) => path.basename(w.file) === req.params.workflow_id);
    if (!workflow)
      return {
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
      };
    const problem = checkInputs(workflow, body.inputs ?? {});
    if (problem)
      return { status: 422, body: { message: problem, documentation_url: 'https://docs.github.com/rest' } };
    try {
      this.enqueue(workflow, this.dispatchEvent(workflow, body.ref, body.inputs ?? {}));
    } catch {
      return {
        status: 422,
        body: { message: `No ref found for: ${body.ref}`, documentation_url: 'https://docs.github.com/rest' },
      };
    }
    return { status: 204 };
  }

  /** Queues a run; a queued run of the same concurrency group is cancelled (GitHub keeps one pending). */
  private enqueue(workflow: Workflow, event: RunEvent): WorkflowRun {
    const run: WorkflowRun = {
      id: this.nextId++,
      workflow: workflow.name,
      file: workflow.file,
      event,
      conclusion: 'skipped',
      jobs: {},
      outputs: {},
      summary: '',
    };
    if (workflow.template.concurrency) {
      const ctx = {
        github: githubContext(this.options, run, ''),
        inputs: (event.inputs ?? {}) as Record<string, Value>,
        vars: this.options.vars ?? {},
      };
      run.concurrency = concurrencyOf(this.engine, workflow.template.concurrency, ctx);
      for (const queued of this.queue.filter((q) => q.run.concurrency?.group === run.concurrency?.group)) {
        queued.run.conclusion = 'cancelled';
        this.queue.splice(this.queue.indexOf(queued), 1);
        this.runs.push(queued.run);
      }
    }
    this.queue.push({ workflow, run });
    return run;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const { workflow, run } = this.queue.shift() as { workflow: Workflow; run: WorkflowRun };
      this.options.log?.(`run ${run.id}: ${workflow.name} on ${run.event.name} ${run.event.ref}`);
      await runJobs(workflow, run, this.jobsHost(), this.secrets());
      this.runs.push(run);
      this.options.log?.(`run ${run.id}: ${workflow.name} ${run.conclusion}`);
      await this.completed(run);
    }
  }

  /** `workflow_run` completed, to every workflow that follows this one. */
  private async completed(run: WorkflowRun): Promise<void> {
    const head = headOf(run, this.options.repository);
    const payload = {
      action: 'completed',
      workflow_run: {
        id: run.id,
        name: run.workflow,
        event: run.event.name,
        conclusion: run.conclusion,
        head_branch: head.branch,
        head_sha: run.event.sha,
        head_repository: { full_name: head.repository },
        repository: { full_name: this.options.repository },
      },
      repository: this.repoPayload(),
    };
    const main = this.fullRef('main');
    const event: RunEvent = { name: 'workflow_run', ref: main, sha: this.rev(main), payload };
    for (const workflow of await this.workflows())
      if (triggers(workflow, event)) this.enqueue(workflow, event);
  }

  private jobsHost(): JobsHost {
    return {
      options: this.options,
      engine: this.engine,
      runnerTemp: this.temp,
      deployKit: this.options.deployKit ?? 'org/deploy-kit',
      standIns: { ...BUILT_IN_STAND_INS, ...(this.options.standIns ?? {}) },
      state: this.state,
      baseEnv: (run, job) => baseEnv(this.options, this.temp, run, job),
      githubContext: (run, job) => githubContext(this.options, run, job),
      approve: (run, job, environment) => {
        const request = {
          workflow: run.workflow,
          job,
          environment,
          event: run.event.name,
          ref: run.event.ref,
        };
        const approved = this.options.approve ? this.options.approve(request) : true;
        this.approvals.push({ ...request, approved });
        return approved;
      },
      call: (caller, file, inputs, secrets) =>
        callWorkflow(this.jobsHost(), caller, file, inputs, {
          ...secrets,
          GITHUB_TOKEN: this.options.token ?? '',
        }),
    };
  }

  /** workflow_call: the called workflow's jobs run inside the caller's run; its outputs come from `on.workflow_call.outputs`. */
  private secrets(): Record<string, string> {
    return { ...(this.options.secrets ?? {}), GITHUB_TOKEN: this.options.token ?? '' };
  }

  private repoPayload(): Record<string, Value> {
    return { full_name: this.options.repository, default_branch: 'main' };
  }

  private fullRef(name: string): string {
    const tag = this.tryRev(`refs/tags/${name}`);
    return tag ? `refs/tags/${name}` : `refs/heads/${name}`;
  }

  private tryRev(ref: string): string | undefined {
    try {
      return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
        cwd: this.options.origin,
        encoding: 'utf8',
      }).trim();
    } catch {
      return undefined;
    }
  }

  private rev(ref: string): string {
    const sha = this.tryRev(ref);
    if (!sha) throw new Error(`no ref ${ref} in ${this.options.origin}`);
    return sha;
  }
}
