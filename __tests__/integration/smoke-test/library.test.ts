import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PolicyFailure, ToolError } from '@deploy-kit/shared';
import { smokeTest, smokeTestAction, type Inputs } from '../../../actions/smoke-test/src/action';

// smokeTest(inputs, context) as the root action calls it (issues 12 and 17): typed inputs,
// no INPUT_* read, nothing failed on the runner, a typed result (outputs, summary, failure)
// with redacted results; a cancel through context.signal resolves with a ToolError instead of
// hanging; a progress line while checks are still failing. A real HTTP server plays the site.

let server: http.Server;
let base: string;
let connections = 0;
const token = 'tok-8f3a1c9e5b7d2f4a6c8e0b1d3f5a7c9e';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(`you sent ${req.headers['x-api-token'] ?? ''}`);
    }
    if (req.url === '/hang') return; // never answers
    if (req.url === '/down') {
      res.writeHead(503);
      return res.end('starting');
    }
    if (req.url === '/version.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"version":"2.0.0"}');
    }
    res.writeHead(req.url === '/' ? 200 : 404);
    res.end('ok');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function inputs(overrides: Partial<Inputs> = {}): Inputs {
  return {
    workingDirectory: process.cwd(),
    url: base,
    expectStatus: '200',
    spec: { checks: [], journeys: [] },
    suites: [],
    timeoutMs: 5_000,
    warmUpMs: 5_000,
    requestTimeoutMs: 2_000,
    retry: 'transient',
    resolve: [],
    parallel: 4,
    maxBodyBytes: 1 << 20,
    suite: {
      baseUrl: base,
      requestTimeoutMs: 2_000,
      resolve: [],
      version: { answers: 20 },
      https: { minCertDays: 14 },
      headers: { hstsMinAge: 1, hstsIncludeSubdomains: false },
      django: {
        staticPath: '/static/x.css',
        cookiePath: '/',
        cookieNames: ['sessionid'],
        cookieFlags: ['secure'],
      },
    },
    warnings: [],
    ...overrides,
  };
}

test('a passing run: counts, results, a summary, no failure, the process exit code untouched', async () => {
  const result = await smokeTest(inputs());
  expect(result.failure).toBeUndefined();
  expect(result.outputs).toMatchObject({ 'passed-count': 1, 'failed-count': 0 });
  expect(result.outputs.results).toMatchObject({ status: 'passed', passedCount: 1, failedCount: 0 });
  expect(result.outputs.results).not.toHaveProperty('failure');
  expect(result.outputs.results.checks).toEqual([
    expect.objectContaining({ name: `GET ${base}`, passed: true, attempts: 1 }),
  ]);
  expect(result.summary).toContain('Smoke test passed: 1 passed, 0 failed');
  expect(process.exitCode).toBeUndefined();
});

test('a failing check comes back as a PolicyFailure with redacted results, never thrown or printed as a failure', async () => {
  const result = await smokeTest(
    inputs({
      spec: {
        checks: [
          {
            name: 'echo',
            url: '/echo',
            headers: { 'X-Api-Token': token },
            expect: { 'body-contains': 'nope' },
          },
        ],
        journeys: [],
      },
    }),
  );
  expect(result.outputs['failed-count']).toBe(1);
  expect(result.failure).toBeInstanceOf(PolicyFailure);
  expect(result.outputs.results.status).toBe('failed');
  expect(result.outputs.results.failure).toBe(`Policy failed: ${result.failure?.message}`);
  expect(result.failure?.message).toMatch(
    /^check 'echo' failed after 1 attempt .*not retried.*you sent \*\*\*/,
  );
  const text = JSON.stringify(result.outputs.results) + result.summary + (result.failure?.message ?? '');
  expect(text).not.toContain(token.slice(0, 12));
  expect(process.exitCode).toBeUndefined();
});

test('the version suite asks on a new connection every time (a balancer that balances connections sees each one)', async () => {
  const before = connections;
  const result = await smokeTest(
    inputs({
      suites: ['version'],
      suite: {
        ...inputs().suite,
        version: { expected: '2.0.0', jsonPath: '$.version', url: '/version.json', answers: 6 },
      },
    }),
  );
  expect(result.failure).toBeUndefined();
  const version = result.outputs.results.checks.find((r) => r.name.startsWith('version'));
  expect(version?.assertions[1]?.seen).toBe('6 of 6 answers');
  // With keep-alive the six answers would share one or two connections; the implicit GET of url
  // adds at most one more (its idle socket may carry the first answer).
  expect(connections - before).toBeGreaterThanOrEqual(6);
  expect(connections - before).toBeLessThanOrEqual(7);
});

test('a cancel stops a hanging check at once and resolves with a ToolError', async () => {
  const controller = new AbortController();
  const running = smokeTest(inputs({ url: `${base}hang`, timeoutMs: 60_000, requestTimeoutMs: 60_000 }), {
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 200);
  const result = await running;
  expect(result.failure).toBeInstanceOf(ToolError);
  expect(result.failure?.message).toMatch(/cancelled/);
  expect(result.outputs.results.status).toBe('cancelled');
  expect(result.outputs.results.checks).toEqual([
    expect.objectContaining({ passed: false, failure: expect.stringMatching(/cancelled/) }),
  ]);
});

test('while a check keeps failing, a progress line names it with its last failure and the elapsed time', async () => {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n'));
    return true;
  });
  let result;
  try {
    result = await smokeTest(inputs({ url: `${base}down`, timeoutMs: 1_500, requestTimeoutMs: 1_000 }), {
      progressEveryMs: 200,
    });
  } finally {
    write.mockRestore();
  }
  expect(result.failure).toBeInstanceOf(PolicyFailure);
  const progress = lines.filter((l) => l.includes('still failing'));
  expect(progress.length).toBeGreaterThanOrEqual(2);
  expect(progress[0]).toMatch(
    new RegExp(
      `^1 of 1 check still failing or running: 'GET ${base}down' \\(status: expected 200, saw 503\\) \\(\\d+s elapsed\\)$`,
    ),
  );
});

test('smokeTestAction: raw inputs with the action.yml defaults, the context signal, and warnings for suites left off', async () => {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  let result;
  try {
    const parsed = smokeTestAction.parseInputs({ url: base, 'metrics-path': '/metrics' });
    expect(parsed).toMatchObject({ parallel: 50, timeoutMs: 60_000 });
    const controller = new AbortController();
    result = await smokeTestAction.run(parsed, { signal: controller.signal, signals: () => () => undefined });
  } finally {
    write.mockRestore();
  }
  expect(result.failure).toBeUndefined();
  expect(result.outputs['passed-count']).toBe(1);
  expect(lines.join('')).toContain(
    "::warning::'metrics-path' is set but the 'django' suite is not enabled; add django to 'suites' to use it.",
  );
});
