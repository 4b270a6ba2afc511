import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import {
  GitHubStandIn,
  loadSandbox,
  pythonTools,
  REPO_ROOT,
  startOsvStandin,
  type OsvStandin,
} from '@deploy-kit/harness';
import {
  isActionError,
  noSignals,
  statusOf,
  type ActionContext,
  type ActionDefinition,
  type ActionResult,
  type RawInputs,
} from '@deploy-kit/shared';
import { buildImagesAction } from '../../../actions/build-images/src/action';
import { deployAction } from '../../../actions/deploy/src/action';
import { lintGateAction } from '../../../actions/lint-gate/src/action';
import { pipAuditAction } from '../../../actions/pip-audit/src/action';
import { remoteDeployAction } from '../../../actions/remote-deploy/src/action';
import { renderEnvAction } from '../../../actions/render-env/src/action';
import { smokeTestAction } from '../../../actions/smoke-test/src/action';
import { parseInputs as parseTagInputs, tagReleaseAction } from '../../../actions/tag-release/src/action';
import { baseInputs, buildAppImages, cleanup, makeApp, type App } from '../remote-deploy/helpers';
import { Repos, TOKEN } from '../tag-release/repo';

/**
 * Issue 17's contract, for all eight actions at once: each is a typed function called here, in
 * this process, with plain objects — parseInputs(raw) then run(inputs, context) — the way the root
 * action composes its stages. Every result has only the outputs its action.yml declares, a
 * `results` object that starts with the envelope (status, and failure when it did not pass), JSON
 * keys in camelCase, a job summary, and a failure that is returned (an ActionError whose kind
 * matches the status), never thrown.
 */

// tag-release's bundle loads the ESM-only parser with import(); jest's CommonJS runtime gets the
// same parser through its CommonJS transform (as in tag-release's own in-process test).
jest.mock('../../../actions/tag-release/src/parser', () => ({
  ...jest.requireActual('../../../actions/tag-release/src/parser'),
  loadParser: async () => (jest.requireActual('../../unit/tag-release/parser') as { parse: unknown }).parse,
}));

const idle: ActionContext = { signal: new AbortController().signal, signals: noSignals };
const sandbox = loadSandbox();
const saved = { ...process.env };
const temps: string[] = [];

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});
afterAll(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-contract-'));
  temps.push(ws);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
    fs.writeFileSync(path.join(ws, name), content);
  }
  process.env.GITHUB_WORKSPACE = ws;
  return ws;
}

/** Output names the action.yml of the action at `folder` declares. */
function declaredOutputs(folder: string): string[] {
  const meta = parse(fs.readFileSync(path.join(REPO_ROOT, folder, 'action.yml'), 'utf8')) as {
    outputs: Record<string, unknown>;
  };
  return Object.keys(meta.outputs);
}

