import { execFile } from 'node:child_process';
import { toolEnv, ToolError, withProgress, type ProgressOptions } from '@deploy-kit/shared';
import type { Tag } from './versions';

/** git at the edge: every call is an argv (never a shell string) and no argv ever holds the token. */

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const GIT_TIMEOUT_MS = 5 * 60_000;

/**
 * The token reaches git as an `http.<server>/.extraheader` set through GIT_CONFIG_* variables of
 * that one process: not in argv (visible in `ps`), not in a URL (printed by git on errors), and
 * never written to .git/config. The empty value first clears the header actions/checkout may have
 * persisted for the same server, so git does not send two Authorization headers.
 */
export function authEnv(
  serverUrl: string,
  token: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const key = `http.${new URL(serverUrl).origin}/.extraheader`;
  const start = Number(env.GIT_CONFIG_COUNT ?? '0') || 0;
  return {
    GIT_CONFIG_COUNT: String(start + 2),
    [`GIT_CONFIG_KEY_${start}`]: key,
    [`GIT_CONFIG_VALUE_${start}`]: '',
    [`GIT_CONFIG_KEY_${start + 1}`]: key,
    [`GIT_CONFIG_VALUE_${start + 1}`]: `AUTHORIZATION: basic ${basicCredentials(token)}`,
  };
}

export function basicCredentials(token: string): string {
  return Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
}

export interface GitOptions {
  /** Variables only network commands get (the token's header): see authEnv. */
  auth?: Record<string, string>;
  /** Tagger identity for `git tag -a` when the clone has none. */
  identity?: Record<string, string>;
  /** Cancels every git process (it is killed) when the runner cancels the step. */
  signal?: AbortSignal;
  /** Progress lines while a network command (fetch, push, ls-remote) runs; tests inject a short interval. */
  progress?: ProgressOptions;
}

/** A tag on the remote: the object it names (a tag object or a commit) and the commit it peels to. */
export interface RemoteTag {
  object: string;
  commit: string;
}

export class Git {
  constructor(
    readonly cwd: string,
    private readonly options: GitOptions = {},
  ) {}

  /** The same repository with the auth and identity given (the signal and progress kept). */
  with(options: Pick<GitOptions, 'auth' | 'identity'>): Git {
    return new Git(this.cwd, { ...this.options, ...options });
  }

  run(args: readonly string[], options: { network?: boolean; allowFail?: boolean } = {}): Promise<GitResult> {
    if (!options.network) return this.exec(args, options);
    return withProgress(
      () => `git ${args[0]} is still running`,
      () => this.exec(args, options),
      this.options.progress,
    );
  }

  private exec(
    args: readonly string[],
    options: { network?: boolean; allowFail?: boolean },
  ): Promise<GitResult> {
    // toolEnv: git runs hooks and helpers; none of them may write this step's outputs or env.
    const env = toolEnv(process.env, {
      ...this.options.identity,
      ...(options.network ? this.options.auth : {}),
      GIT_TERMINAL_PROMPT: '0',
      LC_ALL: 'C',
    });
    const signal = this.options.signal;
    return new Promise((resolve, reject) => {
      execFile(
        'git',
        args as string[],
        {
          cwd: this.cwd,
          env,
          timeout: GIT_TIMEOUT_MS,
          maxBuffer: 256 * 1024 * 1024,
          encoding: 'utf8',
          signal,
        },
        (error, stdout, stderr) => {
          if (signal?.aborted)
            return reject(
              new ToolError(`git ${args[0]} was stopped: the step was cancelled (${String(signal.reason)}).`),
            );
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          if (error && (error as NodeJS.ErrnoException).code === 'ENOENT')
            return reject(new ToolError('git is not installed on this runner (it was not found on PATH).'));
          if (error && error.killed)
            return reject(
              new ToolError(`git ${args[0]} did not finish within ${GIT_TIMEOUT_MS / 60_000} minutes.`),
            );
          const result = { code, stdout, stderr };
          if (code !== 0 && !options.allowFail) return reject(gitFailed(args, result));
          resolve(result);
        },
      );
    });
  }

  async out(args: readonly string[], options: { network?: boolean } = {}): Promise<string> {
    return (await this.run(args, options)).stdout.trim();
  }

  async isRepository(): Promise<boolean> {
    return (await this.run(['rev-parse', '--git-dir'], { allowFail: true })).code === 0;
  }

  async head(): Promise<string> {
    return this.out(['rev-parse', 'HEAD^{commit}']);
  }

  async isShallow(): Promise<boolean> {
    return (await this.out(['rev-parse', '--is-shallow-repository'])) === 'true';
  }

  async hasRemote(remote: string): Promise<boolean> {
    return (await this.run(['remote', 'get-url', remote], { allowFail: true })).code === 0;
  }

