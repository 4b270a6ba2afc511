import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitHubStandIn, pythonTools, REPO_ROOT, startOsvStandin, type OsvStandin } from '@deploy-kit/harness';
import { WorkflowRunner } from '../../packages/harness/src/workflow/runner';
import type { WorkflowRun } from '../../packages/harness/src/workflow/types';
import {
  extractValidation,
  lintGateLine,
  pipAuditLine,
  smokeLines,
} from '../../actions/tag-release/src/validation';
import { docker, freePort, hosts, sandbox, uniqueId, type Host } from '../integration/remote-deploy/helpers';

// workflows-examples/ end to end through the local runner, every deploy-kit step a committed
// bundle: a push runs ci.yml (build-images pushes to the sandbox registry) and deploy.yml follows
// (approved, the one-step deploy to the staging host); release.yml cuts the rc and dispatches its
// staging deploy, promote tags the same commit and dispatches the production deploy. Checked
// from the outside: what each host serves, which digest each runs, the tags in the origin and the
// releases on the GitHub stand-in.
//
// The copy of the examples gets the edits a user makes for their own setup (registry, SSH user)
// plus what this tiny busybox app cannot do (no Python to migrate with, no Django, no TLS in front:
// the smoke test runs its version suite only); the wiring between jobs and workflows is untouched.
// ci's gates are real: lint-gate runs black, flake8 and pytest with coverage on examples/django-app's
// Python source and tests (copied into the repository; the image deployed stays busybox), pip-audit
// checks the example app's pins against the OSV stand-in. Their results reach the release notes:
// the rc's Validation section carries them and the staging deploy and journey, the final's too.

const [stagingHost, productionHost] = hosts as [Host, Host];
const id = uniqueId();
const ns = `chain-${id}`;
const image = `${sandbox.registry.address}/${ns}/web`;
const VAULT = path.join(REPO_ROOT, 'examples', 'django-app', 'deploy');
const ports = { staging: freePort(), production: freePort() };
const dirs = {
  staging: `${stagingHost.workDir}/chain-${id}`,
  production: `${productionHost.workDir}/chain-${id}`,
};

let root: string;
let origin: string;
let github: GitHubStandIn;
let osv: OsvStandin;
let runner: WorkflowRunner;
const runs: WorkflowRun[] = [];

