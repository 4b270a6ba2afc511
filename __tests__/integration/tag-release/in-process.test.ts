import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitHubStandIn } from '@deploy-kit/harness';
import { listenForCancel, manualSignals, noSignals, ToolError, type ActionContext } from '@deploy-kit/shared';
import { parseInputs, tagReleaseAction } from '../../../actions/tag-release/src/action';
import { Git } from '../../../actions/tag-release/src/git';
import { changeAfterV100, Repos, reposPerTest, TOKEN } from './repo';

// tag-release as a typed function (issue 17): parseInputs(raw) + run(inputs, context) with objects,
// in this process, against real git and the REST stand-in; and its git edge's progress and cancel.

// The bundle loads the ESM-only parser with import(), which jest's CommonJS runtime cannot run:
// here the same parser comes through jest's CommonJS transform (as in the unit tests).
jest.mock('../../../actions/tag-release/src/parser', () => ({
  ...jest.requireActual('../../../actions/tag-release/src/parser'),
  loadParser: async () => (jest.requireActual('../../unit/tag-release/parser') as { parse: unknown }).parse,
}));

const idle: ActionContext = { signal: new AbortController().signal, signals: noSignals };

describe('tag-release in-process', () => {
  let repos: Repos;
  let gh: GitHubStandIn;
  const saved = { ...process.env };

  reposPerTest((made) => ({ repos, gh } = made), changeAfterV100('fix: second'));
  beforeEach(() => {
    // The checkout is the workspace; git reads this test's HOME, no system config.
    process.env.HOME = repos.home;
    process.env.GIT_CONFIG_NOSYSTEM = '1';
  });
  afterEach(() => {
    for (const key of ['HOME', 'GIT_CONFIG_NOSYSTEM', 'GITHUB_WORKSPACE']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  function inputsFor(ws: string, raw: Record<string, string>) {
    process.env.GITHUB_WORKSPACE = ws;
    return parseInputs(
      { token: TOKEN, ...raw },
      { GITHUB_REPOSITORY: 'example/app', GITHUB_API_URL: gh.url },
    );
  }

  test('run() with objects: the defaults from action.yml, a release, results with the envelope', async () => {
    const ws = repos.checkout();
    const inputs = inputsFor(ws, {});
    expect(inputs).toMatchObject({
      mode: 'auto',
      tagPrefix: 'v',
      release: true,
      remote: 'origin',
      workingDirectory: fs.realpathSync(ws),
    });
    const r = await tagReleaseAction.run(inputs, idle);
    expect(r.failure).toBeUndefined();
    expect(r.outputs).toMatchObject({
      version: '1.0.1',
      tag: 'v1.0.1',
      bump: 'patch',
      'previous-tag': 'v1.0.0',
    });
    expect(r.outputs.results).toMatchObject({
      status: 'passed',
      version: '1.0.1',
      previousTag: 'v1.0.0',
      dryRun: false,
      done: { tag: 'pushed', release: 'created' },
    });
    expect(Object.keys(r.outputs.results)[0]).toBe('status');
    expect(repos.remoteTag('v1.0.1')).toBe(repos.head());
    expect(r.summary).toContain('tag-release: v1.0.1 (patch)');
    expect(gh.violations).toEqual([]);
    expect(tagReleaseAction.secretInputs).toEqual(['token']);
  });

  test('a policy failure is returned, not thrown, with the plan and how far it got', async () => {
    const ws = repos.checkout();
    const r = await tagReleaseAction.run(inputsFor(ws, { mode: 'promote' }), idle);
    expect(r.failure?.kind).toBe('policy');
    expect(r.outputs.results).toMatchObject({ status: 'failed', dryRun: false });
    expect(r.outputs.results.failure).toMatch(/^Policy failed: there is no release candidate to promote/);
    expect(r.summary).toContain('**Failed:** Policy failed: there is no release candidate');
  });

  test('a cancelled step: nothing pushed, status cancelled', async () => {
    const ws = repos.checkout();
    const cancel = listenForCancel(manualSignals().source);
    const controller = new AbortController();
    controller.abort('SIGINT');
    const r = await tagReleaseAction.run(inputsFor(ws, {}), {
      signal: controller.signal,
      signals: cancel.source,
    });
    cancel.stop();
    expect(r.failure).toBeInstanceOf(ToolError);
    expect(r.outputs.results.status).toBe('cancelled');
    expect(r.outputs.results.failure).toMatch(/cancelled \(SIGINT\)/);
    expect(repos.remoteTags()).toEqual(['v1.0.0']);
  });
});

describe("tag-release's git edge", () => {
  let repos: Repos;
  let slow: string;

  beforeEach(() => {
    repos = new Repos();
    // A slow git (a fake network): `fetch` takes 2 s; everything else is the real git.
    slow = path.join(repos.root, 'slow');
    fs.mkdirSync(slow);
    const real = path.join(repos.shim, 'git');
    fs.writeFileSync(
      path.join(slow, 'git'),
      `#!/bin/sh\nenv > '${repos.root}/env.txt'\nif [ "$1" = fetch ]; then exec sleep 2; fi\nexec '${real}' "$@"\n`,
      { mode: 0o755 },
    );
  });
  afterEach(() => repos.cleanup());

  async function withPath<T>(work: () => Promise<T>): Promise<T> {
    const before = process.env.PATH;
    process.env.PATH = `${slow}${path.delimiter}${before ?? ''}`;
    try {
      return await work();
    } finally {
      process.env.PATH = before;
    }
  }

  test('a long network command prints progress lines with the elapsed time, and none of the runner file variables', async () => {
    const lines: string[] = [];
    process.env.GITHUB_OUTPUT = path.join(repos.root, 'output');
    process.env.GITHUB_STEP_SUMMARY = path.join(repos.root, 'summary');
    try {
      const git = new Git(repos.author, { progress: { everyMs: 200, log: (l) => lines.push(l) } });
      await withPath(() => git.fetchTags('origin'));
    } finally {
      delete process.env.GITHUB_OUTPUT;
      delete process.env.GITHUB_STEP_SUMMARY;
    }
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines[0]).toMatch(/^git fetch is still running \(\ds elapsed\)$/);
    const env = fs.readFileSync(path.join(repos.root, 'env.txt'), 'utf8');
    expect(env).toContain('GIT_TERMINAL_PROMPT=0');
    expect(env).not.toMatch(/^GITHUB_(OUTPUT|STEP_SUMMARY)=/m);
  });

  test('the step cancelled mid-fetch: git is stopped at once, with a sentence that says so', async () => {
    const controller = new AbortController();
    const git = new Git(repos.author, {
      signal: controller.signal,
      progress: { everyMs: 50, log: () => controller.abort('SIGINT') },
    });
    const started = Date.now();
    await expect(withPath(() => git.fetchTags('origin'))).rejects.toThrow(
      'git fetch was stopped: the step was cancelled (SIGINT).',
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
