import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { runAction } from '@deploy-kit/harness';
import {
  docker,
  namespace,
  registryDigest,
  registryTags,
  sandbox,
  userDockerConfig,
  workspaceFrom,
  removeTestImages,
} from './helpers';

afterAll(removeTestImages);

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('build-images: Compose app with web, celery, celery_beat on one context', () => {
  const sb = sandbox();
  const ns = namespace();
  const ws = workspaceFrom('app');
  const userConfig = userDockerConfig();
  let result: Awaited<ReturnType<typeof runAction>>;

  beforeAll(async () => {
    result = await runAction({
      action: 'build-images',
      workspace: ws,
      inputs: {
        'compose-file': 'docker-compose.yml',
        registry: sb.registry.address,
        tags: `type=sha\ntype=raw,value=run-${ns}`,
        network: 'host',
      },
      env: {
        DOCKER_HOST: sb.docker.host,
        DOCKER_CONFIG: userConfig,
        REGISTRY: sb.registry.address,
        IMAGE_NS: ns,
        RELEASE: '4.2.0',
      },
      post: true,
      timeoutMs: 180_000,
    });
  }, 200_000);

  test('succeeds with one build, tagged for all three services', () => {
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    const builds = result.log.split('\n').filter((l) => /^\[command\]\S*docker (buildx )?build /.test(l));
    expect(builds).toHaveLength(1);
    for (const service of ['web', 'celery', 'celery_beat'])
      expect(builds[0]).toContain(`--tag ${sb.registry.address}/${ns}/${service}:sha-0123456`);
    expect(result.log.match(/^::group::Build /gm)).toHaveLength(1);
  });

  test('every tag is in the registry and each digest is the registry manifest digest', async () => {
    const digests = JSON.parse(result.outputs.digests as string) as Record<string, string>;
    const images = JSON.parse(result.outputs.images as string) as Record<string, string>;
    expect(Object.keys(images)).toEqual(['web', 'celery', 'celery_beat']);
    expect(new Set(Object.values(digests)).size).toBe(1); // built once: one image, one digest
    for (const service of ['web', 'celery', 'celery_beat']) {
      expect(await registryTags(sb.registry.address, `${ns}/${service}`)).toEqual(
        [`run-${ns}`, 'sha-0123456'].sort(),
      );
      const served = await registryDigest(sb.registry.address, `${ns}/${service}`, 'sha-0123456');
      expect(served).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(digests[service]).toBe(served);
      expect(images[service]).toBe(`${sb.registry.address}/${ns}/${service}:sha-0123456@${served}`);
      expect(await registryDigest(sb.registry.address, `${ns}/${service}`, `run-${ns}`)).toBe(served);
    }
  });

  test('OCI labels and the Compose build arg are on the image', () => {
    const ref = `${sb.registry.address}/${ns}/web:sha-0123456`;
    const labels = JSON.parse(
      docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', ref]),
    ) as Record<string, string>;
    expect(labels).toMatchObject({
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.source': 'https://github.com/example/app',
      'org.opencontainers.image.title': 'app',
      'org.opencontainers.image.version': 'sha-0123456',
    });
    expect(Date.parse(labels['org.opencontainers.image.created'] as string)).not.toBeNaN();
    expect(docker(['run', '--rm', '--network', 'host', ref, 'cat', '/release']).trim()).toBe('4.2.0');
  });

  test('compose-override pins each service by digest; docker-compose v1 pulls and runs it', () => {
    const override = result.outputs['compose-override'] as string;
    const digests = JSON.parse(result.outputs.digests as string) as Record<string, string>;
    const doc = parse(override) as { version: string; services: Record<string, { image: string }> };
    expect(doc.version).toBe('3.8');
    expect(doc.services.web?.image).toBe(`${sb.registry.address}/${ns}/web@${digests.web}`);
    const file = path.join(ws, 'override.yml');
    fs.writeFileSync(file, override);
    const env = { ...process.env, DOCKER_HOST: sb.docker.host, IMAGE_NS: ns, DOCKER_CONFIG: userConfig };
    const args = ['-p', ns, '-f', path.join(ws, 'docker-compose.yml'), '-f', file];
    const config = parse(execFileSync('docker-compose', [...args, 'config'], { env, encoding: 'utf8' })) as {
      services: Record<string, { image: string }>;
    };
    expect(config.services.celery_beat?.image).toBe(
      `${sb.registry.address}/${ns}/celery_beat@${digests.celery_beat}`,
    );
    execFileSync('docker-compose', [...args, 'pull', '--quiet', 'web', 'celery', 'celery_beat'], {
      env,
      stdio: 'pipe',
    });
    // Run the pinned image the way a deploy would (every service is network_mode: host, so no network is created).
    const out = execFileSync('docker-compose', [...args, 'run', '--rm', '--no-deps', 'celery_beat'], {
      env,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('service celery_beat release 4.2.0');
    expect(docker(['network', 'ls', '--format', '{{.Name}}'])).not.toContain(ns);
  });

  test('job summary lists tags, digest, size, build time and cache hits', () => {
    const digest = (JSON.parse(result.outputs.digests as string) as Record<string, string>).web as string;
    expect(result.summary).toContain('1 build for 3 services');
    expect(result.summary).toContain('| Services | Tags | Digest | Size | Build time | Cache hits |');
    expect(result.summary).toMatch(
      new RegExp(
        `\\| web, celery, celery_beat \\| [^|]*${ns}/celery_beat:sha-0123456[^|]*\\| ${digest.slice(0, 19)} \\| [\\d.]+ MiB \\| [\\d.]+ s \\| \\d+/\\d+ \\|`,
      ),
    );
  });

  test('policy warnings annotate the Dockerfile; the user docker config is untouched', () => {
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        file: 'Dockerfile',
        line: 2,
        title: 'Dockerfile policy: pinned-base',
      }),
    );
    expect(fs.readFileSync(path.join(userConfig, 'config.json'), 'utf8')).toBe('{}\n');
  });
});
