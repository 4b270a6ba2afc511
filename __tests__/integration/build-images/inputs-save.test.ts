import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runAction } from '@deploy-kit/harness';
import { namespace, sandbox, userDockerConfig, workspaceFrom, removeTestImages } from './helpers';

afterAll(removeTestImages);

const sb = sandbox();
// REGISTRY: the fixture's Compose file defaults to port 5000, which a sandbox with a port offset moves.
const env = () => ({
  DOCKER_HOST: sb.docker.host,
  DOCKER_CONFIG: userDockerConfig(),
  REGISTRY: sb.registry.address,
});

/** File names inside a tar archive (ustar headers), enough to read docker save's manifest.json. */
function tarEntries(tar: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= tar.length;) {
    const name = tar
      .subarray(off, off + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(
      tar
        .subarray(off + 124, off + 136)
        .toString('utf8')
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    entries.set(name, tar.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

describe('build-images: explicit list, no registry, save-to', () => {
  test('builds the listed services once, does not push, and saves every tag to a tar.gz that docker load accepts', async () => {
    const ns = namespace();
    // The app in a subfolder: the contexts in targets and save-to resolve against working-directory.
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-ws-'));
    fs.renameSync(workspaceFrom('app'), path.join(ws, 'app'));
    const result = await runAction({
      action: 'build-images',
      workspace: ws,
      inputs: {
        'working-directory': 'app',
        targets:
          '- service: web\n  context: .\n  args: { RELEASE: "9" }\n- service: worker\n  context: .\n  args: { RELEASE: 9 }\n',
        'image-prefix': ns,
        tags: 'type=sha\ntype=ref,event=branch',
        network: 'host',
        'save-to': 'out/images.tar.gz',
      },
      env: env(),
      timeoutMs: 120_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.log).toContain(`Not pushing: ${ns}/web, ${ns}/worker name no registry`);
    expect(result.log.match(/^::group::Build /gm)).toHaveLength(1);
    const images = JSON.parse(result.outputs.images as string) as Record<string, string>;
    expect(images).toEqual({ web: `${ns}/web:sha-0123456`, worker: `${ns}/worker:sha-0123456` });
    const digests = JSON.parse(result.outputs.digests as string) as Record<string, string>;
    expect(digests.web).toMatch(/^sha256:[a-f0-9]{64}$/); // the local image ID
    expect(result.outputs['saved-to']).toBe(path.join(fs.realpathSync(ws), 'app/out/images.tar.gz'));
    expect(JSON.parse(result.outputs.results as string)).toEqual({
      status: 'passed',
      builder: result.outputs.builder,
      pushed: false,
      images,
      digests,
      tags: {
        web: [`${ns}/web:sha-0123456`, `${ns}/web:main`],
        worker: [`${ns}/worker:sha-0123456`, `${ns}/worker:main`],
      },
      savedTo: result.outputs['saved-to'],
    });

    const tar = gunzipSync(fs.readFileSync(result.outputs['saved-to'] as string));
    const manifest = JSON.parse(tarEntries(tar).get('manifest.json')?.toString('utf8') ?? '[]') as {
      RepoTags: string[];
    }[];
    expect(manifest.flatMap((m) => m.RepoTags).sort()).toEqual(
      [`${ns}/web:sha-0123456`, `${ns}/web:main`, `${ns}/worker:sha-0123456`, `${ns}/worker:main`].sort(),
    );
    // docker load reads it back (what remote-deploy does on a host without a registry).
    const loaded = execFileSync('docker', ['load', '--input', result.outputs['saved-to'] as string], {
      env: { ...process.env, DOCKER_HOST: sb.docker.host },
      encoding: 'utf8',
    });
    expect(loaded).toContain(`${ns}/web:main`);
  }, 150_000);

  test('pull request events are built but not pushed, and tagged pr-N', async () => {
    const ws = workspaceFrom('app');
    const event = path.join(ws, 'event.json');
    fs.writeFileSync(
      event,
      JSON.stringify({ pull_request: { number: 17 }, repository: { default_branch: 'main' } }),
    );
    const result = await runAction({
      action: 'build-images',
      workspace: ws,
      inputs: { registry: sb.registry.address, network: 'host', services: 'web', policy: 'off' },
      env: {
        ...env(),
        IMAGE_NS: namespace(),
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event,
        GITHUB_REF: 'refs/pull/17/merge',
      },
      timeoutMs: 120_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.log).toContain('Tags: pr-17, sha-0123456; not pushing.');
    expect(result.log).not.toMatch(/^::group::Push/m);
    expect(Object.keys(JSON.parse(result.outputs.images as string))).toEqual(['web']);
  }, 150_000);
});

describe('build-images: bad input is one sentence naming what and where', () => {
  const cases: [string, Record<string, string>, string | RegExp][] = [
    [
      'no Compose file',
      {},
      /^Invalid input: no Compose file in the workspace \(looked for compose\.yaml, compose\.yml, docker-compose\.yaml, docker-compose\.yml\); set 'compose-file' or list images in 'targets'\.$/,
    ],
    [
      'missing Compose file',
      { 'compose-file': 'deploy/compose.yml' },
      /^Invalid input: 'compose-file' deploy\/compose\.yml does not exist in the workspace/,
    ],
    [
      'unknown service',
      { 'compose-file': 'docker-compose.yml', services: 'web,worker' },
      "Invalid input: 'services' names 'worker', which is not in compose-file 'docker-compose.yml' (services with build: web, celery, celery_beat).",
    ],
    [
      'invalid tag',
      { 'compose-file': 'docker-compose.yml', tags: 'type=raw,value=has space' },
      "Invalid input: 'tags' rule 'type=raw,value=has space' gives 'has space', which is not a valid image tag (letters, digits, _ . -, at most 128, not starting with . or -).",
    ],
    [
      'invalid image name',
      { targets: '- service: Web_', registry: '127.0.0.1:5000' },
      /^Invalid input: the image name for service 'Web_' '[\w-]+\/Web_' is not a valid image name: the part 'web_' must be/,
    ],
    [
      'bad registry',
      { 'compose-file': 'docker-compose.yml', registry: 'not a host' },
      /^Invalid input: 'registry' 'not a host' is not a registry host/,
    ],
    [
      'missing context',
      { targets: '- service: web\n  context: nope' },
      "Invalid input: 'targets' context of 'web' 'nope' does not exist in the workspace.",
    ],
    [
      'context outside the workspace through a symlink',
      { targets: '- service: web\n  context: escape' },
      "Invalid input: 'targets' context of 'web' 'escape' is outside the workspace.",
    ],
    [
      'two builds, one image',
      { targets: '- service: a\n  image: shop/app\n- service: b\n  image: shop/app\n  target: other' },
      "Invalid input: services 'a' and 'b' both push to shop/app but are built differently (context, Dockerfile, args or target); give them different image names.",
    ],
    [
      'push without registry',
      { targets: '- service: web', push: 'true' },
      /^Invalid input: 'push' is true but [\w-]+\/web name no registry/,
    ],
  ];

  test.each(cases)('%s', async (_name, inputs, message) => {
    const ws = workspaceFrom(_name === 'no Compose file' ? 'secret' : 'app');
    fs.symlinkSync(os.tmpdir(), path.join(ws, 'escape'));
    const result = await runAction({
      action: 'build-images',
      workspace: ws,
      inputs: { 'image-prefix': namespace(), ...inputs },
      env: env(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
    if (typeof message === 'string') expect(result.error).toBe(message);
    else expect(result.error).toMatch(message);
    // Only `results`, whose envelope says how the run ended.
    expect(Object.keys(result.outputs)).toEqual(['results']);
    expect(JSON.parse(result.outputs.results as string)).toMatchObject({
      status: 'invalid-input',
      failure: result.error,
    });
  });
});