function git(args: string[], cwd = origin): string {
  return execFileSync('git', ['-c', 'user.name=dev', '-c', 'user.email=dev@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();
}

const COMPOSE = `services:
  web:
    build: { context: ./web }
    image: "\${IMAGE_WEB:-${image}}"
    network_mode: host
    init: true
    environment:
      BIND: \${DEPLOY_HOST}
      PORT: \${APP_PORT}
      APP_VERSION: \${APP_VERSION}
`;

// The version comes from the rendered .env at start: one image, the same digest in staging and production.
// build-images' strict policy wants a pinned base: the sandbox's busybox under a tag of its own.
const BASE = `${sandbox.images.busybox.replace(/:[^:/]+$/, '')}:chain-${id}`;
const DOCKERFILE = `FROM ${BASE}
COPY --chown=1000 www /www
USER 1000
HEALTHCHECK --interval=1s --timeout=2s --retries=5 CMD wget -q -O /dev/null "http://$BIND:$PORT/healthz" || exit 1
CMD printf '{"version": "%s"}\\n' "$APP_VERSION" > /www/healthz && exec httpd -f -p "$BIND:$PORT" -h /www
`;

const TEMPLATE = `DEBUG=false
APP_VERSION={{ vars.version }}
IMAGE_WEB={{ vars.image_repository }}:{{ vars.version }}
DJANGO_SECRET_KEY={{ vault.django_secret_key }}
ALLOWED_HOSTS=127.0.0.1
SESSION_COOKIE_SECURE=true
CSRF_COOKIE_SECURE=true
SECURE_SSL_REDIRECT=true
DATABASE_URL=postgres://app:{{urlencode vault.db_password}}@127.0.0.1:5432/app
METRICS_TOKEN={{ vault.metrics_token }}
APP_PORT={{ vars.port }}
`;

// The staging journey this app can walk (the seeds' log-in / write / download journey needs the real app).
const JOURNEY = `journeys:
  - name: read the version, then the page
    steps:
      - url: /healthz
        capture:
          version: { json: $.version, secret: false }
      - url: /index.html
        expect: { status: 200, body-contains: chain }
`;

// examples/django-app's Python source and tests (what ci's lint-gate checks), as tracked.
const APP_SOURCE =
  /^(manage\.py|heartbeat\.py|pyproject\.toml|setup\.cfg|\.gitignore|(notes|config|tests)\/.*)$/;

function prepareOrigin(): void {
  origin = path.join(root, 'origin');
  fs.mkdirSync(path.join(origin, 'web'), { recursive: true });
  git(['init', '--quiet', '--initial-branch=main']);
  const app = path.join(REPO_ROOT, 'examples', 'django-app');
  for (const f of git(['ls-files'], app)
    .split('\n')
    .filter((f) => APP_SOURCE.test(f))) {
    fs.mkdirSync(path.dirname(path.join(origin, f)), { recursive: true });
    fs.copyFileSync(path.join(app, f), path.join(origin, f));
  }
  // The example app's pins and its reviewed ignore list: what audit.yml's real pip-audit checks.
  for (const f of ['requirements.txt', '.pip-audit-ignore.yml'])
    fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'django-app', f), path.join(origin, f));
  fs.writeFileSync(path.join(origin, 'docker-compose.yml'), COMPOSE);
  fs.writeFileSync(path.join(origin, 'web', 'Dockerfile'), DOCKERFILE);
  // The served folder, the app user's (COPY needs no network, which the sandbox daemon's builds lack).
  fs.mkdirSync(path.join(origin, 'web', 'www'));
  fs.writeFileSync(path.join(origin, 'web', 'www', 'index.html'), 'chain\n');
  fs.mkdirSync(path.join(origin, 'deploy', 'vars'), { recursive: true });
  fs.writeFileSync(path.join(origin, 'deploy', 'env.template'), TEMPLATE);
  fs.writeFileSync(path.join(origin, 'deploy', 'journey.yml'), JOURNEY);
  for (const env of ['staging', 'production'] as const) {
    fs.writeFileSync(
      path.join(origin, 'deploy', 'vars', `${env}.yml`),
      `image_repository: ${image}\nport: ${ports[env]}\n`,
    );
    fs.cpSync(path.join(VAULT, 'group_vars', env), path.join(origin, 'deploy', 'group_vars', env), {
      recursive: true,
    });
  }
  git(['add', '.']);
  git(['commit', '--quiet', '-m', 'chore: scaffold']);
  fs.writeFileSync(path.join(origin, 'README'), 'stable\n');
  git(['add', '.']);
  git(['commit', '--quiet', '-m', 'feat!: the first stable interface']);
}

/** workflows-examples/, with a user's own settings and what the busybox app cannot serve. */
let osvUrl = '';
function prepareWorkflows(): string {
  const dir = path.join(root, 'workflows');
  fs.mkdirSync(dir);
  const edits: [RegExp, string][] = [
    [/ghcr\.io/g, sandbox.registry.address],
    [/^(\s+)user: deploy$/m, `$1user: ${sandbox.ssh.user}`],
    [/^(\s+)migrate-command: .*$/m, '$1migrate-command: "true"'],
    [/^(\s+)suites: .*$/m, '$1suites: version'],
    // No internet here: pip-audit (ci.yml, audit.yml) asks the OSV stand-in, and skips its own index check.
    [
      /^( +(?:- )?)uses: (org\/deploy-kit\/pip-audit@[^\n]*)\n( +)with:\n/gm,
      `$1uses: $2\n$3with:\n$3  osv-url: ${osvUrl}\n$3  index-check: 'off'\n`,
    ],
    // busybox httpd cannot listen beside itself (no SO_REUSEPORT): the one-step deploy replaces it
    // in place, as the README's strategy table says for an app that cannot run two copies.
    [/^( +)uses: (org\/deploy-kit@[^\n]*)\n( +)with:\n/m, '$1uses: $2\n$3with:\n$3  strategy: recreate\n'],
    // Its first release is 1.0.0 (deploy-kit's own release.yml says the same).
    [/^(\s+)mode: rc$/m, '$1mode: rc\n$1initial-version: 1.0.0'],
    [/^\s+(version-header|metrics-path|metrics-token): .*\n/gm, ''],
  ];
  const unused = new Set(edits.map(([from]) => from));
  for (const file of fs.readdirSync(path.join(REPO_ROOT, 'workflows-examples'))) {
    let text = fs.readFileSync(path.join(REPO_ROOT, 'workflows-examples', file), 'utf8');
    for (const [from, to] of edits) {
      from.lastIndex = 0;
      if (from.test(text)) unused.delete(from);
      text = text.replace(from, to);
    }
    fs.writeFileSync(path.join(dir, file), text);
  }
  // An edit that matches nothing would leave the user's setting in place (e.g. pip-audit asking the
  // real OSV service): the copy must say so, not run.
  if (unused.size > 0) throw new Error(`workflow edits that match no example: ${[...unused].join(', ')}`);
  return dir;
}

