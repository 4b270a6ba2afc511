import { NODE20, runAction } from '@deploy-kit/harness';
import {
  namespace,
  registryDigest,
  sandbox,
  userDockerConfig,
  workspaceFrom,
  removeTestImages,
} from './helpers';

afterAll(removeTestImages);

const sb = sandbox();

describe('build-images: a Debian-based app image under policy strict', () => {
  test('passes the policy with no finding, builds once, pushes both services and verifies the digests', async () => {
    const ns = namespace();
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('debian'),
      inputs: {
        policy: 'strict',
        network: 'host',
        tags: 'type=sha\ntype=ref,event=branch',
        registry: sb.registry.address,
      },
      env: {
        DOCKER_HOST: sb.docker.host,
        DOCKER_CONFIG: userDockerConfig(),
        REGISTRY: sb.registry.address,
        IMAGE_NS: ns,
      },
      timeoutMs: 240_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.annotations).toEqual([]);
    expect(result.log).toContain('0 findings (policy: strict).');
    const digests = JSON.parse(result.outputs.digests as string) as Record<string, string>;
    for (const service of ['web', 'celery'])
      for (const tag of ['sha-0123456', 'main'])
        expect(await registryDigest(sb.registry.address, `${ns}/${service}`, tag)).toBe(digests[service]);
    expect(result.summary).toMatch(/\| web, celery \| .* \| \d+(\.\d)? MiB \|/);
  }, 260_000);
});

describe('build-images under Node 20', () => {
  test('the bundle also runs on the machine node (bundles must run on Node 20)', async () => {
    const ns = namespace();
    const result = await runAction({
      action: 'build-images',
      node: NODE20,
      workspace: workspaceFrom('app'),
      inputs: {
        targets: '- service: web\n  context: .',
        'image-prefix': ns,
        network: 'host',
        tags: 'type=sha',
        policy: 'off',
      },
      env: { DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: userDockerConfig() },
      timeoutMs: 120_000,
    });
    expect(result.error).toBeUndefined();
    expect(JSON.parse(result.outputs.images as string)).toEqual({ web: `${ns}/web:sha-0123456` });
  }, 150_000);
});
