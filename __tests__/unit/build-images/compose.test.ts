import * as fs from 'node:fs';
import * as path from 'node:path';
import { filterServices, parseCompose } from '../../../actions/build-images/src/compose';
import { groupBuilds, withBuildArgs } from '../../../actions/build-images/src/targets';

const fixture = path.resolve(__dirname, '../../fixtures/build-images/app/docker-compose.yml');
const dir = path.dirname(fixture);
const load = (env: Record<string, string> = {}) =>
  parseCompose(fs.readFileSync(fixture, 'utf8'), fixture, 'app/docker-compose.yml', env);

describe('compose targets', () => {
  test('services with build: become targets with resolved context, Dockerfile and interpolated args/image', () => {
    const compose = load({ RELEASE: '1.4' });
    expect(compose.version).toBe('3.8');
    expect(compose.services).toEqual(['web', 'celery', 'celery_beat', 'db']);
    expect(compose.targets.map((t) => t.service)).toEqual(['web', 'celery', 'celery_beat']);
    expect(compose.targets[0]).toMatchObject({
      service: 'web',
      image: '127.0.0.1:5000/deploy-kit-test/web',
      build: { context: dir, dockerfile: path.join(dir, 'Dockerfile'), args: { RELEASE: '1.4' } },
      healthcheck: false,
    });
  });

  test('the three services share one build definition and are built once', () => {
    const units = groupBuilds(load().targets);
    expect(units).toHaveLength(1);
    expect(units[0]?.services.map((s) => s.service)).toEqual(['web', 'celery', 'celery_beat']);
  });

  test('different args split the build; action build-args override the file', () => {
    const text = `services:
  a: { build: { context: ., args: [X=1] } }
  b: { build: { context: ., args: { X: "2" } } }
  c: { build: ., healthcheck: { test: ["CMD", "true"] } }
  d: { build: { context: sub, dockerfile: ../Dockerfile.d, target: prod, args: [FROM_ENV] }, healthcheck: { disable: true } }
`;
    const compose = parseCompose(text, '/ws/compose.yaml', 'compose.yaml', { FROM_ENV: 'e' });
    expect(compose.targets.find((t) => t.service === 'd')?.build).toEqual({
      context: '/ws/sub',
      dockerfile: '/ws/Dockerfile.d',
      args: { FROM_ENV: 'e' },
      target: 'prod',
    });
    expect(compose.targets.map((t) => t.healthcheck)).toEqual([false, false, true, false]);
    expect(groupBuilds(compose.targets)).toHaveLength(4);
    expect(groupBuilds(withBuildArgs(compose.targets.slice(0, 2), { X: '3' }))).toHaveLength(1);
  });

  test('services filter keeps order; unknown or build-less services are one sentence', () => {
    const compose = load();
    expect(filterServices(compose, ['celery_beat', 'web']).map((t) => t.service)).toEqual([
      'celery_beat',
      'web',
    ]);
    expect(() => filterServices(compose, ['worker'])).toThrow(
      "'services' names 'worker', which is not in compose-file 'app/docker-compose.yml' (services with build: web, celery, celery_beat).",
    );
    expect(() => filterServices(compose, ['db'])).toThrow(/names 'db', which has no build: in compose-file/);
  });

  test('bad files fail naming the file and the problem', () => {
    expect(() => parseCompose('services: [', '/ws/c.yml', 'c.yml', {})).toThrow(
      /compose-file 'c.yml' is not valid YAML at line/,
    );
    expect(() => parseCompose('x: 1', '/ws/c.yml', 'c.yml', {})).toThrow(
      "compose-file 'c.yml' has no 'services:' mapping.",
    );
    expect(() =>
      parseCompose('services:\n  a:\n    build: https://github.com/x/y.git\n', '/ws/c.yml', 'c.yml', {}),
    ).toThrow(/service 'a' in compose-file 'c.yml' builds from the remote context/);
    expect(() =>
      parseCompose('services:\n  a:\n    image: ${R:?set R}\n    build: .\n', '/ws/c.yml', 'c.yml', {}),
    ).toThrow("image of service 'a' in compose-file 'c.yml' requires the variable R: set R.");
  });
});