function environment(
  env: 'staging' | 'production',
  host: Host,
): { vars: Record<string, string>; secrets: Record<string, string> } {
  const hostsYaml = JSON.stringify([
    { host: host.host, port: host.port, 'project-dir': dirs[env], 'project-name': `chain${id}${env}` },
  ]);
  return {
    vars: { DEPLOY_HOSTS: hostsYaml, APP_URL: `http://${host.host}:${ports[env]}/` },
    secrets: { SSH_KNOWN_HOSTS: host.knownHostsLine },
  };
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-chain-'));
  docker(['tag', sandbox.images.busybox, BASE]);
  prepareOrigin();
  github = await GitHubStandIn.start({ token: 'ghs_chain', owner: 'example', repo: 'app' });
  osv = await startOsvStandin();
  osvUrl = osv.queryUrl;
  const dockerConfig = fs.mkdtempSync(path.join(root, 'docker-'));
  runner = new WorkflowRunner({
    workflowsDir: prepareWorkflows(),
    // ci-sharded.yml replaces ci.yml in a repository (same name, `ci`): this chain runs ci.yml.
    disabled: ['ci-sharded.yml'],
    repository: 'example/app',
    origin,
    github,
    token: 'ghs_chain',
    secrets: {
      SSH_PRIVATE_KEY: fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
      VAULT_PASSWORD: fs.readFileSync(path.join(VAULT, 'vault-password.demo'), 'utf8').trim(),
      METRICS_TOKEN: 'unused-by-the-version-suite',
    },
    environments: {
      staging: environment('staging', stagingHost),
      production: environment('production', productionHost),
    },
    commands: { pip: '#!/bin/sh\nexit 0\n' },
    env: {
      DOCKER_HOST: sandbox.docker.host,
      DOCKER_CONFIG: dockerConfig,
      // setup-python's stand-in is the machine's python3: the lint-gate tool set's comes first
      // (black, flake8, pytest, pytest-cov, Django and what the app imports), as `pip install` would.
      PATH: [pythonTools('lint-gate'), pythonTools('pip-audit'), process.env.PATH ?? ''].join(path.delimiter),
    },
    log: (line) => process.stdout.write(`${line}\n`),
  });
}, 60_000);

