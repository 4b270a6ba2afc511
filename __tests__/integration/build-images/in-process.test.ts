import * as fs from 'node:fs';
import { listenForCancel, manualSignals } from '@deploy-kit/shared';
import { buildImagesAction } from '../../../actions/build-images/src/action';
import { namespace, registryDigest, removeTestImages, sandbox, workspaceFrom } from './helpers';

// issue 17: the typed entry point called in-process with objects (as the root action and the
// deploy-kit command do): parseInputs(raw) → run(inputs, context) → outputs, summary, no failure.

afterAll(removeTestImages);

/** The runner's environment for a checkout of main at a known sha; returns what to restore. */
function runnerEnv(ws: string, ns: string): NodeJS.ProcessEnv {
  const sb = sandbox();
  const saved = { ...process.env };
  Object.assign(process.env, {
    GITHUB_WORKSPACE: ws,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    DOCKER_HOST: sb.docker.host,
    REGISTRY: sb.registry.address,
    IMAGE_NS: ns,
  });
  return saved;
}

function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
}

test('parseInputs + run in-process: builds, pushes and returns typed outputs with results', async () => {
  const sb = sandbox();
  const ns = namespace();
  const ws = workspaceFrom('app');
  const saved = runnerEnv(ws, ns);
  const cancel = listenForCancel(manualSignals().source);
  try {
    const inputs = buildImagesAction.parseInputs({
      registry: sb.registry.address,
      services: 'web',
      tags: 'type=sha',
      network: 'host',
    });
    const result = await buildImagesAction.run(inputs, { signal: cancel.signal, signals: cancel.source });
    expect(result.failure).toBeUndefined();
    const served = await registryDigest(sb.registry.address, `${ns}/web`, 'sha-0123456');
    expect(result.outputs.results).toEqual({
      status: 'passed',
      builder: result.outputs.builder,
      pushed: true,
      images: { web: `${sb.registry.address}/${ns}/web:sha-0123456@${served}` },
      digests: { web: served },
      tags: { web: [`${sb.registry.address}/${ns}/web:sha-0123456`] },
    });
    expect(result.outputs.images).toEqual(result.outputs.results.images);
    expect(result.summary).toMatch(/^\| web \|/m);
  } finally {
    cancel.stop();
    restoreEnv(saved);
    fs.rmSync(ws, { recursive: true, force: true });
  }
}, 120_000);

test('a run cancelled before its builds returns status cancelled and builds nothing', async () => {
  const ws = workspaceFrom('app');
  const saved = runnerEnv(ws, namespace());
  const signals = manualSignals();
  const cancel = listenForCancel(signals.source);
  try {
    const inputs = buildImagesAction.parseInputs({ services: 'web', tags: 'type=sha', push: 'false' });
    signals.send('SIGINT');
    const result = await buildImagesAction.run(inputs, { signal: cancel.signal, signals: cancel.source });
    expect(result.failure?.kind).toBe('tool');
    expect(result.outputs.results).toMatchObject({
      status: 'cancelled',
      failure: 'Could not run: cancelled by the runner (SIGINT).',
      images: {},
    });
  } finally {
    cancel.stop();
    restoreEnv(saved);
    fs.rmSync(ws, { recursive: true, force: true });
  }
}, 60_000);
