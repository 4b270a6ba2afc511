import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitHubStandIn, REPO_ROOT } from '@deploy-kit/harness';
import { WorkflowRunner } from '../../../packages/harness/src/workflow/runner';

// deploy-kit's own .github/workflows through the local runner, on a clone of this repository:
// ci.yml runs .ci/run (stood in: a sudo that records what it was asked, or this test would run
// the whole CI again), release.yml verifies and then runs the committed tag-release bundle
// (./tag-release) in dry-run against the GitHub stand-in: the plan, and nothing tagged.

let origin: string;
let github: GitHubStandIn;
let runner: WorkflowRunner;

beforeAll(async () => {
  origin = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-own-'));
  execFileSync('git', ['clone', '--quiet', REPO_ROOT, origin]);
  // Whatever branch this checkout is on stands for main.
  execFileSync('git', ['checkout', '--quiet', '-B', 'main'], { cwd: origin });
  // This repository's history has no Conventional Commit yet: the first releasable one.
  const who = ['-c', 'user.name=dev', '-c', 'user.email=dev@example.com'];
  execFileSync('git', [...who, 'commit', '--quiet', '--allow-empty', '-m', 'feat: the first release'], {
    cwd: origin,
  });
  github = await GitHubStandIn.start({ token: 'ghs_own', owner: 'org', repo: 'deploy-kit' });
  runner = new WorkflowRunner({
    workflowsDir: path.join(REPO_ROOT, '.github', 'workflows'),
    repository: 'org/deploy-kit',
    origin,
    github,
    token: 'ghs_own',
    commands: { sudo: '#!/bin/sh\necho "$*" >> "$RUNNER_TEMP/sudo.log"\n' },
  });
}, 60_000);

afterAll(async () => {
  runner?.close();
  await github?.close();
  fs.rmSync(origin, { recursive: true, force: true });
});

test('ci.yml on a push to main runs .ci/run as root from a checkout', async () => {
  const [run] = await runner.push('main');
  expect(run?.workflow).toBe('ci');
  expect(run?.conclusion).toBe('success');
  expect(fs.readFileSync(path.join(runner.state.cacheDir, '..', 'sudo.log'), 'utf8')).toContain(
    '--preserve-env=CI bash .ci/run',
  );
});

test('release.yml in dry-run: verify, then the tag-release bundle plans the release and tags nothing', async () => {
  const tagsBefore = execFileSync('git', ['tag'], { cwd: origin, encoding: 'utf8' });
  const [run] = await runner.dispatch('release.yml', 'main', { 'dry-run': 'true' });
  expect(run?.conclusion).toBe('success');
  expect(Object.fromEntries(Object.entries(run?.jobs ?? {}).map(([k, j]) => [k, j.result]))).toEqual({
    verify: 'success',
    release: 'success',
  });
  const step = run?.jobs.release?.instances[0]?.steps.find((s) => s.id === 'release');
  const results = JSON.parse(step?.outputs.results ?? '{}') as {
    status: string;
    dryRun: boolean;
    mode: string;
  };
  expect(results).toMatchObject({ status: 'passed', dryRun: true });
  // initial-version 1.0.0, and what would move: v1 (move-major).
  expect(step?.outputs.tag).toBe('v1.0.0');
  expect(results).toMatchObject({ mode: 'auto', bump: 'minor' });
  expect(execFileSync('git', ['tag'], { cwd: origin, encoding: 'utf8' })).toBe(tagsBefore);
  expect(github.releases).toEqual([]);
  expect(github.violations).toEqual([]);
}, 120_000);
