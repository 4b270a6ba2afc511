/**
 * The leak scan (issue 14 A7) through smoke-test's committed bundle. Secrets reach smoke-test in
 * its secret-bearing inputs: request headers whose names are credentials (Authorization, X-Api-
 * Token-*), password/token form fields, and metrics-token. A loopback server echoes every one of
 * them back in bodies and response headers, and the failing checks make the action report what it
 * saw (body snippets, header values, JSON values, retry reasons): all shapes in one success run and
 * one failure run, zero hits in the log as the runner masks it, the outputs, the summary,
 * annotations and RUNNER_TEMP.
 */
import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { startEchoServer, type EchoServer } from './echo-server';
import { headerSafe, oneLine, scanRuns } from './helpers';
import { secretShapes } from './shapes';

jest.setTimeout(120_000);

const shapes = secretShapes();
const inHeaders = shapes.filter(headerSafe);
const metricsToken = inHeaders.find((s) => s.startsWith('ghp_')) as string;
let echo: EchoServer;

beforeAll(async () => {
  expect(shapes.length).toBeGreaterThanOrEqual(40);
  expect(inHeaders.length).toBeGreaterThanOrEqual(30);
  echo = await startEchoServer(metricsToken);
});
afterAll(() => echo?.close());

/** One request carrying every shape: header-safe ones as credential headers, all as password fields. */
function echoCheck(name: string, url: string, expect: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    url,
    method: 'POST',
    headers: {
      Authorization: `Bearer ${inHeaders[0]}`,
      ...Object.fromEntries(inHeaders.map((s, i) => [`X-Api-Token-${i}`, s])),
    },
    form: Object.fromEntries(shapes.map((s, i) => [`password_${i}`, s])),
    expect,
  };
}

function smoke(checks: unknown[], token: string): Promise<RunActionResult> {
  return runAction({
    action: 'smoke-test',
    inputs: {
      url: echo.url,
      checks: JSON.stringify(checks),
      suites: 'django',
      'metrics-path': '/metrics',
      'metrics-token': token,
      timeout: '4s',
      'request-timeout': '2s',
    },
    timeoutMs: 60_000,
  });
}

test('smoke-test, success and failing checks, with a server echoing every secret back: zero hits', async () => {
  const ok = await smoke(
    [echoCheck('echo', '/echo', { status: 200, 'body-contains': 'form' })],
    metricsToken,
  );
  expect(ok.error).toBeUndefined();
  expect(ok.outputs['failed-count']).toBe('0');

  const failed = await smoke(
    [
      // Settled failures that report what the server said: a body snippet, a header, a JSON value.
      echoCheck('echo mismatch', '/echo', {
        status: 200,
        'body-contains': 'no such text',
        headers: { 'x-echo-1': 'not this' },
        json: { '$.form.password_0': 'not this', '$.headers.authorization': 'not this' },
      }),
      // A 500 is retried until the timeout: every retry line carries its reason.
      echoCheck('echo 500', '/fail', { status: 200 }),
    ],
    // A token the server refuses (403, with the token echoed in the body and a header).
    `${metricsToken}-rejected`,
  );
  expect(failed.exitCode).toBe(1);
  expect(Number(failed.outputs['failed-count'])).toBeGreaterThanOrEqual(3);
  expect(failed.runnerLog).toMatch(/attempt \d+ failed/);

  // The server did send every shape back, and the failure report quoted what it saw with *** in
  // place: the zero below is the redaction's doing, not a report that never looked.
  const sentBack = echo.sent.join('\n');
  for (const s of shapes) expect(sentBack).toContain(JSON.stringify(s).slice(1, -1));
  expect(failed.outputs.results).toContain('***');
  const hits = scanRuns({ ok: { result: ok }, failed: { result: failed } }, [
    ...shapes,
    `${metricsToken}-rejected`,
  ]);
  expect(hits).toEqual([]);
});

/**
 * The `secrets` input (issue 21): a checks file cannot hold a secret, so it says {{ secrets.NAME }}
 * and the values come in `secrets`. The form fields are named note_i (no masking rule applies to
 * them) and a header whose value is a placeholder is not masked by its name either: every value
 * here is masked only because it came in `secrets`.
 */
function secretsCheck(name: string, url: string, expect: Record<string, unknown>, names: string[]) {
  return {
    name,
    url,
    method: 'POST',
    headers: Object.fromEntries(
      names
        .filter((n) => headerSafe(byName[n] as string))
        .map((n, i) => [`X-Echo-Token-${i}`, `{{ secrets.${n} }}`]),
    ),
    form: Object.fromEntries(names.map((n, i) => [`note_${i}`, `{{ secrets.${n} }}`])),
    expect,
  };
}
const byName: Record<string, string> = Object.fromEntries(shapes.map((s, i) => [`S_${i}`, s]));

test("smoke-test's 'secrets' input (lines and JSON), echoed back in a passing and a failing run: zero hits", async () => {
  const lineNames = Object.keys(byName).filter((n) => oneLine(byName[n] as string));
  expect(lineNames.length).toBeGreaterThanOrEqual(30);
  const ok = await runAction({
    action: 'smoke-test',
    inputs: {
      url: echo.url,
      checks: JSON.stringify([
        secretsCheck('echo', '/echo', { status: 200, 'body-contains': 'form' }, lineNames),
      ]),
      secrets: lineNames.map((n) => `${n}=${byName[n]}`).join('\n'),
      timeout: '4s',
      'request-timeout': '2s',
    },
    timeoutMs: 60_000,
  });
  expect(ok.error).toBeUndefined();
  expect(ok.outputs['failed-count']).toBe('0');

  const all = Object.keys(byName);
  const failed = await runAction({
    action: 'smoke-test',
    inputs: {
      url: echo.url,
      checks: JSON.stringify([
        secretsCheck(
          'echo mismatch',
          '/echo',
          { status: 200, 'body-contains': 'no such text', json: { '$.form.note_0': 'not this' } },
          all,
        ),
        secretsCheck('echo 500', '/fail', { status: 200 }, all),
      ]),
      secrets: JSON.stringify(byName),
      timeout: '4s',
      'request-timeout': '2s',
    },
    timeoutMs: 60_000,
  });
  expect(failed.exitCode).toBe(1);
  expect(Number(failed.outputs['failed-count'])).toBe(2);
  // The server got every value (filled in, not the placeholder) and the report quoted it masked.
  const sentBack = echo.sent.join('\n');
  for (const s of shapes) expect(sentBack).toContain(JSON.stringify(s).slice(1, -1));
  expect(sentBack).not.toContain('{{ secrets.');
  expect(failed.outputs.results).toContain('***');
  expect(scanRuns({ ok: { result: ok }, failed: { result: failed } }, shapes)).toEqual([]);
});