afterAll(async () => {
  runner?.close();
  await github?.close();
  await osv?.stop();
  for (const env of ['staging', 'production']) {
    const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=chain${id}${env}`]).trim();
    if (ids) docker(['rm', '-f', ...ids.split('\n')]);
  }
  for (const ref of [
    BASE,
    ...docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', image]).split('\n'),
  ])
    if (ref.trim()) docker(['image', 'rm', '--force', ref.trim()]);
  fs.rmSync(root, { recursive: true, force: true });
  // The release trees belong to the hosts' login user; as root (the sandbox's usual caller) remove them too.
  if (process.getuid?.() === 0)
    for (const dir of Object.values(dirs)) fs.rmSync(dir, { recursive: true, force: true });
});

const served = async (env: 'staging' | 'production', host: Host): Promise<string> => {
  const res = await fetch(`http://${host.host}:${ports[env]}/healthz`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { version: string }).version;
};

function runningImage(env: 'staging' | 'production'): string {
  const ids = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=chain${id}${env}`]).trim();
  expect(ids.split('\n')).toHaveLength(1);
  return docker(['inspect', '--format', '{{.Image}}', ids]).trim();
}

const summary = (r: WorkflowRun[]): string[][] => r.map((x) => [x.workflow, x.event.name, x.conclusion]);

test('a push to main: ci builds and pushes, deploy follows, approved, to the staging host', async () => {
  const pushed = await runner.push('main');
  runs.push(...pushed);
  const failing = pushed
    .flatMap((r) => Object.values(r.jobs))
    .flatMap((j) => j.instances.flatMap((i) => i.steps))
    .filter((s) => s.outcome === 'failure');
  expect(failing.map((s) => `${s.id}: ${s.log.slice(-3000)}`)).toEqual([]);
  expect(summary(pushed)).toEqual(
    expect.arrayContaining([
      ['ci', 'push', 'success'],
      ['deploy', 'workflow_run', 'success'],
    ]),
  );
  const sha = git(['rev-parse', 'HEAD']);
  expect(await served('staging', stagingHost)).toBe(`sha-${sha.slice(0, 7)}`);
  // Releases are cut by hand (release.yml has no push trigger): no tag, no release from a push.
  expect(pushed.filter((r) => r.workflow === 'release')).toEqual([]);
  expect(git(['tag', '--list'])).toBe('');
  expect(github.releases).toEqual([]);
  // ci kept the gates' results and the images for this commit's rc (the evidence artifact).
  const ci = pushed.find((r) => r.workflow === 'ci') as WorkflowRun;
  expect(ci.jobs.evidence?.result).toBe('success');
  expect(fs.readdirSync(path.join(runner.state.artifactsDir, String(ci.id), 'evidence')).sort()).toEqual([
    'images.json',
    'lint-gate.json',
    'pip-audit.json',
  ]);
}, 600_000);

const sha = (): string => git(['rev-parse', 'HEAD']);

test('release rc: v1.0.0-rc.1 tagged and released, its staging deploy runs the same images and the journey', async () => {
  const cut = await runner.dispatch('release.yml', 'main', { mode: 'rc' });
  runs.push(...cut);
  expect(summary(cut)).toEqual([
    ['release', 'workflow_dispatch', 'success'],
    ['deploy', 'workflow_dispatch', 'success'],
  ]);
  expect(git(['rev-parse', 'v1.0.0-rc.1^{commit}'])).toBe(sha());
  expect(github.releases.map((r) => [r.tag_name, r.prerelease])).toEqual([['v1.0.0-rc.1', true]]);
  const deploy = cut[1] as WorkflowRun;
  expect(deploy.event.ref).toBe('refs/tags/v1.0.0-rc.1');
  const steps = deploy.jobs.deploy?.instances[0]?.steps ?? [];
  // The one-step deploy, then the journey (smoke-test bundle, deploy/journey.yml) on the new release.
  expect(
    steps
      .filter((s) => s.uses?.startsWith('org/deploy-kit'))
      .map((s) => [s.uses?.replace(/@.*$/, ''), s.outcome]),
  ).toEqual([
    ['org/deploy-kit', 'success'],
    ['org/deploy-kit/smoke-test', 'success'],
  ]);
  const journey = JSON.parse(
    steps.find((s) => s.uses?.includes('smoke-test'))?.outputs.results ?? '{}',
  ) as Record<string, unknown>;
  expect(journey.status).toBe('passed');
  expect(await served('staging', stagingHost)).toBe(`sha-${sha().slice(0, 7)}`);
  expect(deploy.jobs.validation?.result).toBe('success');
  expect(github.violations).toEqual([]);

  // The rc's notes, as the GitHub stand-in holds them: ci's gates for this commit, then what its
  // staging deploy and journey proved (added by deploy.yml's validation job), with that run's numbers.
  const notes = releaseBody('v1.0.0-rc.1');
  const validation = extractValidation(notes) ?? [];
  const { lintGate, pipAudit, images } = ciEvidence();
  const pytest = (lintGate.gates as { pytest: { counts: Record<string, number> } }).pytest.counts;
  expect(pytest.passed).toBeGreaterThan(50); // examples/django-app's suite, run by the real lint-gate
  expect(validation).toContain(lintGateLine(lintGate));
  expect(lintGateLine(lintGate)).toContain(
    `pytest ${pytest.passed} passed, 0 failed, ${pytest.skipped ?? 0} skipped`,
  );
  expect(lintGateLine(lintGate)).toMatch(/coverage \d+\.\d+ % ≥ 80 %/);
  expect(validation).toContain(pipAuditLine(pipAudit));
  expect(pipAuditLine(pipAudit)).toMatch(
    /^- \*\*Dependency audit\*\* \(pip-audit, passed\): \d+ vulnerabilit/,
  );
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(images.web ?? '')?.[1] as string;
  // build-images names an image by its first tag (the branch); the digest is what staging pulled as sha-<7 hex>.
  expect(validation).toContain(`| web | \`${image}:main\` | \`${digest}\` |`);
  const staged = JSON.parse(steps.find((s) => s.id === 'deploy')?.outputs.results ?? '{}') as {
    version: string;
  };
  expect(staged.version).toBe(`sha-${sha().slice(0, 7)}`);
  expect(validation.join('\n')).toContain(`- **Deploy in staging** (passed): version \`${staged.version}\``);
  expect(validation.join('\n')).toContain(smokeLines(journey, ' in staging').join('\n'));
  expect(validation.join('\n')).toContain('(journey)');

  // The staging deploy run again on the rc (a rerun, a second look): its lines are replaced, not added.
  const again = await runner.dispatch('deploy.yml', 'v1.0.0-rc.1', {
    environment: 'staging',
    version: staged.version,
  });
  runs.push(...again);
  expect(again.map((r) => [r.jobs.deploy?.result, r.jobs.validation?.result])).toEqual([
    ['success', 'success'],
  ]);
  const rerun = releaseBody('v1.0.0-rc.1');
  expect(rerun.split('- **Deploy in staging**')).toHaveLength(2);
  expect(rerun.split('- **Release gate**')).toHaveLength(2);
  // Everything after the Validation section (breaking changes, contributors, the changelog link) is untouched.
  const rest = (body: string): string => body.slice(body.indexOf('\n### ', 1));
  expect(rest(rerun)).toContain('### ⚠ Breaking changes');
  expect(rest(rerun)).toBe(rest(notes));
}, 600_000);

