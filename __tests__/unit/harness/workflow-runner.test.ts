import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitHubStandIn } from '../../../packages/harness/src/github-standin';
import { expandMatrix } from '../../../packages/harness/src/workflow/job';
import { WorkflowRunner } from '../../../packages/harness/src/workflow/runner';
import type { RunnerOptions, WorkflowRun } from '../../../packages/harness/src/workflow/types';

// The local workflow runner, on small workflows written for each feature: GitHub's parser reads
// them, GitHub's expression engine evaluates them, steps run in bash with the file commands.

let root: string;
let origin: string;
let dir: string;
const runners: WorkflowRunner[] = [];

function git(args: string[], cwd = origin): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-unit-'));
  origin = path.join(root, 'origin');
  dir = path.join(root, 'workflows');
  fs.mkdirSync(origin);
  fs.mkdirSync(dir);
  git(['init', '--quiet', '--initial-branch=main']);
  fs.writeFileSync(path.join(origin, 'README'), 'hello\n');
  git(['add', '.']);
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'init']);
});

afterEach(() => {
  for (const r of runners.splice(0)) r.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function runner(files: Record<string, string>, options: Partial<RunnerOptions> = {}): WorkflowRunner {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const r = new WorkflowRunner({
    workflowsDir: dir,
    repository: 'example/app',
    origin,
    token: 't0k',
    ...options,
  });
  runners.push(r);
  return r;
}

const only = (runs: WorkflowRun[], name: string): WorkflowRun => {
  const found = runs.filter((r) => r.workflow === name);
  expect(found).toHaveLength(1);
  return found[0] as WorkflowRun;
};

test('jobs run in needs order with job and step outputs, env layers, file commands and if:', async () => {
  const r = runner({
    'ci.yml': `name: ci
on: push
env: { LEVEL: workflow }
jobs:
  second:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - id: s
        env: { GOT: "\${{ needs.first.outputs.word }}" }
        run: echo "seen=$GOT-$LEVEL-$FROM_ENV_FILE" >> "$GITHUB_OUTPUT"
    outputs: { seen: "\${{ steps.s.outputs.seen }}" }
  first:
    runs-on: ubuntu-latest
    env: { LEVEL: job }
    outputs: { word: "\${{ steps.w.outputs.word }}" }
    steps:
      - id: w
        run: |
          echo "word=hello" >> "$GITHUB_OUTPUT"
          echo "FROM_ENV_FILE=carried" >> "$GITHUB_ENV"
      - id: env
        run: |
          echo "level=$LEVEL" >> "$GITHUB_OUTPUT"
          echo "file=$FROM_ENV_FILE" >> "$GITHUB_OUTPUT"
      - id: skipped
        if: github.event_name == 'pull_request'
        run: exit 1
      - id: broken
        run: exit 3
        continue-on-error: true
      - id: after
        if: steps.broken.outcome == 'failure'
        run: echo "ok=yes" >> "$GITHUB_OUTPUT"
  never:
    needs: second
    if: failure()
    runs-on: ubuntu-latest
    steps: [{ run: exit 1 }]
`,
  });
  const run = only(await r.push('main'), 'ci');
  expect(run.conclusion).toBe('success');
  expect(run.jobs.first?.outputs).toEqual({ word: 'hello' });
  const steps = run.jobs.first?.instances[0]?.steps ?? [];
  expect(steps.map((s) => [s.id, s.outcome, s.conclusion])).toEqual([
    ['w', 'success', 'success'],
    ['env', 'success', 'success'],
    ['skipped', 'skipped', 'skipped'],
    ['broken', 'failure', 'success'],
    ['after', 'success', 'success'],
  ]);
  expect(steps[1]?.outputs).toEqual({ level: 'job', file: 'carried' });
  // The env file carries to later steps of the same job only.
  expect(run.jobs.second?.outputs).toEqual({ seen: 'hello-workflow-' });
  expect(run.jobs.never?.result).toBe('skipped');
});

test('matrix: product, exclude and include as GitHub expands them', () => {
  expect(
    expandMatrix({
      py: ['3.11', '3.12'],
      os: ['a', 'b'],
      exclude: [{ py: '3.11', os: 'b' }],
      include: [{ py: '3.12', extra: 1 }, { py: '3.13' }],
    }),
  ).toEqual([
    { py: '3.11', os: 'a' },
    { py: '3.12', os: 'a', extra: 1 },
    { py: '3.12', os: 'b', extra: 1 },
    { py: '3.13' },
  ]);
  expect(expandMatrix(null)).toEqual([{}]);
});

test('a matrix job runs once per combination, a failed combination fails the job', async () => {
  const r = runner({
    'm.yml': `on: push
jobs:
  t:
    strategy: { matrix: { n: [1, 2, 3] }, fail-fast: false }
    runs-on: ubuntu-latest
    steps: [{ run: 'test "\${{ matrix.n }}" != 2' }]
`,
  });
  const [run] = await r.push('main');
  expect(run?.jobs.t?.instances.map((i) => [i.matrix.n, i.result])).toEqual([
    [1, 'success'],
    [2, 'failure'],
    [3, 'success'],
  ]);
  expect(run?.conclusion).toBe('failure');
});

const DEPLOY = `name: deploy
on:
  workflow_run: { workflows: [ci], branches: [main], types: [completed] }
  workflow_dispatch:
    inputs:
      environment: { type: choice, options: [staging, production], default: staging }
      version: { type: string, required: true }
concurrency: { group: "deploy-\${{ inputs.environment || 'staging' }}", cancel-in-progress: false }
jobs:
  deploy:
    if: github.event_name == 'workflow_dispatch' || github.event.workflow_run.conclusion == 'success'
    environment: \${{ inputs.environment || 'staging' }}
    runs-on: ubuntu-latest
    outputs: { said: "\${{ steps.say.outputs.said }}" }
    steps:
      - id: say
        env: { V: "\${{ inputs.version }}", SECRET: "\${{ secrets.ONLY_STAGING }}", HEAD: "\${{ github.event.workflow_run.head_sha }}" }
        run: echo "said=$V|$SECRET|$HEAD" >> "$GITHUB_OUTPUT"
`;
const CI = `name: ci
on: { push: { branches: [main] }, pull_request: {} }
jobs:
  ok: { runs-on: ubuntu-latest, steps: [{ run: 'true' }] }
`;

test('workflow_run chains ci to deploy on main, with the approval gate and the environment secrets', async () => {
  const r = runner(
    { 'ci.yml': CI, 'deploy.yml': DEPLOY },
    { environments: { staging: { secrets: { ONLY_STAGING: 's3' } } } },
  );
  const sha = git(['rev-parse', 'HEAD']);
  const runs = await r.push('main');
  expect(runs.map((x) => [x.workflow, x.event.name, x.conclusion])).toEqual([
    ['ci', 'push', 'success'],
    ['deploy', 'workflow_run', 'success'],
  ]);
  expect(only(runs, 'deploy').jobs.deploy?.outputs.said).toBe(`|s3|${sha}`);
  expect(r.approvals).toEqual([
    expect.objectContaining({ workflow: 'deploy', environment: 'staging', approved: true }),
  ]);
});

test('a rejected approval fails the job before any step runs', async () => {
  const r = runner({ 'deploy.yml': DEPLOY }, { approve: (req) => req.environment !== 'production' });
  const [run] = await r.dispatch('deploy.yml', 'main', { environment: 'production', version: '1.0.0' });
  expect(run?.jobs.deploy?.result).toBe('failure');
  expect(run?.jobs.deploy?.instances).toEqual([]);
  expect(run?.conclusion).toBe('failure');
});

test('workflow_dispatch inputs: defaults filled, unknown, missing and off-list values refused', async () => {
  const r = runner({ 'deploy.yml': DEPLOY });
  const [run] = await r.dispatch('deploy.yml', 'main', { version: 'sha-abc1234' });
  expect(run?.jobs.deploy?.environment).toBe('staging');
  expect(run?.jobs.deploy?.outputs.said).toBe('sha-abc1234||');
  await expect(r.dispatch('deploy.yml', 'main', {})).rejects.toThrow(/Required input 'version'/);
  await expect(r.dispatch('deploy.yml', 'main', { version: 'x', environment: 'qa' })).rejects.toThrow(
    /not in the list/,
  );
  await expect(r.dispatch('deploy.yml', 'main', { version: 'x', colour: 'red' })).rejects.toThrow(
    /Unexpected inputs/,
  );
});

test('gh workflow run in a step posts to the GitHub stand-in and the dispatched run follows, concurrency keeps one pending', async () => {
  const github = await GitHubStandIn.start({ token: 't0k', owner: 'example', repo: 'app' });
  try {
    const r = runner(
      {
        'deploy.yml': DEPLOY,
        'release.yml': `name: release
on: workflow_dispatch
jobs:
  cut:
    runs-on: ubuntu-latest
    steps:
      - env: { GH_TOKEN: "\${{ github.token }}" }
        run: |
          gh workflow run deploy.yml --repo "$GITHUB_REPOSITORY" --ref main -f environment=staging -f version=first
          gh workflow run deploy.yml --repo "$GITHUB_REPOSITORY" --ref main -f environment=staging -f version=second
`,
      },
      { github },
    );
    const runs = await r.dispatch('release.yml', 'main');
    // In the order they ended: the first dispatch was still queued when the second arrived in its group.
    expect(runs.map((x) => [x.workflow, x.conclusion, x.event.inputs?.version ?? null])).toEqual([
      ['deploy', 'cancelled', 'first'],
      ['release', 'success', null],
      ['deploy', 'success', 'second'],
    ]);
    expect(github.violations).toEqual([]);
    expect(github.requests.map((q) => q.status)).toEqual([204, 204]);
  } finally {
    await github.close();
  }
});

test("gh run list finds ci's run of a commit (GitHub's workflow-run shape), download-artifact takes that run's artifact", async () => {
  const github = await GitHubStandIn.start({ token: 't0k', owner: 'example', repo: 'app' });
  try {
    const r = runner(
      {
        'ci.yml': `name: ci
on: { push: { branches: [main] }, pull_request: {} }
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p out
          printf '{"from": "%s %s"}\\n' "$GITHUB_EVENT_NAME" "$GITHUB_RUN_ID" > out/evidence.json
      - uses: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f
        with: { name: evidence, path: out/ }
`,
        'release.yml': `name: release
on: workflow_dispatch
jobs:
  cut:
    runs-on: ubuntu-latest
    steps:
      - id: ci
        env: { GH_TOKEN: "\${{ github.token }}" }
        run: |
          id=$(gh run list --repo "$GITHUB_REPOSITORY" --workflow ci.yml --commit "$GITHUB_SHA" --event push --status success --limit 1 --json databaseId,headSha --jq '.[0].databaseId // empty')
          echo "run-id=$id" >> "$GITHUB_OUTPUT"
      - uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c
        with:
          name: evidence
          path: \${{ runner.temp }}/evidence
          run-id: \${{ steps.ci.outputs.run-id }}
          github-token: \${{ github.token }}
      - id: read
        run: echo "from=$(jq -r .from "$RUNNER_TEMP/evidence/evidence.json")" >> "$GITHUB_OUTPUT"
      - uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c
        continue-on-error: true
        with: { name: evidence, run-id: "\${{ steps.ci.outputs.run-id }}" }
`,
      },
      { github },
    );
    const sha = git(['rev-parse', 'HEAD']);
    // A pull request of the same commit runs ci too: its run is not the one release takes.
    const pr = await r.pullRequest({ number: 3, headRef: 'main', sha, headRepository: 'mallory/app' });
    const [push] = await r.push('main');
    const [cut] = await r.dispatch('release.yml', 'main');
    const steps = cut?.jobs.cut?.instances[0]?.steps ?? [];
    expect(steps[0]?.outputs['run-id']).toBe(String(push?.id));
    expect(steps[2]?.outputs.from).toBe(`push ${push?.id}`);
    expect(steps[3]?.outcome).toBe('failure');
    expect(steps[3]?.log).toContain('run-id is given without github-token');
    expect(pr[0]?.id).not.toBe(push?.id);
    expect(github.violations).toEqual([]);
    expect(github.requests.find((q) => q.method === 'GET')?.status).toBe(200);
  } finally {
    await github.close();
  }
});

test('workflow_run from a fork: the branches filter matches the head branch name, the event says whose it was', async () => {
  const r = runner({ 'ci.yml': CI, 'deploy.yml': DEPLOY });
  const runs = await r.pullRequest({
    number: 7,
    headRef: 'main',
    sha: git(['rev-parse', 'HEAD']),
    headRepository: 'mallory/app',
  });
  const deploy = only(runs, 'deploy');
  // This toy deploy has no guard: the fork reaches it (workflows-examples/deploy.yml must not).
  expect(deploy.jobs.deploy?.result).toBe('success');
  expect((deploy.event.payload.workflow_run as Record<string, unknown>).head_repository).toEqual({
    full_name: 'mallory/app',
  });
  expect((deploy.event.payload.workflow_run as Record<string, unknown>).event).toBe('pull_request');
});

test('workflow_call runs the called workflow with inputs and secrets; its outputs become the job outputs', async () => {
  const r = runner(
    {
      'called.yml': `on:
  workflow_call:
    inputs: { who: { type: string, default: nobody } }
    secrets: { PASS: { required: true } }
    outputs: { greeting: { value: "\${{ jobs.g.outputs.text }}" } }
jobs:
  g:
    runs-on: ubuntu-latest
    outputs: { text: "\${{ steps.s.outputs.text }}" }
    steps: [{ id: s, env: { P: "\${{ secrets.PASS }}" }, run: 'echo "text=hi \${{ inputs.who }} $P" >> "$GITHUB_OUTPUT"' }]
`,
      'caller.yml': `on: push
jobs:
  call:
    uses: ./.github/workflows/called.yml
    with: { who: octo }
    secrets: { PASS: "\${{ secrets.TOP }}" }
  use:
    needs: call
    runs-on: ubuntu-latest
    outputs: { got: "\${{ needs.call.outputs.greeting }}" }
    steps: [{ run: 'true' }]
`,
    },
    { secrets: { TOP: 'pw' } },
  );
  const [run] = await r.push('main');
  expect(run?.jobs.use?.outputs.got).toBe('hi octo pw');
});

test('actions/checkout clones the prepared repository at the ref; an action with no stand-in fails the step', async () => {
  const first = git(['rev-parse', 'HEAD']);
  fs.writeFileSync(path.join(origin, 'README'), 'second\n');
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-am', 'two']);
  const r = runner({
    'c.yml': `on: push
jobs:
  c:
    runs-on: ubuntu-latest
    outputs: { text: "\${{ steps.r.outputs.text }}" }
    steps:
      - uses: actions/checkout@0000000000000000000000000000000000000000
        with: { ref: ${first} }
      - id: r
        run: echo "text=$(cat README)" >> "$GITHUB_OUTPUT"
      - uses: someone/unknown@v1
`,
  });
  const [run] = await r.push('main');
  expect(run?.jobs.c?.outputs.text).toBe('hello');
  expect(run?.jobs.c?.instances[0]?.steps[2]).toMatchObject({
    outcome: 'failure',
    log: 'no local stand-in for someone/unknown@v1',
  });
});

test('a workflow GitHub would refuse is refused with the parser message', async () => {
  const r = runner({
    'bad.yml': 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps: [{ run: "${{ nope( }}" }]\n',
  });
  await expect(r.push('main')).rejects.toThrow(/bad\.yml/);
});