/** Every key of every object inside `value` that is not camelCase (a name of a map entry excepted). */
function kebabKeys(value: unknown, mapKeys: RegExp, at = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => kebabKeys(v, mapKeys, `${at}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/^[a-z][a-zA-Z0-9]*$/.test(k) || mapKeys.test(at) ? [] : [`${at}.${k}`]),
    ...kebabKeys(v, mapKeys, `${at}.${k}`),
  ]);
}

/**
 * Call an action as the root action does and check the contract on its result. `mapKeys` names the
 * objects whose keys are data (gate names, stage names, service names), not field names.
 */
async function call<I, O extends { results: object }>(
  definition: ActionDefinition<I, O>,
  folder: string,
  raw: RawInputs,
  mapKeys = /^$/,
): Promise<ActionResult<O> & { status: string }> {
  const inputs = definition.parseInputs(raw);
  const result = await definition.run(inputs, idle);
  expect(Object.keys(result.outputs).filter((o) => !declaredOutputs(folder).includes(o))).toEqual([]);
  const results = result.outputs.results as { status?: string; failure?: string };
  expect(Object.keys(results)[0]).toBe('status');
  expect(results.status).toBe(statusOf(result.failure));
  if (result.failure) {
    expect(isActionError(result.failure)).toBe(true);
    expect(typeof results.failure).toBe('string');
  } else expect(results.failure).toBeUndefined();
  expect(kebabKeys(results, mapKeys)).toEqual([]);
  expect(typeof result.summary).toBe('string');
  expect(result.summary.trim()).not.toBe('');
  return { ...result, status: results.status as string };
}

describe('every action is a typed function called in-process with objects', () => {
  test('render-env renders the template it is given', async () => {
    const ws = workspace({ 'deploy/env.template': 'A={{ vars.a }}\nB={{ secrets.B }}\n' });
    const r = await call(renderEnvAction, 'render-env', {
      template: 'deploy/env.template',
      vars: 'a: 1',
      secrets: 'B=bee-secret-value',
      output: '.deploy/.env',
    });
    expect(r.status).toBe('passed');
    expect(r.outputs['secret-keys']).toEqual(['B']);
    expect(fs.readFileSync(path.join(ws, '.deploy/.env'), 'utf8')).toContain("A='1'");
  });

  test('smoke-test checks a URL; a red check is the returned failure', async () => {
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === '/' ? 200 : 500;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      workspace({});
      const green = await call(smokeTestAction, 'smoke-test', { url: `${url}/` });
      expect(green.status).toBe('passed');
      expect(green.outputs['passed-count']).toBe(1);
      const red = await call(smokeTestAction, 'smoke-test', {
        url: `${url}/broken`,
        timeout: '1s',
      });
      expect(red.status).toBe('failed');
      expect(red.outputs['failed-count']).toBe(1);
    } finally {
      server.close();
    }
  });

  test('lint-gate runs flake8; its findings are the returned policy failure', async () => {
    workspace({ 'app.py': 'import os\n' });
    const r = await call(
      lintGateAction,
      'lint-gate',
      { tools: 'flake8', python: path.join(pythonTools('lint-gate'), 'python') },
      /^\$\.gates$/,
    );
    expect(r.status).toBe('failed');
    expect(r.outputs['failed-tools']).toEqual(['flake8']);
  });

  describe('pip-audit against the OSV stand-in', () => {
    let osv: OsvStandin;
    beforeAll(async () => {
      osv = await startOsvStandin();
    });
    afterAll(async () => {
      await osv.stop();
    });

    test('an audit with findings is the returned policy failure', async () => {
      const ws = workspace({ 'requirements.txt': 'Django==3.2.10\n' });
      process.env.PATH = `${pythonTools('pip-audit')}${path.delimiter}${process.env.PATH}`;
      process.env.XDG_CACHE_HOME = path.join(ws, '.cache');
      const r = await call(
        pipAuditAction,
        'pip-audit',
        { 'osv-url': osv.queryUrl, 'index-check': 'off' },
        /^\$\.bySeverity$/,
      );
      expect(r.status).toBe('failed');
      expect(r.outputs['vulnerability-count']).toBeGreaterThan(0);
      expect(osv.violations).toEqual([]);
    });
  });

  test('tag-release cuts the next version against the GitHub stand-in', async () => {
    const repos = new Repos();
    const gh = await GitHubStandIn.start({ token: TOKEN });
    try {
      repos.commit('feat: first');
      repos.tag('v1.0.0');
      repos.commit('fix: second');
      repos.push();
      process.env.HOME = repos.home;
      process.env.GIT_CONFIG_NOSYSTEM = '1';
      process.env.GITHUB_WORKSPACE = repos.checkout();
      const inputs = parseTagInputs(
        { token: TOKEN },
        { GITHUB_REPOSITORY: 'example/app', GITHUB_API_URL: gh.url },
      );
      const r = await tagReleaseAction.run(inputs, idle);
      expect(r.failure).toBeUndefined();
      expect(r.outputs.results).toMatchObject({ status: 'passed', version: '1.0.1' });
      expect(Object.keys(r.outputs).filter((o) => !declaredOutputs('tag-release').includes(o))).toEqual([]);
      expect(kebabKeys(r.outputs.results, /^$/)).toEqual([]);
    } finally {
      await gh.close();
      repos.cleanup();
    }
  });

  test('build-images: a strict policy with findings is returned before any build', async () => {
    workspace({
      'docker-compose.yml': 'services:\n  web:\n    build: .\n    image: app/web\n',
      Dockerfile: `FROM ${sandbox.images.busybox}\nCMD ["httpd", "-f"]\n`,
    });
    process.env.GITHUB_REF = 'refs/heads/main';
    process.env.GITHUB_SHA = '0123456789abcdef0123456789abcdef01234567';
    const r = await call(buildImagesAction, 'build-images', { policy: 'strict', push: 'false' });
    expect(r.status).toBe('failed');
  });

  describe('remote-deploy and the one-step deploy, dry runs on the sandbox hosts', () => {
    const hosts = sandbox.ssh.hosts.slice(0, 2);
    let app: App;
    let image: string;
    beforeAll(() => {
      image = buildAppImages().v1;
      app = makeApp(hosts);
    }, 180_000);
    afterAll(() => cleanup(app, hosts));

    test('remote-deploy checks every host and changes none', async () => {
      process.env.GITHUB_WORKSPACE = app.workspace;
      const r = await call(remoteDeployAction, 'remote-deploy', {
        ...baseInputs(app, hosts),
        images: `web=${image}`,
        version: '1.0',
        'dry-run': 'true',
      });
      expect(r.status).toBe('passed');
      expect(r.outputs.results).toMatchObject({ dryRun: true });
      for (const dir of app.projectDirs) expect(fs.existsSync(dir)).toBe(false);
    });

    test('the one-step deploy composes render-env and remote-deploy (dry run: no smoke test)', async () => {
      process.env.GITHUB_WORKSPACE = app.workspace;
      fs.writeFileSync(
        path.join(app.workspace, 'env.template'),
        fs.readFileSync(path.join(app.workspace, 'app.env')),
      );
      const { 'env-file': _given, ...deployInputs } = baseInputs(app, hosts);
      const r = await call(
        deployAction,
        '.',
        {
          ...deployInputs,
          template: 'env.template',
          output: '.deploy/.env',
          images: `web=${image}`,
          version: '1.0',
          'dry-run': 'true',
          url: 'http://127.0.0.1:9/',
        },
        /^\$\.stages(\.[a-z-]+\.results(\.hosts\[\d+\])?)?$/,
      );
      expect(r.status).toBe('passed');
      expect(Object.keys((r.outputs.results as unknown as { stages: object }).stages)).toEqual([
        'render-env',
        'remote-deploy',
      ]);
      for (const dir of app.projectDirs) expect(fs.existsSync(dir)).toBe(false);
    });
  });
});
