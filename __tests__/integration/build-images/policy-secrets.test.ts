import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runAction } from '@deploy-kit/harness';
import { docker, namespace, sandbox, userDockerConfig, workspaceFrom, removeTestImages } from './helpers';

afterAll(removeTestImages);

const sb = sandbox();
const env = () => ({ DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: userDockerConfig() });

describe('build-images: Dockerfile policy', () => {
  // The fixture's final stage is FROM local/busybox:1.36: make that tag exist locally so
  // BuildKit never looks for it on Docker Hub (this machine may only talk to loopback).
  beforeAll(() => docker(['tag', sb.images.busybox, 'local/busybox:1.36']));

  const expected = [
    [3, 'secret-name'],
    [4, 'secret-name'],
    [9, 'secret-name'],
    [2, 'pinned-base'],
    [11, 'non-root-user'],
    [8, 'healthcheck'],
  ];

  test('strict: every finding is an error on its Dockerfile line and the step fails listing them all', async () => {
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('policy'),
      inputs: { policy: 'strict', services: 'bad', push: 'false', 'image-prefix': namespace() },
      env: env(),
    });
    expect(result.exitCode).toBe(1);
    const findings = result.annotations.filter((a) => a.file === 'Dockerfile');
    expect(findings.map((a) => [a.line, a.title?.replace('Dockerfile policy: ', '')])).toEqual(expected);
    expect(findings.every((a) => a.level === 'error')).toBe(true);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(7); // six findings, then the step's failure
    expect(errors[6]?.message).toBe(
      'Policy failed: 6 Dockerfile findings under policy strict: Dockerfile:3 secret-name; Dockerfile:4 secret-name; Dockerfile:9 secret-name; Dockerfile:2 pinned-base; Dockerfile:11 non-root-user; Dockerfile:8 healthcheck.',
    );
    expect(result.log).not.toMatch(/^::group::Build /m); // refused before any build
  }, 60_000);

  test('warn: the same findings as warnings, and the build goes on', async () => {
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('policy'),
      inputs: {
        policy: 'warn',
        services: 'bad',
        push: 'false',
        'image-prefix': namespace(),
        network: 'host',
        tags: 'type=sha',
      },
      env: env(),
      timeoutMs: 120_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    const findings = result.annotations.filter((a) => a.level === 'warning');
    expect(findings.map((a) => [a.line, a.title?.replace('Dockerfile policy: ', '')])).toEqual(expected);
    expect(findings.every((a) => a.file === 'Dockerfile')).toBe(true);
    expect(findings[4]?.message).toBe('USER root runs the image as root; switch to a non-root user.');
  }, 150_000);
});

describe('build-images: build secrets', () => {
  const token = `npm_${crypto.randomBytes(12).toString('hex')}`;

  test('a secret-looking build arg is refused, naming the input and the way to do it', async () => {
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('secret'),
      inputs: { targets: '- service: web', 'build-args': `NPM_TOKEN=${token}`, push: 'false' },
      env: env(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.error).toBe(
      "Invalid input: 'build-args' has NPM_TOKEN, which looks like a secret; pass it in 'secrets' (it reaches the build as a BuildKit secret, RUN --mount=type=secret,id=NPM_TOKEN) instead of a build arg.",
    );
  });

  test('a build arg carrying a secret value under an innocent name is refused too, without echoing it', async () => {
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('secret'),
      inputs: {
        targets: '- service: web',
        'build-args': `CONFIG=${token}`,
        secrets: `npm_token=${token}`,
        push: 'false',
      },
      env: env(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(
      /^Invalid input: the build arg CONFIG of 'build-args' carries a secret value/,
    );
    expect(result.leaks([token])).toEqual([]);
  });

  test('secrets on the legacy builder are refused with a clear error, never passed as build args', async () => {
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('secret'),
      inputs: { targets: '- service: web', secrets: `npm_token=${token}`, builder: 'legacy', push: 'false' },
      env: env(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(
      /^Could not run: 'secrets' need BuildKit, but this runner only has the legacy builder/,
    );
    expect(result.log).not.toMatch(/^::group::Build /m);
    expect(result.leaks([token])).toEqual([]);
  });

  test('with BuildKit the secret reaches RUN --mount only: not in the image, its history, the log or the outputs', async () => {
    const ns = namespace();
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('secret'),
      inputs: {
        targets: '- service: web',
        secrets: `npm_token=${token}`,
        'build-args': `NONCE=${ns}`,
        push: 'false',
        'image-prefix': ns,
        tags: 'type=raw,value=secret-test',
        network: 'host',
      },
      env: env(),
      post: true,
      timeoutMs: 120_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.outputs.builder).toBe('buildkit');
    expect(result.log).toMatch(/--secret id=npm_token,src=\S+\/build-images-secrets-\w+\/npm_token/);
    const ref = `${ns}/web:secret-test`;
    const sha = crypto.createHash('sha256').update(token).digest('hex');
    expect(docker(['run', '--rm', '--network', 'host', ref, 'cat', '/token.sha256']).trim()).toBe(sha);
    expect(docker(['history', '--no-trunc', ref])).not.toContain(token);
    expect(docker(['image', 'inspect', ref])).not.toContain(token);
    const saved = execFileSync('docker', ['save', ref], {
      env: { ...process.env, DOCKER_HOST: sb.docker.host },
      maxBuffer: 64 << 20,
    });
    expect(saved.includes(Buffer.from(token))).toBe(false);
    expect(result.leaks([token])).toEqual([]);
    // The secret file was removed after the build.
    const dir = result.state['secret-dir'] as string;
    expect(dir).toContain(result.runnerTemp);
    expect(fs.existsSync(path.join(dir, 'npm_token'))).toBe(false);
  }, 150_000);
});
