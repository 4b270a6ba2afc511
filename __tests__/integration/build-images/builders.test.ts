import { runAction } from '@deploy-kit/harness';
import { docker, namespace, sandbox, userDockerConfig, workspaceFrom } from './helpers';

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
});