const releaseBody = (tag: string): string => github.releases.find((r) => r.tag_name === tag)?.body ?? '';

/** What ci's push run measured for this commit: its jobs' outputs. */
function ciEvidence(): {
  lintGate: Record<string, unknown>;
  pipAudit: Record<string, unknown>;
  images: Record<string, string>;
} {
  const ci = runs.find((r) => r.workflow === 'ci' && r.event.name === 'push') as WorkflowRun;
  return {
    lintGate: JSON.parse(ci.jobs.lint?.outputs.results ?? '{}') as Record<string, unknown>,
    pipAudit: JSON.parse(ci.jobs.audit?.outputs.results ?? '{}') as Record<string, unknown>,
    images: JSON.parse(ci.jobs.build?.outputs.images ?? '{}') as Record<string, string>,
  };
}

test('promote: v1.0.0 on the same commit, and production runs exactly the digest staging validated', async () => {
  const promoted = await runner.dispatch('release.yml', 'v1.0.0-rc.1', { mode: 'promote' });
  runs.push(...promoted);
  expect(summary(promoted)).toEqual([
    ['release', 'workflow_dispatch', 'success'],
    ['deploy', 'workflow_dispatch', 'success'],
  ]);
  expect(git(['rev-parse', 'v1.0.0^{commit}'])).toBe(sha());
  expect(github.releases.map((r) => [r.tag_name, r.prerelease])).toEqual(
    expect.arrayContaining([['v1.0.0', false]]),
  );
  expect(runner.approvals.map((a) => [a.environment, a.approved])).toEqual([
    ['staging', true],
    ['staging', true],
    ['staging', true],
    ['production', true],
  ]);
  expect(await served('production', productionHost)).toBe(`sha-${sha().slice(0, 7)}`);
  // The digest build-images pushed for this commit, running in both environments.
  const built = JSON.parse(runs[0]?.jobs.build?.outputs.images ?? '{}') as Record<string, string>;
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(built.web ?? '')?.[1];
  expect(digest).toBeDefined();
  for (const env of ['staging', 'production'] as const) {
    const repoDigests = docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', runningImage(env)]);
    expect(JSON.parse(repoDigests)).toContain(`${image}@${digest}`);
  }
  expect(runningImage('production')).toBe(runningImage('staging'));

  // The final's notes name the rc and carry every Validation line of the rc's notes.
  const final = releaseBody('v1.0.0');
  expect(final).toMatch(
    /^### Validation\nPromoted from \*\*v1\.0\.0-rc\.1\*\*: the same commit \(`[0-9a-f]{12}`\), validated in staging before this tag\.\n/,
  );
  const carried = (extractValidation(releaseBody('v1.0.0-rc.1')) ?? []).join('\n');
  expect(final).toContain(`As v1.0.0-rc.1 (from its release notes):\n\n${carried}`);
  expect(final).toContain(lintGateLine(ciEvidence().lintGate));
  expect(final).toContain(`\`${digest}\``);
  expect(final).toContain('- **Smoke test in staging** (passed)');
  expect(final).not.toContain('<!--');
  expect(github.violations).toEqual([]);
}, 600_000);

