import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadSandbox, REPO_ROOT } from '@deploy-kit/harness';

// The demo's pipeline as a test: examples/django-app built by build-images, then the one-step
// deploy (the root bundle) to three sandbox hosts behind nginx with TLS, then a faulty release
// (HSTS cut to five minutes) that passes every Compose healthcheck, fails the smoke test and is
// rolled back automatically. Checked from the outside: what the balancer serves over TLS, each
// host's release log and containers, and that no secret reached a log, output or summary.

// ansible-vault's ESM types do not fit this CommonJS test; its CommonJS entry is what render-env uses too.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Vault } = require('ansible-vault') as {
  Vault: new (options: { password: string }) => { decrypt(text: string): Promise<string> };
};

const sb = loadSandbox();
const APP = path.join(REPO_ROOT, 'examples', 'django-app');
const LOGS = path.join(sb.dir, 'demo', 'logs');
const hosts = sb.ssh.hosts.slice(0, 3);
let demo: ReturnType<typeof spawnSync>;
let secrets: string[] = [];

function demoRun(command: 'up' | 'down'): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'demo.d', 'pipeline.js'), command], {
    encoding: 'utf8',
    env: { ...process.env, DEPLOY_KIT_SANDBOX: sb.dir },
    timeout: 540_000,
  });
}

function docker(args: string[]): string {
  const r = spawnSync(sb.docker.cli || 'docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: sb.docker.config },
  });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function releaseLog(h: (typeof hosts)[number]): { version: string; outcome: string }[] {
  const file = path.join(h.workDir, 'demo-app', '.deploy-kit', 'releases.log');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { version: string; outcome: string });
}

beforeAll(async () => {
  const password = fs.readFileSync(path.join(APP, 'deploy', 'vault-password.demo'), 'utf8').trim();
  const text = fs.readFileSync(path.join(APP, 'deploy', 'group_vars', 'production', 'vault.yml'), 'utf8');
  const values = Object.values(parseYaml(await new Vault({ password }).decrypt(text)) as object).map(String);
  secrets = [...new Set([...values, ...values.map(encodeURIComponent), password])].filter(
    (v) => v.length >= 6,
  );
  demo = demoRun('up');
}, 600_000);

afterAll(() => {
  demoRun('down');
});

test('the demo ends with the URL that serves the app, after the automatic rollback', () => {
  expect(demo.stderr).toBe('');
  expect(demo.status).toBe(0);
  const out = String(demo.stdout);
  expect(out).toMatch(/1 lint-gate +(not yet|is real)/);
  expect(out).toMatch(/4 deploy +1\.0\.0 on all three hosts, smoke test green over TLS/);
  expect(out).toMatch(/6 deploy +1\.1\.0 deployed healthy, smoke test red, rolled back automatically/);
  expect(out).toMatch(/The app is served at https:\/\/127\.0\.0\.1:\d+\/\n$/);
});

test('the faulty release was rolled back on every host, verified over HTTP and by the release log', () => {
  const outputs = JSON.parse(fs.readFileSync(path.join(LOGS, 'deploy-1.1.0.outputs.json'), 'utf8')) as Record<
    string,
    string
  >;
  expect(outputs['rolled-back']).toBe('true');
  expect(outputs.version).toBe('1.0.0');
  const stages = JSON.parse(outputs.results ?? '{}') as Record<string, { status: string }>;
  expect(Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v.status]))).toEqual({
    'render-env': 'passed',
    'remote-deploy': 'passed',
    'smoke-test': 'failed',
    rollback: 'passed',
    'rollback-smoke-test': 'passed',
  });
  const log = fs.readFileSync(path.join(LOGS, 'deploy-1.1.0.log'), 'utf8');
  expect(log).toMatch(/FAIL headers: HSTS .*saw max-age=300/);
  for (const h of hosts) {
    expect(releaseLog(h).slice(-3)).toMatchObject([
      { version: '1.0.0', outcome: 'deployed' },
      { version: '1.1.0', outcome: 'deployed' },
      { version: '1.0.0', outcome: 'rollback-to' },
    ]);
    // Every container of the host's project runs a 1.0.0 image and is healthy: web and nginx by the
    // digests build-images pushed, celery and celery_beat by IMAGE_WEB from the .env (the same tag).
    const ids = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=demo-${h.name}`])
      .trim()
      .split('\n');
    const services: Record<string, string> = {};
    for (const id of ids) {
      const [service, image, health] = docker([
        'inspect',
        '--format',
        '{{index .Config.Labels "com.docker.compose.service"}}|{{.Config.Image}}|{{.State.Health.Status}}',
        id,
      ])
        .trim()
        .split('|');
      services[service!] = image!;
      expect(health).toBe('healthy');
    }
    expect(Object.keys(services).sort()).toEqual(['celery', 'celery_beat', 'nginx', 'web']);
    expect(services.web).toMatch(/\/demo\/django-app:1\.0\.0@sha256:[0-9a-f]{64}$/);
    expect(services.nginx).toMatch(/\/demo\/django-app-nginx:1\.0\.0@sha256:[0-9a-f]{64}$/);
    expect(services.celery).toMatch(/\/demo\/django-app:1\.0\.0$/);
  }
  // Through the TLS balancer, with the sandbox's certificate as the only trusted CA.
  const url = /The app is served at (\S+)/.exec(String(demo.stdout))?.[1] ?? '';
  const r = spawnSync('curl', ['-sS', '--cacert', sb.nginx.caCertFile, '-D', '-', `${url}healthz`], {
    encoding: 'utf8',
  });
  expect(r.stdout).toMatch(/^x-app-version: 1\.0\.0\r?$/im);
  expect(r.stdout).toMatch(/^strict-transport-security: max-age=31536000/im);
});

test('no secret reached a log, an output or a summary of any step', () => {
  const files = fs.readdirSync(LOGS).map((f) => path.join(LOGS, f));
  expect(files.length).toBeGreaterThanOrEqual(9);
  const text = [String(demo.stdout), ...files.map((f) => fs.readFileSync(f, 'utf8'))].join('\n');
  for (const secret of secrets) expect(text.includes(secret)).toBe(false);
  expect(text).not.toContain(fs.readFileSync(sb.ssh.clientKey, 'utf8').split('\n')[1]);
});
