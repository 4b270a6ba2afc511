import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitHubStandIn, REPO_ROOT } from '@deploy-kit/harness';
import { WorkflowRunner } from '../../../packages/harness/src/workflow/runner';
import type { ActionStandIn, WorkflowRun } from '../../../packages/harness/src/workflow/types';

// The wiring of workflows-examples/ through the local runner, with deploy-kit's own actions stood
// in for (what each step receives is recorded): the triggers, the expressions and the hand-offs
// between ci, deploy and release. The sandbox tier runs the same files with the real bundles.

const LINT_GATE =
  '{"status":"passed","gates":{"pytest":{"status":"passed","counts":{"tests":3,"passed":3}}}}';
const PIP_AUDIT = '{"status":"passed","vulnerabilityCount":0,"findings":[]}';
const IMAGES = '{"web":"ghcr.io/example/app/web:sha-0123abc@sha256:' + 'ab'.repeat(32) + '"}';
const JOURNEY = '{"status":"passed","passedCount":2,"failedCount":0}';
const DEPLOYED = '{"status":"passed","version":"sha-0123abc"}';

let origin: string;
let github: GitHubStandIn;
let runner: WorkflowRunner;
let head: string;
const calls: { uses: string; with: Record<string, string> }[] = [];

const record =
  (outputs: (w: Record<string, string>) => Record<string, string> = () => ({})): ActionStandIn =>
  ({ uses, with: w }) => {
    calls.push({ uses, with: w });
    return { outputs: outputs(w) };
  };

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: origin, encoding: 'utf8' }).trim();
}

beforeEach(async () => {
  calls.length = 0;
  origin = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-examples-'));
  git(['init', '--quiet', '--initial-branch=main']);
  fs.writeFileSync(path.join(origin, 'requirements.txt'), '');
  git(['add', '.']);
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'feat: first']);
  head = git(['rev-parse', 'HEAD']);
  github = await GitHubStandIn.start({ token: 'ghs_token', owner: 'example', repo: 'app' });
  runner = exampleRunner(['ci-sharded.yml']);
});

// ci-sharded.yml is a drop-in replacement for ci.yml (same workflow name, `ci`, which deploy.yml
// follows): a repository has one or the other, so each run of the examples leaves the other out.
function listed(dir: string): string[] {
  return fs.existsSync(dir)
    ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    : [];
}

function exampleRunner(disabled: string[], extra: Record<string, ActionStandIn> = {}): WorkflowRunner {
  return new WorkflowRunner({
    disabled,
    workflowsDir: path.join(REPO_ROOT, 'workflows-examples'),
    repository: 'example/app',
    origin,
    github,
    token: 'ghs_token',
    // ci's own `pip install` of the app's requirements: nothing to install here.
    commands: { pip: '#!/bin/sh\nexit 0\n' },
    standIns: {
      'org/deploy-kit/lint-gate': record(() => ({ results: LINT_GATE })),
      'org/deploy-kit/pip-audit': record(() => ({ results: PIP_AUDIT })),
      'org/deploy-kit/build-images': record(() => ({ images: IMAGES })),
      'org/deploy-kit/smoke-test': record(() => ({ results: JOURNEY })),
      'org/deploy-kit': record((w) => ({ version: w.version ?? '', results: DEPLOYED })),
      'org/deploy-kit/tag-release': record((w) => {
        if (w.mode === 'annotate') return {} as Record<string, string>;
        const tag = w.mode === 'promote' ? 'v1.0.0' : 'v1.0.0-rc.1';
        git(['tag', tag]);
        return { bump: 'major', tag, version: tag.slice(1), sha: head };
      }),
      ...extra,
    },
  });
}

afterEach(async () => {
  runner.close();
  await github.close();
  fs.rmSync(origin, { recursive: true, force: true });
});

const deploys = (): Record<string, string>[] =>
  calls.filter((c) => c.uses.startsWith('org/deploy-kit@')).map((c) => c.with);
const dedent = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .join('\n');
const byName = (runs: WorkflowRun[], name: string): WorkflowRun[] => runs.filter((r) => r.workflow === name);

test('a push to main: ci passes, deploy follows on workflow_run and deploys sha-<7 hex> to staging', async () => {
  const runs = await runner.push('main');
  expect(byName(runs, 'ci').map((r) => r.conclusion)).toEqual(['success']);
  // release.yml is cut by hand only: a push releases nothing.
  expect(byName(runs, 'release')).toEqual([]);
  expect(calls.filter((c) => c.uses.includes('tag-release'))).toEqual([]);
  // ci keeps what this commit passed for its rc's notes: the evidence artifact.
  const evidence = path.join(runner.state.artifactsDir, String(byName(runs, 'ci')[0]?.id), 'evidence');
  expect(
    ['lint-gate.json', 'pip-audit.json', 'images.json'].map((f) =>
      fs.readFileSync(path.join(evidence, f), 'utf8'),
    ),
  ).toEqual([`${LINT_GATE}\n`, `${PIP_AUDIT}\n`, `${IMAGES}\n`]);
  expect(byName(runs, 'deploy').map((r) => [r.event.name, r.conclusion])).toEqual([
    ['workflow_run', 'success'],
  ]);
  expect(deploys()).toEqual([
    expect.objectContaining({ version: `sha-${head.slice(0, 7)}`, environment: 'staging' }),
  ]);
  expect(runner.approvals).toEqual([expect.objectContaining({ environment: 'staging', approved: true })]);
  expect(github.violations).toEqual([]);
});

