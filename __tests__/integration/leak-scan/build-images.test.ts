/**
 * The leak scan (issue 14 A7) through build-images' committed bundle, on the sandbox's dockerd
 * with BuildKit. Its secrets are the `secrets` input (build secrets, NAME=value per line or a JSON object) and the
 * registry password (covered by the existing registry tests). Every shape is one build secret: a
 * one-line shape as it is, a multi-line one base64-encoded, as the action's own error tells users
 * to. A Dockerfile mounts them all and PRINTS them (the worst a Dockerfile can do), then succeeds,
 * or fails: the build log the action relays, its error tail, the outputs, summary, annotations,
 * RUNNER_TEMP after the post step and the workspace hold none of them in any form. And the
 * parse-error path: every shape pasted raw (so a PEM's second line is not NAME=value) fails naming
 * the line, quoting nothing. Zero hits.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { filesUnder, runAction, type RunActionResult } from '@deploy-kit/harness';
import { docker, namespace, removeTestImages, sandbox, userDockerConfig } from '../build-images/helpers';
import { oneLine, scanRuns } from './helpers';
import { secretShapes } from './shapes';

jest.setTimeout(180_000);

const shapes = secretShapes();
/** What each build secret holds: the shape, or its base64 when it cannot be one line. */
const values = shapes.map((s) => (oneLine(s) ? s : Buffer.from(s, 'utf8').toString('base64')));
const secretsInput = values.map((v, i) => `s${i}=${v}`).join('\n');
const sb = sandbox();
let workspace: string;

beforeAll(() => {
  expect(shapes.length).toBeGreaterThanOrEqual(40);
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-bi-'));
  const mounts = values.map((_, i) => `--mount=type=secret,id=s${i},required=true`).join(' ');
  fs.writeFileSync(
    path.join(workspace, 'Dockerfile'),
    [
      `FROM ${sb.images.busybox}`,
      // NONCE: BuildKit leaves secrets out of the cache key, so each run really executes the step.
      'ARG NONCE',
      'ARG FAIL=0',
      `RUN ${mounts} echo "$NONCE" && for f in /run/secrets/*; do echo "secret: $(cat "$f")"; done && test "$FAIL" = 0`,
      'USER 1000',
      'HEALTHCHECK CMD ["true"]',
      '',
    ].join('\n'),
  );
});
afterAll(() => {
  removeTestImages();
  fs.rmSync(workspace, { recursive: true, force: true });
});

function build(secrets: string, fail: boolean): Promise<RunActionResult> {
  const ns = namespace();
  return runAction({
    action: 'build-images',
    workspace,
    inputs: {
      targets: '- service: web',
      secrets,
      'build-args': `NONCE=${ns}\nFAIL=${fail ? 1 : 0}`,
      push: 'false',
      'image-prefix': ns,
      tags: 'type=raw,value=leak-scan',
      network: 'host',
      builder: 'buildkit',
    },
    env: { DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: userDockerConfig() },
    post: true,
    timeoutMs: 150_000,
  });
}

test('build-images, a Dockerfile printing every build secret, success and failure, and a malformed secrets input: zero hits', async () => {
  const ok = await build(secretsInput, false);
  expect(ok.error).toBeUndefined();
  expect(ok.outputs.builder).toBe('buildkit');
  const failed = await build(secretsInput, true);
  expect(failed.exitCode).toBe(1);
  const malformed = await build(shapes.map((s, i) => `s${i}=${s}`).join('\n'), false);
  expect(malformed.error).toMatch(/^Invalid input: 'secrets' line \d+ is not NAME=value/);
  // The RUN step did print every secret: the zero below is the masking's doing.
  for (const v of values) expect(ok.stdout).toContain(`secret: ${v}`);
  const files = filesUnder(workspace, (f) => path.basename(f) === 'Dockerfile');
  const hits = scanRuns(
    {
      ok: { result: ok, files },
      failed: { result: failed, files },
      malformed: { result: malformed },
    },
    [...shapes, ...values],
  );
  expect(hits).toEqual([]);
  // Nothing of them in the image's history either.
  expect(
    docker(['history', '--no-trunc', `${JSON.parse(ok.outputs.images ?? '{}').web as string}`]),
  ).not.toContain(values[5]);
});