test('a fork pull request from a branch named main runs ci and deploys nothing', async () => {
  const before = await served('staging', stagingHost);
  const pr = await runner.pullRequest({
    number: 7,
    headRef: 'main',
    sha: sha(),
    headRepository: 'mallory/app',
  });
  expect(summary(pr)).toEqual([
    ['ci', 'pull_request', 'success'],
    ['deploy', 'workflow_run', 'success'],
  ]);
  expect(pr[1]?.jobs.deploy?.result).toBe('skipped');
  expect(runner.approvals).toHaveLength(4);
  expect(await served('staging', stagingHost)).toBe(before);
}, 600_000);

test('audit.yml on its schedule: the real pip-audit against OSV, the report kept for next week, SARIF uploaded', async () => {
  const weekly = await runner.schedule('audit.yml');
  const again = await runner.schedule('audit.yml');
  const failing = [...weekly, ...again]
    .flatMap((r) => Object.values(r.jobs))
    .flatMap((j) => j.instances.flatMap((i) => i.steps))
    .filter((s) => s.outcome === 'failure');
  expect(failing.map((s) => `${s.id}: ${s.log.slice(-2000)}`)).toEqual([]);
  expect(summary([...weekly, ...again])).toEqual([
    ['audit', 'schedule', 'success'],
    ['audit', 'schedule', 'success'],
  ]);
  expect(runner.state.sarif.map((s) => s.category)).toEqual(['pip-audit', 'pip-audit']);
  expect(osv.requests.filter((q) => q.path === '/v1/query').length).toBeGreaterThan(0);
  expect(osv.violations).toEqual([]);
  // The weekly artifact: the second week's report compares with the first week's (from the Actions cache).
  const report = (run: WorkflowRun | undefined): { changes?: unknown } =>
    JSON.parse(
      fs.readFileSync(
        path.join(runner.state.artifactsDir, String(run?.id), 'pip-audit-report', 'report.json'),
        'utf8',
      ),
    ) as { changes?: unknown };
  expect(report(weekly[0]).changes).toBeUndefined();
  expect(report(again[0]).changes).toBeDefined();
}, 600_000);

test('no secret of the chain reached a step log', () => {
  const key = fs.readFileSync(sandbox.ssh.clientKey, 'utf8').trim().split('\n').slice(1, -1);
  const vaultPassword = fs.readFileSync(path.join(VAULT, 'vault-password.demo'), 'utf8').trim();
  const logs = runs
    .flatMap((r) => Object.values(r.jobs))
    .flatMap((j) => j.instances.flatMap((i) => i.steps))
    .map((s) => s.log);
  expect(logs.length).toBeGreaterThan(10);
  for (const secret of [vaultPassword, ...key]) expect(logs.filter((l) => l.includes(secret))).toEqual([]);
});
