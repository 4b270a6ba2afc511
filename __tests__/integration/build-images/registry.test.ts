import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction } from '@deploy-kit/harness';
import {
  type Fault,
  flakyRegistry,
  namespace,
  registryDigest,
  registryTags,
  sandbox,
  userDockerConfig,
  workspaceFrom,
  removeTestImages,
} from './helpers';

afterAll(removeTestImages);

const sb = sandbox();

function inputsFor(registry: string, ns: string): Record<string, string> {
  return {
    registry,
    'image-prefix': ns,
    targets: '- service: web\n  context: .\n- service: worker\n  context: .\n',
    tags: 'type=sha',
    network: 'host',
    policy: 'off',
  };
}

describe('build-images: login to the htpasswd registry', () => {
  test('logs in with --password-stdin under a private DOCKER_CONFIG, pushes, verifies, logs out in post', async () => {
    const ns = namespace();
    const userConfig = userDockerConfig();
    const { address, username, password } = sb.authRegistry;
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('app'),
      inputs: { ...inputsFor(address, ns), 'registry-username': username, 'registry-password': password },
      env: { DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: userConfig },
      post: true,
      timeoutMs: 180_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.log).toContain('[command]');
    expect(result.log).toMatch(/docker login --username deploykit --password-stdin 127\.0\.0\.1:\d+/);
    const digests = JSON.parse(result.outputs.digests as string) as Record<string, string>;
    for (const service of ['web', 'worker'])
      expect(await registryDigest(address, `${ns}/${service}`, 'sha-0123456', { username, password })).toBe(
        digests[service],
      );
    // Without credentials the registry refuses: the push really needed the login.
    expect(await registryDigest(address, `${ns}/web`, 'sha-0123456')).toBeUndefined();

    // Credentials went to the private config only, which the post step removed after logging out.
    expect(fs.readFileSync(path.join(userConfig, 'config.json'), 'utf8')).toBe('{}\n');
    const privateConfig = result.state['docker-config'] as string;
    expect(privateConfig).toContain(result.runnerTemp);
    expect(fs.existsSync(privateConfig)).toBe(false);
    expect(result.post?.exitCode).toBe(0);
    expect(result.post?.stdout).toMatch(/Logged out of 127\.0\.0\.1:\d+\./);
    expect(result.leaks([password])).toEqual([]);
  }, 200_000);

  test('a wrong password is one sentence naming the registry and the inputs to fix', async () => {
    const wrong = 'not-the-password-7731';
    const result = await runAction({
      action: 'build-images',
      workspace: workspaceFrom('app'),
      inputs: {
        ...inputsFor(sb.authRegistry.address, namespace()),
        'registry-username': sb.authRegistry.username,
        'registry-password': wrong,
      },
      env: { DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: userDockerConfig() },
      post: true,
    });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
    expect(result.error).toMatch(
      /^Invalid input: registry 127\.0\.0\.1:\d+ refused the login for 'deploykit' \([^)]*unauthorized[^)]*\); check 'registry-username' and 'registry-password'\.$/i,
    );
    expect(result.log).not.toMatch(/^::group::Build /m); // nothing built after a refused login
    expect(result.leaks([wrong])).toEqual([]);
    expect(fs.existsSync(result.state['docker-config'] as string)).toBe(false);
  }, 120_000);
});

