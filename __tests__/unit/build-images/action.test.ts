import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { manualSignals, listenForCancel } from '@deploy-kit/shared';
import { buildImagesAction } from '../../../actions/build-images/src/action';

// issue 17: the typed entry point, called in-process with objects. A strict policy's findings are
// the returned failure (never thrown), and `results` carries the envelope on every path. Both runs
// end before any docker command (the policy runs before the builds).

const FIXTURES = path.resolve(__dirname, '../../fixtures/build-images');
let workspace: string;
const saved = { ws: process.env.GITHUB_WORKSPACE, ref: process.env.GITHUB_REF, sha: process.env.GITHUB_SHA };

beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-unit-action-'));
  fs.cpSync(path.join(FIXTURES, 'policy'), path.join(workspace, 'app'), { recursive: true });
  process.env.GITHUB_WORKSPACE = workspace;
  process.env.GITHUB_REF = 'refs/heads/main';
  process.env.GITHUB_SHA = '0123456789abcdef0123456789abcdef01234567';
});
afterAll(() => {
  for (const [name, value] of [
    ['GITHUB_WORKSPACE', saved.ws],
    ['GITHUB_REF', saved.ref],
    ['GITHUB_SHA', saved.sha],
  ] as const)
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  fs.rmSync(workspace, { recursive: true, force: true });
});

function context() {
  const cancel = listenForCancel(manualSignals().source);
  return { signal: cancel.signal, signals: cancel.source };
}

test('the definition: name, secret inputs, defaults from action.yml', () => {
  expect(buildImagesAction.name).toBe('build-images');
  expect(buildImagesAction.secretInputs).toEqual(['registry-password', 'secrets']);
  expect(buildImagesAction.defaults).toMatchObject({ 'working-directory': '.', 'push-timeout': '2m' });
  expect(typeof buildImagesAction.post).toBe('function');
});

test('paths resolve against working-directory; push-timeout is a duration', () => {
  const inputs = buildImagesAction.parseInputs({ 'working-directory': 'app', 'push-timeout': '90s' });
  expect(inputs.workingDirectory).toBe(fs.realpathSync(path.join(workspace, 'app')));
  expect(inputs.composeFile).toBe(fs.realpathSync(path.join(workspace, 'app', 'docker-compose.yml')));
  expect(inputs.pushTimeoutMs).toBe(90_000);
  expect(() =>
    buildImagesAction.parseInputs({ 'working-directory': 'app', 'save-to': '../../x.tar.gz' }),
  ).toThrow("'save-to' must be a path inside the workspace");
});

test('a strict policy with findings is a returned PolicyFailure with results.status failed', async () => {
  const inputs = buildImagesAction.parseInputs({
    'working-directory': 'app',
    policy: 'strict',
    push: 'false',
  });
  const result = await buildImagesAction.run(inputs, context());
  expect(result.failure?.kind).toBe('policy');
  expect(result.outputs.results).toMatchObject({
    status: 'failed',
    failure: expect.stringMatching(/^Policy failed: \d+ Dockerfile findings under policy strict: /),
    pushed: false,
    images: {},
  });
  expect(result.outputs.images).toBeUndefined();
  expect(result.summary).toContain('Policy failed');
});

test('an input error found while planning is returned too, with status invalid-input', async () => {
  const inputs = buildImagesAction.parseInputs({
    'working-directory': 'app',
    services: 'nope',
    push: 'false',
  });
  const result = await buildImagesAction.run(inputs, context());
  expect(result.failure?.kind).toBe('input');
  expect(result.outputs.results.status).toBe('invalid-input');
});
