import * as fs from 'node:fs';
import * as exec from '@actions/exec';
import { toolEnv } from '@deploy-kit/shared';
import { definedEnv } from './docker';
import type { GitContext } from './tags';

/**
 * The git context, as the runner describes it (GITHUB_* variables and the
 * event payload), with `git` in the workspace filling what they leave out:
 * a local run, or a payload without repository.default_branch.
 */
type Env = Readonly<Record<string, string | undefined>>;

async function git(args: string[], cwd: string): Promise<string | undefined> {
  try {
    const result = await exec.getExecOutput('git', args, {
      cwd,
      env: definedEnv(toolEnv()),
      silent: true,
      ignoreReturnCode: true,
    });
    return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
  } catch {
    return undefined; // no git on PATH: the runner's variables are all we have
  }
}

interface Payload {
  number?: number;
  pull_request?: { number?: number };
  repository?: { default_branch?: string; html_url?: string };
}

function readPayload(file: string | undefined): Payload {
  if (!file || !fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Payload;
  } catch {
    return {};
  }
}

export async function readGitContext(env: Env, workspace: string): Promise<GitContext> {
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  let ref = env.GITHUB_REF ?? '';
  if (ref === '') {
    const tag = await git(['describe', '--tags', '--exact-match', 'HEAD'], workspace);
    const branch = await git(['symbolic-ref', '-q', 'HEAD'], workspace);
    ref = tag ? `refs/tags/${tag}` : (branch ?? '');
  }
  const sha = env.GITHUB_SHA || (await git(['rev-parse', 'HEAD'], workspace)) || '';
  const prFromRef = /^refs\/pull\/(\d+)\//.exec(ref)?.[1];
  const prNumber = payload.pull_request?.number ?? (prFromRef ? Number(prFromRef) : undefined);
  let defaultBranch = payload.repository?.default_branch;
  if (!defaultBranch) {
    const originHead = await git(['symbolic-ref', '-q', 'refs/remotes/origin/HEAD'], workspace);
    defaultBranch = originHead?.replace(/^refs\/remotes\/origin\//, '');
  }
  const repository = env.GITHUB_REPOSITORY;
  const repositoryUrl =
    env.GITHUB_SERVER_URL && repository
      ? `${env.GITHUB_SERVER_URL}/${repository}`
      : payload.repository?.html_url;
  return {
    eventName,
    ref,
    sha,
    ...(defaultBranch ? { defaultBranch } : {}),
    ...(prNumber !== undefined ? { prNumber } : {}),
    ...(repositoryUrl ? { repositoryUrl } : {}),
    ...(repository ? { repository } : {}),
  };
}