test('ci-sharded.yml in place of ci.yml: 4 shards then one merge, and deploy follows the merged verdict', async () => {
  runner.close();
  const merged: string[] = [];
  runner = exampleRunner(['ci.yml'], {
    // A shard writes its results under lint-gate-shards/shard-K-of-N/; the merge reads them all.
    'org/deploy-kit/lint-gate': (call) => {
      calls.push({ uses: call.uses, with: call.with });
      const dir = path.join(call.workspace, 'lint-gate-shards');
      const shard = /^(\d+)\/(\d+)$/.exec(call.with.shard ?? '');
      if (shard) {
        fs.mkdirSync(path.join(dir, `shard-${shard[1]}-of-${shard[2]}`), { recursive: true });
        fs.writeFileSync(path.join(dir, `shard-${shard[1]}-of-${shard[2]}`, 'shard.json'), '{}');
      }
      if (call.with.mode === 'merge') merged.push(...listed(dir));
      return { outputs: {} };
    },
  });
  const runs = await runner.push('main');
  // download-artifact (pattern, no merge-multiple) puts each shard's artifact in its own folder.
  expect(merged.sort()).toEqual([1, 2, 3, 4].map((k) => `lint-gate-shard-${k}/shard-${k}-of-4/shard.json`));
  expect(byName(runs, 'ci').map((r) => r.conclusion)).toEqual(['success']);
  const lintGate = calls.filter((c) => c.uses.startsWith('org/deploy-kit/lint-gate@')).map((c) => c.with);
  expect(
    lintGate
      .map((w) => w.shard ?? '')
      .filter((s) => s !== '')
      .sort(),
  ).toEqual(['1/4', '2/4', '3/4', '4/4']);
  expect(lintGate.filter((w) => w.mode === 'merge')).toHaveLength(1);
  expect(byName(runs, 'deploy').map((r) => [r.event.name, r.conclusion])).toEqual([
    ['workflow_run', 'success'],
  ]);
  expect(deploys()).toEqual([
    expect.objectContaining({ version: `sha-${head.slice(0, 7)}`, environment: 'staging' }),
  ]);
});

test("release rc: ci's evidence of the commit in the rc's notes, then the staging deploy of its sha-<7 hex> images on the rc tag, which annotates the rc", async () => {
  await runner.push('main');
  calls.length = 0;
  const runs = await runner.dispatch('release.yml', 'main', { mode: 'rc' });
  expect(runs.map((r) => [r.workflow, r.conclusion])).toEqual([
    ['release', 'success'],
    ['deploy', 'success'],
  ]);
  const [cut, annotate] = calls.filter((c) => c.uses.includes('tag-release')).map((c) => c.with);
  expect(cut?.mode).toBe('rc');
  // The evidence files are the ones ci uploaded for this commit, downloaded from ci's run.
  const files = Object.fromEntries(
    (cut?.evidence ?? '')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(': ') as [string, string]),
  );
  expect(Object.keys(files)).toEqual(['lint-gate', 'pip-audit', 'images']);
  expect(annotate?.mode).toBe('annotate');
  // (@actions/workflow-parser keeps a block scalar's indentation when it holds an expression; YAML reads it the same.)
  expect(dedent(annotate?.evidence ?? '')).toBe(
    `environment: staging\ndeploy: ${DEPLOYED}\nsmoke-test: ${JOURNEY}\n`,
  );
  expect(runs[0]?.jobs.promote?.result).toBe('skipped');
  expect(runs[0]?.jobs.production?.result).toBe('skipped');
  const [deploy] = byName(runs, 'deploy');
  expect(deploy?.jobs.validation?.result).toBe('success');
  expect(deploy?.event).toMatchObject({
    name: 'workflow_dispatch',
    ref: 'refs/tags/v1.0.0-rc.1',
    inputs: { environment: 'staging' },
  });
  expect(deploys()).toEqual([
    expect.objectContaining({ version: `sha-${head.slice(0, 7)}`, environment: 'staging' }),
  ]);
  expect(github.violations).toEqual([]);
});

test('release rc of a commit ci has not passed: refused before anything is tagged or deployed; mode auto is no choice', async () => {
  const runs = await runner.dispatch('release.yml', 'main', { mode: 'rc' });
  expect(runs.map((r) => [r.workflow, r.conclusion])).toEqual([['release', 'failure']]);
  const steps = runs[0]?.jobs.rc?.instances[0]?.steps ?? [];
  expect(steps.find((x) => x.id === 'ci')?.log).toContain(
    `ci has not passed on a push of ${head.slice(0, 12)}`,
  );
  expect(calls.filter((c) => c.uses.includes('tag-release'))).toEqual([]);
  expect(runs[0]?.jobs.staging?.result).toBe('skipped');
  await expect(runner.dispatch('release.yml', 'main', { mode: 'auto' })).rejects.toThrow(
    "Provided value 'auto' for input 'mode' not in the list of allowed values",
  );
});

