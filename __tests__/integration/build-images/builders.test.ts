import { runAction } from '@deploy-kit/harness';
import { request } from 'undici';
import {
  MANIFEST_ACCEPT,
  docker,
  namespace,
  sandbox,
  userDockerConfig,
  workspaceFrom,
  removeTestImages,
} from './helpers';

afterAll(removeTestImages);

const sb = sandbox();
const env = () => ({ DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: userDockerConfig() });

describe('build-images: builders', () => {
  test('builder: legacy builds with the classic docker build and still labels, tags and reports', async () => {
    const ns = namespace();
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('app'),
      inputs: {
        targets: '- service: web\n  context: .\n- service: worker\n  context: .',
        builder: 'legacy',
        'image-prefix': ns,
        tags: 'type=sha',
        network: 'host',
        policy: 'off',
        labels: 'org.example.team=platform',
      },
      env: env(),
      timeoutMs: 120_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.outputs.builder).toBe('legacy');
    expect(result.log).toMatch(/^Step 1\/\d+ : FROM local\/busybox:latest$/m);
    expect(result.log.match(/^::group::Build /gm)).toHaveLength(1);
    const labels = JSON.parse(
      docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', `${ns}/worker:sha-0123456`]),
    );
    expect(labels).toMatchObject({
      'org.example.team': 'platform',
      'org.opencontainers.image.revision': expect.any(String),
    });
    expect(result.summary).toMatch(/\| web, worker \| .* \| \d+\/\d+ \|/);
  }, 150_000);

  test('a second identical run is served from the cache, and the summary says so', async () => {
    const ns = namespace();
    const ws = workspaceFrom('app');
    const run = () =>
      runAction({
        action: 'build-images',
        workspace: ws,
        inputs: {
          targets: '- service: web\n  context: .',
          'image-prefix': ns,
          tags: 'type=sha',
          network: 'host',
          policy: 'off',
        },
        env: env(),
        timeoutMs: 120_000,
      });
    const first = await run();
    expect(first.error).toBeUndefined();
    const second = await run();
    expect(second.error).toBeUndefined();
    const hits = /\| (\d+)\/(\d+) \|\s*$/m.exec(second.summary);
    expect(hits).not.toBeNull();
    expect(Number(hits?.[2])).toBe(2); // RUN and COPY (FROM is not a build step)
    expect(hits?.[1]).toBe(hits?.[2]); // every step cached
    // Same layers; only the config differs (the created label is the build time).
    const layers = (result: typeof first) =>
      docker([
        'image',
        'inspect',
        '--format',
        '{{json .RootFS.Layers}}',
        JSON.parse(result.outputs.digests as string).web,
      ]);
    expect(layers(second)).toBe(layers(first));
  }, 200_000);

  test('cache-from with BuildKit: a cold cache is no error, and the pushed image carries inline cache for the next run', async () => {
    const ns = namespace();
    const cacheRef = `${sb.registry.address}/${ns}/web:main`;
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('app'),
      inputs: {
        targets: '- service: web\n  context: .',
        registry: sb.registry.address,
        'image-prefix': ns,
        tags: 'type=ref,event=branch',
        'cache-from': cacheRef,
        network: 'host',
        policy: 'off',
      },
      env: env(),
      timeoutMs: 120_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.log).toContain(`--build-arg BUILDKIT_INLINE_CACHE=1`);
    expect(result.log).toContain(`--cache-from ${cacheRef}`);
    // The image config in the registry holds BuildKit's inline cache metadata.
    const base = `http://${sb.registry.address}/v2/${ns}/web`;
    const manifest = (await (
      await request(`${base}/manifests/main`, { headers: { accept: MANIFEST_ACCEPT } })
    ).body.json()) as {
      config: { digest: string };
    };
    const config = await (await request(`${base}/blobs/${manifest.config.digest}`)).body.text();
    expect(config).toContain('moby.buildkit.cache.v0');
  }, 150_000);
});
