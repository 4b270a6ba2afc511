import * as path from 'node:path';
import type { StandInRequest, StandInResponse } from '../github-standin-types';
import { deref, githubDescription } from '../github-openapi';
import type { Value } from './expressions';
import type { WorkflowRun } from './types';

/**
 * GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs on the GitHub stand-in, from the
 * runner's finished runs: what `gh run list --workflow ci.yml --commit SHA` asks (release.yml finds
 * ci's run of the commit it releases, to download that run's evidence artifact). Filters: head_sha,
 * event, branch, status (a conclusion or completed), per_page. Each run is a full `workflow-run`
 * as the description has it (the stand-in checks every answer against it).
 */

export const RUNS = '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs';

type Schema = {
  type?: string;
  format?: string;
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema | { $ref: string }>;
};

/** Every required field of a schema, filled with a plausible value (URLs under `base`). */
function filler(schema: Schema | { $ref: string }, base: string, name = ''): unknown {
  const s = deref<Schema>(githubDescription(), schema);
  if (s.nullable && s.type !== 'object') return null;
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? [])
        out[key] = filler(s.properties?.[key] ?? { type: 'string' }, base, key);
      return out;
    }
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      if (s.format === 'date-time') return '2026-01-01T00:00:00Z';
      return name.endsWith('url') || s.format === 'uri' ? `${base}/${name.replace(/_?url$/, '')}` : name;
  }
}

function repository(full: string, api: string, id: number): Record<string, unknown> {
  const d = githubDescription();
  const schema = d.doc.components.schemas?.['minimal-repository'] as Schema;
  const [owner = '', name = ''] = full.split('/');
  const base = `${api}/repos/${full}`;
  return {
    ...(filler(schema, base) as Record<string, unknown>),
    id,
    node_id: Buffer.from(`Repository${id}`).toString('base64'),
    name,
    full_name: full,
    owner: {
      ...(filler({ $ref: '#/components/schemas/simple-user' }, `${api}/users/${owner}`) as object),
      login: owner,
      id: id + 1,
      type: 'Organization',
    },
    private: false,
    fork: false,
    description: null,
    html_url: `https://github.com/${full}`,
    url: base,
  };
}

export interface RunsContext {
  repository: string;
  apiUrl: string;
  /** head_branch of a finished run (the pull request's head ref, or the pushed branch or tag). */
  headBranch(run: WorkflowRun): string;
  /** owner/name of the repository the run's commit came from (a fork for a fork's pull request). */
  headRepository(run: WorkflowRun): string;
}

export function workflowRunJson(run: WorkflowRun, ctx: RunsContext): Record<string, unknown> {
  const base = `${ctx.apiUrl}/repos/${ctx.repository}/actions/runs/${run.id}`;
  const file = path.basename(run.file);
  const head = ctx.headRepository(run);
  return {
    id: run.id,
    node_id: Buffer.from(`WorkflowRun${run.id}`).toString('base64'),
    name: run.workflow,
    head_branch: ctx.headBranch(run),
    head_sha: run.event.sha,
    path: `.github/workflows/${file}`,
    display_title: run.workflow,
    run_number: run.id - 8999,
    event: run.event.name,
    status: 'completed',
    conclusion: run.conclusion,
    workflow_id: 161335,
    url: base,
    html_url: `https://github.com/${ctx.repository}/actions/runs/${run.id}`,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    head_commit: null,
    head_repository: repository(head, ctx.apiUrl, head === ctx.repository ? 1 : 2),
    repository: repository(ctx.repository, ctx.apiUrl, 1),
    jobs_url: `${base}/jobs`,
    logs_url: `${base}/logs`,
    check_suite_url: `${ctx.apiUrl}/repos/${ctx.repository}/check-suites/${run.id}`,
    cancel_url: `${base}/cancel`,
    rerun_url: `${base}/rerun`,
    artifacts_url: `${base}/artifacts`,
    workflow_url: `${ctx.apiUrl}/repos/${ctx.repository}/actions/workflows/${file}`,
    pull_requests: [],
  };
}

/** The route's answer: the runs of one workflow file, newest first, filtered as GitHub filters them. */
export function listWorkflowRuns(
  req: StandInRequest,
  runs: readonly WorkflowRun[],
  ctx: RunsContext,
): StandInResponse {
  if (`${req.params.owner}/${req.params.repo}` !== ctx.repository)
    return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
  const q = req.query;
  const status = q.get('status');
  const matching = runs
    .filter((r) => path.basename(r.file) === req.params.workflow_id)
    .filter((r) => !q.get('head_sha') || r.event.sha === q.get('head_sha'))
    .filter((r) => !q.get('event') || r.event.name === q.get('event'))
    .filter((r) => !q.get('branch') || ctx.headBranch(r) === q.get('branch'))
    .filter((r) => !status || status === 'completed' || r.conclusion === status)
    .sort((a, b) => b.id - a.id);
  const perPage = Number(q.get('per_page') ?? 30);
  return {
    status: 200,
    body: {
      total_count: matching.length,
      workflow_runs: matching.slice(0, perPage).map((r) => workflowRunJson(r, ctx)),
    },
  };
}

/** head_branch and head repository as GitHub reports them for a run's event. */
export function headOf(run: WorkflowRun, repository: string): { branch: string; repository: string } {
  const pr = run.event.payload.pull_request as Record<string, Record<string, Value>> | undefined;
  if (!pr) return { branch: run.event.ref.replace(/^refs\/(heads|tags)\//, ''), repository };
  const repo = (pr.head?.repo as Record<string, Value> | undefined)?.full_name;
  return { branch: String(pr.head?.ref), repository: typeof repo === 'string' ? repo : repository };
}

export function runsContext(repository: string, apiUrl = 'https://api.github.com'): RunsContext {
  return {
    repository,
    apiUrl,
    headBranch: (run) => headOf(run, repository).branch,
    headRepository: (run) => headOf(run, repository).repository,
  };
}