test('no validation job for a deploy that is not an rc on staging (main, production, a final tag)', async () => {
  await runner.dispatch('deploy.yml', 'main', { environment: 'staging', version: 'sha-abcdef1' });
  git(['tag', 'v1.0.0-rc.1']);
  await runner.dispatch('deploy.yml', 'v1.0.0-rc.1', { environment: 'production', version: 'sha-abcdef1' });
  git(['tag', 'v1.0.0']);
  await runner.dispatch('deploy.yml', 'v1.0.0', { environment: 'staging', version: 'sha-abcdef1' });
  expect(runner.runs.map((r) => [r.jobs.deploy?.result, r.jobs.validation?.result])).toEqual([
    ['success', 'skipped'],
    ['success', 'skipped'],
    ['success', 'skipped'],
  ]);
  expect(calls.filter((c) => c.uses.includes('tag-release'))).toEqual([]);
});

test('staging is deployed with the staging profile, production with the production one', async () => {
  await runner.dispatch('deploy.yml', 'main', { environment: 'staging', version: 'sha-abcdef1' });
  await runner.dispatch('deploy.yml', 'main', { environment: 'production', version: '1.0.0' });
  expect(deploys().map((w) => [w.environment, w.profile])).toEqual([
    ['staging', 'django-staging'],
    ['production', 'django-production'],
  ]);
});

test('a fork pull request from a branch named main passes ci but never reaches the deploy job', async () => {
  const runs = await runner.pullRequest({
    number: 13,
    headRef: 'main',
    sha: head,
    headRepository: 'mallory/app',
  });
  expect(byName(runs, 'ci').map((r) => r.conclusion)).toEqual(['success']);
  const deploy = byName(runs, 'deploy');
  // The workflow_run trigger still fires (GitHub matches `branches` on the head branch name) ...
  expect(deploy).toHaveLength(1);
  // ... but the job's guard skips it: no approval asked, no deploy step run.
  expect(deploy[0]?.jobs.deploy?.result).toBe('skipped');
  expect(runner.approvals).toEqual([]);
  expect(deploys()).toEqual([]);
});

test('a pull request from a branch of this repository does not deploy either (only pushes do)', async () => {
  const runs = await runner.pullRequest({ number: 14, headRef: 'main', sha: head });
  expect(byName(runs, 'deploy')[0]?.jobs.deploy?.result).toBe('skipped');
  expect(deploys()).toEqual([]);
});

test('release promote dispatches the production deploy of the same sha-<7 hex> images, on the final tag', async () => {
  const runs = await runner.dispatch('release.yml', 'main', { mode: 'promote' });
  const [deploy] = byName(runs, 'deploy');
  expect(deploy?.event).toMatchObject({
    name: 'workflow_dispatch',
    ref: 'refs/tags/v1.0.0',
    inputs: { environment: 'production' },
  });
  expect(deploys()).toEqual([
    expect.objectContaining({
      version: `sha-${head.slice(0, 7)}`,
      environment: 'production',
      profile: 'django-production',
    }),
  ]);
  expect(runner.approvals).toEqual([expect.objectContaining({ environment: 'production' })]);
});

test('audit.yml on its schedule: last week report restored from the cache, this week saved, SARIF to code scanning', async () => {
  const seen: string[] = [];
  const audit: ActionStandIn = ({ with: w, workspace }) => {
    const previous = path.join(workspace, w['previous-report'] ?? '');
    seen.push(fs.existsSync(previous) ? fs.readFileSync(previous, 'utf8') : 'none');
    fs.mkdirSync(path.join(workspace, '.audit'), { recursive: true });
    fs.writeFileSync(path.join(workspace, w.report ?? ''), `{"week": ${seen.length}}`);
    fs.writeFileSync(path.join(workspace, w.sarif ?? ''), JSON.stringify({ version: '2.1.0', runs: [] }));
    return { outputs: { report: w.report ?? '', sarif: w.sarif ?? '' } };
  };
  const weekly = new WorkflowRunner({
    workflowsDir: path.join(REPO_ROOT, 'workflows-examples'),
    repository: 'example/app',
    origin,
    standIns: { 'org/deploy-kit/pip-audit': audit },
  });
  try {
    expect(await weekly.schedule('ci.yml')).toEqual([]);
    const [first] = await weekly.schedule('audit.yml');
    const [second] = await weekly.schedule('audit.yml');
    expect([first?.conclusion, second?.conclusion]).toEqual(['success', 'success']);
    expect(first?.jobs['code-scanning']?.result).toBe('success');
    // The second week compares with the first week's report, kept in the Actions cache.
    expect(seen).toEqual(['none', '{"week": 1}']);
    expect(weekly.state.sarif.map((s) => s.category)).toEqual(['pip-audit', 'pip-audit']);
  } finally {
    weekly.close();
  }
});
