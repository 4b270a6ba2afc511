import {
  baseInputs,
  buildAppImages,
  cleanup,
  currentRelease,
  deploy,
  hosts,
  makeApp,
  served,
  type App,
} from './helpers';

jest.setTimeout(300_000);

// Issue 14 E3: a fleet failure's sentence names every failed host with its own reason, not only
// the first host's. Addresses come from the sandbox info (any port offset / ssh net).
const targets = hosts.slice(0, 2);
let images: ReturnType<typeof buildAppImages>;
let app: App;

beforeAll(() => {
  images = buildAppImages();
  app = makeApp(targets);
});
afterAll(() => cleanup(app, targets));

test('both hosts fail their post hook for their own reason: the sentence names each host and its reason', async () => {
  const first = await deploy(app, {
    ...baseInputs(app, targets),
    images: `web=${images.v1}`,
    version: '1.0',
    'health-url': `http://{host}:${app.port}/version`,
    'health-expect': '1.0',
  });
  expect(first.error).toBeUndefined();

  const result = await deploy(app, {
    ...baseInputs(app, targets),
    images: `web=${images.v2}`,
    version: '2.0',
    'health-url': `http://{host}:${app.port}/version`,
    'health-expect': '2.0',
    // Both hosts switch together (the default, one at a time, would stop after the first failure).
    'max-unavailable': '100%',
    // A reason that differs per host: the host's own address in its hook's output.
    'post-deploy-command': 'echo "disk full on $DEPLOY_HOST" >&2; exit 3',
  });
  expect(result.exitCode).toBe(1);
  const sentence = result.error ?? '';
  for (const h of targets) {
    const name = `${h.host}:${h.port}`;
    expect(sentence).toContain(`${name}: the post-hook on ${name} exited with 3`);
    expect(sentence).toContain(`disk full on ${h.host}`);
  }
  expect(sentence).toMatch(/rolled back .* \(healthy\)/);
  for (const [i, h] of targets.entries()) {
    expect(await served(h, app)).toBe('1.0');
    expect(currentRelease(app.projectDirs[i] as string)).toBe('1.0');
  }
});