describe('build-images: a registry answering 429/503 and dropping connections', () => {
  test('push retries with backoff until the registry recovers, and says so', async () => {
    // Faults on the manifest PUT: the one request docker itself does not retry or work around.
    const planned: Fault[] = [503, 429, 'reset'];
    let manifestPuts = 0;
    const proxy = await flakyRegistry(sb.registry.address, [], (req) =>
      req.method === 'PUT' && req.url?.includes('/manifests/') ? planned[manifestPuts++] : undefined,
    );
    try {
      const ns = namespace();
      const result = await runAction({
        action: 'build-images',
        workspace: workspaceFrom('app'),
        inputs: { ...inputsFor(proxy.address, ns), 'push-timeout': '60s' },
        env: { DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: userDockerConfig() },
        timeoutMs: 180_000,
      });
      expect(result.error).toBeUndefined();
      expect(result.exitCode).toBe(0);
      // The proxy saw every injected fault, and then real traffic that it forwarded.
      const faults = proxy.seen.filter((s) => s.answer !== 'forwarded');
      expect(faults.map((f) => f.answer)).toEqual(['503', '429', 'reset']);
      const puts = proxy.seen.filter((s) => s.method === 'PUT' && s.url.includes('/manifests/'));
      expect(puts.map((p) => p.answer)).toEqual(['503', '429', 'reset', 'forwarded', 'forwarded']);
      expect(proxy.seen.filter((s) => s.answer === 'forwarded').length).toBeGreaterThan(4);
      const retries =
        result.log.match(/^push of \S+ attempt \d+ failed \(.*\); retrying in \d+ ms\.$/gm) ?? [];
      expect(retries).toHaveLength(3);
      // web and worker push in parallel, so the faults fall on either; each is named with its tag.
      const text = retries.join('\n');
      expect(text).toMatch(/attempt \d failed \(.*503/);
      expect(text).toMatch(/attempt \d failed \(.*toomanyrequests/);
      for (const line of retries)
        expect(line).toMatch(/^push of \S+\/(web|worker):sha-0123456 attempt [123] failed/);
      // The digests handed out are what the real registry behind the proxy serves.
      const digests = JSON.parse(result.outputs.digests as string) as Record<string, string>;
      expect(await registryDigest(sb.registry.address, `${ns}/worker`, 'sha-0123456')).toBe(digests.worker);
      expect(await registryTags(sb.registry.address, `${ns}/web`)).toEqual(['sha-0123456']);
    } finally {
      await proxy.close();
    }
  }, 200_000);

  test('a registry that never recovers: the failure says which tags made it', async () => {
    // The first image's push goes through; after that every manifest PUT is answered 503 for good.
    // (Faulting blob uploads instead would only exercise the daemon's own layer retries.)
    const isManifestPut = (s: { method?: string; url?: string }) =>
      s.method === 'PUT' && !!s.url?.includes('/manifests/');
    const proxy = await flakyRegistry(sb.registry.address, [], (req, seen) =>
      isManifestPut(req) && seen.some((s) => isManifestPut(s) && s.answer === 'forwarded') ? 503 : undefined,
    );
    const ns = namespace();
    try {
      const result = await runAction({
        action: 'build-images',
        workspace: workspaceFrom('app'),
        inputs: { ...inputsFor(proxy.address, ns), 'push-timeout': '3s' },
        env: { DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: userDockerConfig() },
        timeoutMs: 120_000,
      });
      expect(result.exitCode).toBe(1);
      // Both images push at once; whichever stored its manifest first made it, the other did not.
      const m =
        /^Could not run: pushing (\S+) failed after \d+ attempts \(.*503.*\); pushed: (\S+); not pushed: (\S+)\.$/.exec(
          result.error ?? '',
        );
      expect(m).not.toBeNull();
      const [, failed, pushed, notPushed] = m as unknown as string[];
      expect(notPushed).toBe(failed);
      expect([pushed, notPushed].sort()).toEqual(
        [`${proxy.address}/${ns}/web:sha-0123456`, `${proxy.address}/${ns}/worker:sha-0123456`].sort(),
      );
      // The summary still shows the builds, then the failure's sentence.
      expect(result.summary).toMatch(/^\| web, worker \|/m);
      expect(result.summary).toContain(`**Could not run: pushing ${failed} failed`);
      expect(result.summary).toContain(`pushed: ${pushed}; not pushed: ${notPushed}`);
      // The registry agrees: exactly the tag reported as pushed is there.
      const service = (ref: string) => ref.split('/')[2]?.split(':')[0] as string;
      expect(await registryTags(sb.registry.address, `${ns}/${service(pushed as string)}`)).toEqual([
        'sha-0123456',
      ]);
      expect(await registryTags(sb.registry.address, `${ns}/${service(notPushed as string)}`)).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 150_000);
});
