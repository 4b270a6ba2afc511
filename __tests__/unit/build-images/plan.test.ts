import type { Inputs } from '../../../actions/build-images/src/inputs';
import { decidePush, planBuilds, refuseSecretBuildArgs } from '../../../actions/build-images/src/plan';
import type { GitContext } from '../../../actions/build-images/src/tags';
import type { ServiceTarget } from '../../../actions/build-images/src/targets';

const inputs = (over: Partial<Inputs> = {}): Inputs => ({
  workspace: '/ws',
  workingDirectory: '/ws',
  services: [],
  registry: '127.0.0.1:5000',
  imagePrefix: 'example/app',
  registryUsername: '',
  registryPassword: '',
  push: 'auto',
  tagRules: [],
  labels: {},
  buildArgs: {},
  secrets: {},
  policy: 'warn',
  builder: 'auto',
  cacheFrom: [],
  cacheTo: [],
  network: '',
  pushTimeoutMs: 1000,
  ...over,
});
const target = (
  service: string,
  over: Partial<ServiceTarget['build']> = {},
  image?: string,
): ServiceTarget => ({
  service,
  ...(image ? { image } : {}),
  build: { context: '/ws', dockerfile: '/ws/Dockerfile', args: {}, ...over },
  healthcheck: false,
  source: 'test',
});
const ctx: GitContext = { eventName: 'push', ref: 'refs/heads/main', sha: 'a'.repeat(40) };

describe('planning builds', () => {
  test('shared definitions become one build with a repository per service; network input fills the gap', () => {
    const units = planBuilds(
      [target('web'), target('celery'), target('docs', { context: '/ws/docs', network: 'none' })],
      inputs({ network: 'host' }),
    );
    expect(units.map((u) => [...u.repositories.entries()])).toEqual([
      [
        ['web', '127.0.0.1:5000/example/app/web'],
        ['celery', '127.0.0.1:5000/example/app/celery'],
      ],
      [['docs', '127.0.0.1:5000/example/app/docs']],
    ]);
    expect(units[0]?.build.network).toBe('host');
    expect(units[1]?.build.network).toBe('none'); // the target's own setting wins
  });

  test('build-args override the file and can merge two definitions into one build', () => {
    const units = planBuilds(
      [target('a', { args: { V: '1' } }), target('b', { args: { V: '2' } })],
      inputs({ buildArgs: { V: '3' } }),
    );
    expect(units).toHaveLength(1);
    expect(units[0]?.build.args).toEqual({ V: '3' });
  });

  test('secret-looking build-args names and secret values in any build arg are refused', () => {
    expect(() => refuseSecretBuildArgs(inputs({ buildArgs: { DJANGO_SECRET_KEY: 'x' } }), [])).toThrow(
      /'build-args' has DJANGO_SECRET_KEY, which looks like a secret/,
    );
    expect(() =>
      refuseSecretBuildArgs(inputs({ registryPassword: 'hunter2hunter2' }), [
        target('web', { args: { URL: 'https://u:hunter2hunter2@x' } }),
      ]),
    ).toThrow(
      "the build arg URL of service 'web' in test carries a secret value; pass it in 'secrets' instead of a build arg.",
    );
    expect(() =>
      refuseSecretBuildArgs(inputs({ buildArgs: { RELEASE: '1.0' } }), [target('web')]),
    ).not.toThrow();
  });
});

describe('push decision', () => {
  const units = planBuilds([target('web')], inputs());
  const bare = planBuilds([target('web')], inputs({ registry: '' }));

  test('auto pushes on a branch when every image names a registry', () => {
    expect(decidePush(inputs(), ctx, units)).toBe(true);
    expect(decidePush(inputs(), ctx, bare)).toBe(false);
  });

  test('auto never pushes pull request builds; explicit values win', () => {
    expect(decidePush(inputs(), { ...ctx, eventName: 'pull_request' }, units)).toBe(false);
    expect(decidePush(inputs({ push: 'true' }), { ...ctx, eventName: 'pull_request' }, units)).toBe(true);
    expect(decidePush(inputs({ push: 'false' }), ctx, units)).toBe(false);
  });

  test('push: true without a registry is refused rather than sent to Docker Hub', () => {
    expect(() => decidePush(inputs({ push: 'true' }), ctx, bare)).toThrow(
      "'push' is true but example/app/web name no registry; set 'registry' (use docker.io explicitly for Docker Hub).",
    );
  });
});
