// The demo's tag-release stage. The demo workspace is a git repository with a conventional-commit
// history (made by initRepository before the first build, so the images are built from its
// HEAD) and a bare "origin" next to it. After the deploys, the committed tag-release bundle runs
// in a fresh clone of origin (what actions/checkout gives a workflow) and tags the release that
// is serving, then creates its GitHub Release. There is no GitHub here: the API is the harness's
// local stand-in (GitHubStandIn), which checks every request and response against GitHub's
// OpenAPI description.
'use strict';

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { GitHubStandIn, runAction } = require('../../packages/harness/dist/index.js');
const { line, more, saveRun, failure, rel } = require('./narrative');

const OWNER = 'example';
const REPO = 'django-app';
const DEVELOPER = { name: 'Demo Developer', email: 'developer@example.test' };

// The app's history as a team would have written it: conventional commits, each with its files.
// Whatever no entry names lands in the last commit.
const HISTORY = [
  [
    'feat: notes list with login, admin and a Celery word count',
    ['config', 'notes', 'manage.py', 'heartbeat.py'],
  ],
  ['test: pytest suite with production-like settings', ['tests', 'setup.cfg', 'pyproject.toml']],
  [
    'feat: container image and Compose services (web, celery, beat, nginx)',
    ['Dockerfile', 'docker', 'docker-compose.yml', '.dockerignore'],
  ],
  ['feat(deploy): env template, per-environment vars and vaults', ['deploy']],
  [
    "build: pin the image's Python packages for pip-audit, with the accepted advisories",
    ['requirements.txt', '.pip-audit-ignore.yml'],
  ],
  ['docs: README and local development values', []],
];

function paths(state) {
  const dir = path.join(state, 'release');
  return {
    dir,
    origin: path.join(dir, 'origin.git'),
    checkout: path.join(dir, 'checkout'),
    home: path.join(dir, 'home'),
  };
}

function gitEnv(home) {
  // Nothing from this machine's git configuration: the demo's own HOME, no system config.
  return {
    ...process.env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: DEVELOPER.name,
    GIT_AUTHOR_EMAIL: DEVELOPER.email,
    GIT_COMMITTER_NAME: DEVELOPER.name,
    GIT_COMMITTER_EMAIL: DEVELOPER.email,
  };
}

function git(cwd, home, ...args) {
  return execFileSync('git', args, { cwd, env: gitEnv(home), encoding: 'utf8' }).trim();
}

/** Makes the workspace a repository with the app's history and pushes it to a fresh bare origin. */
function initRepository(workspace, state) {
  const p = paths(state);
  fs.rmSync(p.dir, { recursive: true, force: true });
  fs.mkdirSync(p.home, { recursive: true });
  git(p.dir, p.home, 'init', '--quiet', '--bare', '--initial-branch=main', p.origin);
  git(workspace, p.home, 'init', '--quiet', '--initial-branch=main');
  for (const [message, files] of HISTORY) {
    const present = files.filter((f) => fs.existsSync(path.join(workspace, f)));
    git(workspace, p.home, 'add', '--all', '--', ...(present.length ? present : ['.']));
    git(workspace, p.home, 'commit', '--quiet', '-m', message);
  }
  git(workspace, p.home, 'remote', 'add', 'origin', p.origin);
  git(workspace, p.home, 'push', '--quiet', 'origin', 'main');
  return git(workspace, p.home, 'rev-parse', 'HEAD');
}

/** Tags `version` (the release that is serving) and creates its GitHub Release on the stand-in. */
async function tagRelease({ n, version, images, state, logs, note }) {
  const t = Date.now();
  const label = `${n} tag-release`;
  const p = paths(state);
  fs.rmSync(p.checkout, { recursive: true, force: true });
  git(p.dir, p.home, 'clone', '--quiet', p.origin, p.checkout);
  const head = git(p.checkout, p.home, 'rev-parse', 'HEAD');
  // A token only the stand-in knows, made for this run (the runner's GITHUB_TOKEN in a workflow).
  const token = `ghs_demo${crypto.randomBytes(18).toString('hex')}`;
  const gh = await GitHubStandIn.start({ token, owner: OWNER, repo: REPO });
  let run;
  try {
    run = await runAction({
      action: 'tag-release',
      workspace: p.checkout,
      inputs: {
        token,
        mode: 'auto',
        // No version tag yet: the first release is the version the pipeline built and deployed.
        'initial-version': version,
        images,
      },
      env: {
        GITHUB_API_URL: gh.url,
        GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
        GITHUB_REPOSITORY_OWNER: OWNER,
        GITHUB_SHA: head,
        HOME: p.home,
        GIT_CONFIG_NOSYSTEM: '1',
      },
      timeoutMs: 120_000,
    });
  } finally {
    await gh.close();
  }
  const where = saveRun(logs, 'tag-release', run);
  const tag = run.outputs.tag ?? '';
  const release = gh.releases.find((r) => r.tag_name === tag);
  let tagged;
  try {
    tagged = git(p.origin, p.home, 'rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`);
  } catch {
    tagged = undefined;
  }
  const problem =
    run.exitCode !== 0
      ? failure(run)
      : tag !== `v${version}`
        ? `it tagged '${tag || 'nothing'}' (bump ${run.outputs.bump}), not v${version}`
        : tagged !== head
          ? `origin has no ${tag} on ${head.slice(0, 12)}`
          : !release
            ? `the stand-in holds no GitHub Release for ${tag}`
            : gh.violations.length > 0
              ? `a request or response was off GitHub's OpenAPI description: ${gh.violations[0]}`
              : undefined;
  if (problem) {
    line(label, `FAILED: ${problem}`, Date.now() - t, where);
    throw new Error('tag-release failed');
  }
  const notesFile = path.join(logs, 'tag-release.notes.md');
  fs.writeFileSync(notesFile, run.outputs.notes ?? '');
  line(
    label,
    `${tag} tagged on ${head.slice(0, 12)} (${note}) and pushed to origin; GitHub Release ${release.name} created on the stand-in, page ${run.outputs['release-url']}`,
    Date.now() - t,
    where,
  );
  more(
    `the GitHub API is a local stand-in (no internet here) that checks every request and response against GitHub's OpenAPI description: ${gh.requests.length} ${gh.requests.length === 1 ? 'request' : 'requests'}, 0 off it; origin ${rel(p.origin)}`,
  );
  more(`release notes: ${rel(notesFile)}`);
  return { tag, head, releaseUrl: run.outputs['release-url'] };
}

module.exports = { initRepository, tagRelease };
