import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitHubStandIn, runAction, type RunActionOptions, type RunActionResult } from '@deploy-kit/harness';

/**
 * Real git repositories for the tag-release tests: a bare "origin" and an author's clone that
 * builds a real history (squash merges, merge commits, tags), and the runner's checkout of it.
 */

export const TOKEN = 'ghs_tagReleaseTestToken0123456789abcdefXYZ';
const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

export interface Author {
  name: string;
  email: string;
}

export const ALICE: Author = { name: 'Alice Doe', email: '1001+alice@users.noreply.github.com' };
export const BOB: Author = { name: 'Bob Roe', email: 'bob@example.org' };

export class Repos {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'tag-release-'));
  readonly remote = path.join(this.root, 'origin.git');
  readonly author = path.join(this.root, 'author');
  readonly home = path.join(this.root, 'home');
  readonly shim = path.join(this.root, 'shim');
  readonly argvLog = path.join(this.root, 'git-argv.log');
  private n = 0;

  constructor() {
    fs.mkdirSync(this.home);
    fs.mkdirSync(this.shim);
    // Every git the action runs goes through this shim, which records its command line.
    fs.writeFileSync(
      path.join(this.shim, 'git'),
      `#!/bin/sh\nprintf '%s\\n' "git $*" >> '${this.argvLog}'\n` +
        // toolEnv: no git process may see the runner's file-command variables.
        `if [ -n "$GITHUB_OUTPUT$GITHUB_ENV$GITHUB_PATH$GITHUB_STATE$GITHUB_STEP_SUMMARY" ]; then echo 'RUNNER FILE VARIABLES SEEN' >> '${this.argvLog}'; fi\n` +
        `exec '${REAL_GIT}' "$@"\n`,
      { mode: 0o755 },
    );
    this.git(this.root, 'init', '--quiet', '--bare', '--initial-branch=main', this.remote);
    this.git(this.root, 'init', '--quiet', '--initial-branch=main', this.author);
    this.git(this.author, 'remote', 'add', 'origin', this.remote);
  }

  env(author: Author = ALICE): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HOME: this.home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
  }

  git(cwd: string, ...args: string[]): string {
    return execFileSync(REAL_GIT, args, { cwd, env: this.env(), encoding: 'utf8' }).trim();
  }

  gitAs(author: Author, cwd: string, ...args: string[]): string {
    return execFileSync(REAL_GIT, args, { cwd, env: this.env(author), encoding: 'utf8' }).trim();
  }

  /** A commit on the author's current branch; files default to one fresh file. */
  commit(message: string, options: { author?: Author; files?: Record<string, string> } = {}): string {
    const files = options.files ?? { [`file-${++this.n}.txt`]: `${message}\n` };
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(this.author, name)), { recursive: true });
      fs.writeFileSync(path.join(this.author, name), content);
      this.git(this.author, 'add', name);
    }
    this.gitAs(options.author ?? ALICE, this.author, 'commit', '--quiet', '-m', message);
    return this.head();
  }

  head(ref = 'HEAD'): string {
    return this.git(this.author, 'rev-parse', ref);
  }

  tag(name: string, ref = 'HEAD', annotated = true): void {
    if (annotated) this.git(this.author, 'tag', '-a', name, ref, '-m', name);
    else this.git(this.author, 'tag', name, ref);
  }

  push(): void {
    this.git(this.author, 'push', '--quiet', '--force', 'origin', '--all');
    this.git(this.author, 'push', '--quiet', '--force', 'origin', '--tags');
  }

  /** The runner's checkout: a clone of origin (shallow with depth), like actions/checkout. */
  checkout(options: { depth?: number; ref?: string } = {}): string {
    const ws = fs.mkdtempSync(path.join(this.root, 'ws-'));
    const source = options.depth ? `file://${this.remote}` : this.remote;
    const args = [
      'clone',
      '--quiet',
      ...(options.depth ? ['--depth', String(options.depth), '--no-tags'] : []),
      source,
      ws,
    ];
    this.git(this.root, ...args);
    if (options.ref) this.git(ws, 'checkout', '--quiet', options.ref);
    // actions/checkout points origin at the remote; keep the file:// form out of the clone's config.
    this.git(ws, 'remote', 'set-url', 'origin', this.remote);
    return ws;
  }

  /** The commit a tag names on origin, peeled, or undefined. */
  remoteTag(name: string): string | undefined {
    try {
      return execFileSync(REAL_GIT, ['rev-parse', '--verify', '--quiet', `refs/tags/${name}^{commit}`], {
        cwd: this.remote,
        env: this.env(),
        encoding: 'utf8',
      }).trim();
    } catch {
      return undefined;
    }
  }

  remoteTagType(name: string): string {
    return this.git(this.remote, 'cat-file', '-t', `refs/tags/${name}`);
  }

  remoteTags(): string[] {
    return this.git(this.remote, 'tag', '--list').split('\n').filter(Boolean).sort();
  }

  argv(): string {
    return fs.existsSync(this.argvLog) ? fs.readFileSync(this.argvLog, 'utf8') : '';
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export function runTagRelease(
  repos: Repos,
  ws: string,
  gh: GitHubStandIn,
  inputs: Record<string, string> = {},
  extra: Partial<RunActionOptions> = {},
): Promise<RunActionResult> {
  return runAction({
    action: 'tag-release',
    workspace: ws,
    inputs: { token: TOKEN, ...inputs },
    timeoutMs: 60_000,
    ...extra,
    env: {
      GITHUB_API_URL: gh.url,
      PATH: `${repos.shim}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: repos.home,
      GIT_CONFIG_NOSYSTEM: '1',
      ...extra.env,
    },
  });
}

/** Every form of the token that must never be seen. */
export function tokenForms(): string[] {
  return [
    TOKEN,
    Buffer.from(TOKEN).toString('base64'),
    Buffer.from(`x-access-token:${TOKEN}`).toString('base64'),
  ];
}

export interface RepoFixture {
  repos: Repos;
  gh: GitHubStandIn;
}

/**
 * Fresh repositories and a fresh REST stand-in for every test of the describe block this is
 * called in (closed and removed after each test): `history` first makes the author's commits and
 * tags, then `use` hands both to the block's variables.
 */
export function reposPerTest(
  use: (made: RepoFixture) => void,
  history: (repos: Repos) => void = () => undefined,
): void {
  let made: RepoFixture | undefined;
  beforeEach(async () => {
    const repos = new Repos();
    made = { repos, gh: await GitHubStandIn.start({ token: TOKEN }) };
    history(repos);
    use(made);
  });
  afterEach(async () => {
    await made?.gh.close();
    made?.repos.cleanup();
    made = undefined;
  });
}

/** `feat: first`, released as v1.0.0. */
export function firstRelease(repos: Repos): void {
  repos.commit('feat: first');
  repos.tag('v1.0.0');
}

/**
 * v1.0.0 (firstRelease), with a major tag `v1` on it when `v1` says which kind, then one change on
 * top (`subject`), pushed.
 */
export function changeAfterV100(
  subject: string,
  options: { v1?: 'annotated' | 'lightweight' } = {},
): (repos: Repos) => void {
  return (repos) => {
    firstRelease(repos);
    if (options.v1) repos.tag('v1', 'HEAD', options.v1 === 'annotated');
    repos.commit(subject);
    repos.push();
  };
}

/**
 * A real race, made certain: origin's pre-receive hook holds the first push whose ref lines match
 * `refPattern` (a grep pattern over the hook's input) until a second one has arrived (a FIFO, no
 * sleeps), so both pushes are under way at once.
 */
export function holdFirstPushUntilSecond(repos: Repos, refPattern: string): void {
  const fifo = path.join(repos.root, 'race.fifo');
  const first = path.join(repos.root, 'race.first');
  execFileSync('mkfifo', [fifo]);
  fs.writeFileSync(
    path.join(repos.remote, 'hooks', 'pre-receive'),
    [
      '#!/bin/sh',
      `grep -q '${refPattern}' || exit 0`,
      `if mkdir '${first}' 2>/dev/null; then timeout 30 sh -c "read go < '${fifo}'"; else echo go > '${fifo}'; fi`,
      'exit 0',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
}