  /** The whole history and every tag: a base tag may be far below a shallow clone's depth. */
  async unshallow(remote: string): Promise<GitResult> {
    return this.run(['fetch', '--unshallow', '--tags', '--force', '--quiet', remote], {
      network: true,
      allowFail: true,
    });
  }

  /** The remote's tags as they are now (another run may have pushed since checkout). */
  async fetchTags(remote: string): Promise<void> {
    await this.run(['fetch', '--tags', '--force', '--quiet', remote], { network: true });
  }

  /** Every tag with the commit it names (annotated tags peeled); all of them, no ceiling. */
  async tags(): Promise<Tag[]> {
    const out = await this.out([
      'for-each-ref',
      '--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)',
      'refs/tags',
    ]);
    const tags: Tag[] = [];
    for (const line of out.split('\n')) {
      if (line === '') continue;
      const [name = '', type, sha = '', peeledType, peeled = ''] = line.split('\0');
      if (type === 'commit') tags.push({ name, commit: sha });
      else if (type === 'tag' && peeledType === 'commit') tags.push({ name, commit: peeled });
    }
    return tags;
  }

  async mergedTags(): Promise<Set<string>> {
    const out = await this.out(['tag', '--merged', 'HEAD']);
    return new Set(out.split('\n').filter(Boolean));
  }

  /** `git log` of from..HEAD (the whole history when from is undefined), in the format parseGitLog reads. */
  async log(from: string | undefined, to: string): Promise<string> {
    const range = from ? [`${from}..${to}`] : [to];
    return (await this.run(['log', '--format=%H%x1f%P%x1f%an%x1f%ae%x1f%B%x1e', ...range, '--'])).stdout;
  }

  /** Files added between two commits (every file when there is no previous release). */
  async addedFiles(from: string | undefined, to: string): Promise<string[]> {
    const out = from
      ? await this.out(['diff', '--no-renames', '--diff-filter=A', '--name-only', '-z', from, to, '--'])
      : await this.out(['ls-tree', '-r', '--name-only', '-z', to]);
    return out.split('\0').filter(Boolean);
  }

  /** The commit a local tag names, or undefined. */
  async tagCommit(name: string): Promise<string | undefined> {
    const r = await this.run(['rev-parse', '--verify', '--quiet', `refs/tags/${name}^{commit}`], {
      allowFail: true,
    });
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** The commit a tag names on the remote (peeled), or undefined when the remote has no such tag. */
  async remoteTagCommit(remote: string, name: string): Promise<string | undefined> {
    const out = await this.out(['ls-remote', '--tags', remote, `refs/tags/${name}`, `refs/tags/${name}^{}`], {
      network: true,
    });
    let direct: string | undefined;
    let peeled: string | undefined;
    for (const line of out.split('\n')) {
      const [sha, ref] = line.split('\t');
      if (ref === `refs/tags/${name}^{}`) peeled = sha;
      else if (ref === `refs/tags/${name}`) direct = sha;
    }
    return peeled ?? direct;
  }

  /**
   * Every tag on the remote in one `ls-remote` (one snapshot): the object each names (what a
   * lease compares) and the commit it peels to.
   */
  async remoteTags(remote: string): Promise<Map<string, RemoteTag>> {
    const out = await this.out(['ls-remote', '--tags', remote], { network: true });
    const tags = new Map<string, RemoteTag>();
    for (const line of out.split('\n')) {
      const [sha = '', ref = ''] = line.split('\t');
      if (!ref.startsWith('refs/tags/')) continue;
      const peeled = ref.endsWith('^{}');
      const name = ref.slice('refs/tags/'.length, peeled ? -3 : undefined);
      const tag = tags.get(name) ?? { object: sha, commit: sha };
      if (peeled) tag.commit = sha;
      else tag.object = sha;
      tags.set(name, tag);
    }
    return tags;
  }

  async createAnnotatedTag(name: string, commit: string, message: string): Promise<void> {
    await this.run(['tag', '-a', name, commit, '-m', message]);
  }

  async deleteLocalTag(name: string): Promise<void> {
    await this.run(['tag', '-d', name], { allowFail: true });
  }

  /**
   * Push one ref; the result is returned so the caller can tell "already exists" from other
   * refusals. `lease` replaces the ref only if the remote still has it at that object ('' = absent).
   */
  async push(
    remote: string,
    refspec: string,
    options: { lease?: { ref: string; expect: string } } = {},
  ): Promise<GitResult> {
    const lease = options.lease ? [`--force-with-lease=${options.lease.ref}:${options.lease.expect}`] : [];
    const args = ['push', '--porcelain', ...lease, remote, refspec];
    return this.run(args, { network: true, allowFail: true });
  }
}

export function gitFailed(args: readonly string[], result: GitResult): ToolError {
  const detail = result.stderr.trim().split('\n').slice(-3).join(' ') || `exit code ${result.code}`;
  return new ToolError(`git ${args[0]} failed: ${detail}`);
}
