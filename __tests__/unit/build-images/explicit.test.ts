import * as path from 'node:path';
import { parseTargets } from '../../../actions/build-images/src/explicit';
import { groupBuilds } from '../../../actions/build-images/src/targets';

const resolve = (value: string) => path.resolve('/ws', value);

describe('explicit targets', () => {
  test('entries with the same build are grouped; paths resolved against the workspace', () => {
    const targets = parseTargets(
      `- service: web\n  context: app\n  args: { N: 1 }\n- service: worker\n  context: app\n  args: { N: "1" }\n- service: api\n  context: api\n  dockerfile: docker/Dockerfile\n  target: prod\n  healthcheck: true\n`,
      resolve,
    );
    expect(targets[2]).toMatchObject({
      service: 'api',
      build: { context: '/ws/api', dockerfile: '/ws/api/docker/Dockerfile', target: 'prod', args: {} },
      healthcheck: true,
      source: "'targets' entry 3",
    });
    expect(groupBuilds(targets).map((u) => u.services.map((s) => s.service))).toEqual([
      ['web', 'worker'],
      ['api'],
    ]);
  });

  test('mistakes are one sentence naming the input', () => {
    expect(() => parseTargets('- context: app', resolve)).toThrow(/^'targets' at '0.service': Required\.$/);
    expect(() => parseTargets('- service: a\n  contxt: x', resolve)).toThrow(/'targets' .*contxt/);
    expect(() => parseTargets('- service: a\n- service: a', resolve)).toThrow(
      "'targets' lists the service 'a' twice (entry 2).",
    );
    expect(() => parseTargets('[]', resolve)).toThrow(/needs at least one entry/);
  });
});
