import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { NODE20, runAction, type RunActionResult } from '@deploy-kit/harness';
import { basePort, startSmokeServers, type SmokeServers } from '../../fixtures/smoke-test/servers';

// Declarative checks, journeys, retries and timeouts through the committed
// bundle, against real nginx and the real backend behind it.

jest.setTimeout(60_000);

let s: SmokeServers;
let silent: net.Server;
let silentPort: number;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  s = await startSmokeServers(basePort(18430));
  // A host that accepts connections and never answers.
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
}, 30_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await s?.stop();
});

interface Result {
  name: string;
  passed: boolean;
  attempts: number;
  durationMs: number;
  failure?: string;
  assertions: { name: string; passed: boolean; expected: string; seen: string }[];
}

const results = (run: RunActionResult): Result[] =>
  (JSON.parse(run.outputs.results ?? '{}') as { checks?: Result[] }).checks ?? [];
const first = (run: RunActionResult): Result => results(run)[0] as Result;

const smoke = (inputs: Record<string, string>, workspace?: string): Promise<RunActionResult> =>
  runAction({
    action: 'smoke-test',
    inputs: { 'ca-cert': s.caCert, ...inputs },
    workspace,
    timeoutMs: 60_000,
  });

const unique = (): string => Math.random().toString(36).slice(2);

describe('checks spec', () => {
  test('status, JSON path, header and body assertions pass against the real server', async () => {
    const run = await smoke({
      url: s.good,
      checks: `
- name: version endpoint
  url: /version.json
  expect:
    status: [200, '204']
    json:
      $.version: '2.0.0'
      sha: a1b2c3d4e5f60718293a4b5c6d7e8f9012345678
    headers:
      content-type: { matches: '^application/json' }
      x-app-version: '2.0.0'
      strict-transport-security: true
      x-powered-by: false
    body-matches: '"version":\\s*"2\\.0\\.0"'
    max-time: 5s
- name: home
  expect: { status: 2xx, body-contains: notes, body-not-contains: Traceback }
`,
    });
    expect(run.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    expect(run.outputs['passed-count']).toBe('2');
    const v = first(run);
    expect(v.assertions.map((a) => a.name)).toEqual([
      'status',
      'body matches',
      'json $.version',
      'json sha',
      'header content-type',
      'header x-app-version',
      'header strict-transport-security',
      'header x-powered-by',
      'response time',
    ]);
  });

  test('a failing JSON path names the check, the path, what was seen and what was expected', async () => {
    const run = await smoke({
      url: s.weak,
      timeout: '2s',
      checks: JSON.stringify({
        checks: [{ name: 'new release', url: '/version.json', expect: { json: { '$.version': '2.0.0' } } }],
      }),
    });
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(
      /^Policy failed: check 'new release' failed after 1 attempt in [\d.]+ m?s \(not retried: no retry can change this answer; set retry: all to keep retrying\): json \$\.version: expected "2\.0\.0", saw "1\.9\.0"\.$/,
    );
    expect(run.outputs['failed-count']).toBe('1');
    expect(run.summary).toContain('| new release | ❌ fail |');
  });

  test('the spec can come from a file in the repository', async () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-ws-'));
    fs.mkdirSync(path.join(workspace, '.github'));
    fs.writeFileSync(
      path.join(workspace, '.github', 'smoke.yml'),
      `checks:\n  - name: metrics locked\n    url: /metrics\n    expect: { status: 401 }\n`,
    );
    const run = await smoke({ url: s.good, checks: '.github/smoke.yml' }, workspace);
    expect(run.exitCode).toBe(0);
    expect(first(run).name).toBe('metrics locked');
  });

  test('redirects are not followed: an endless redirect fails at once on status, and its target can be asserted', async () => {
    const loop = await smoke({ url: `${s.good}redirect-loop/0`, timeout: '2s' });
    expect(loop.exitCode).toBe(1);
    expect(first(loop).failure).toBe('status: expected 200, saw 302');
    const target = await smoke({
      url: s.good,
      checks: `[{ name: hop, url: /redirect-loop/0, expect: { redirect: /redirect-loop/1 } }]`,
    });
    expect(target.exitCode).toBe(0);
    expect(first(target).assertions.map((a) => a.seen)).toEqual(['302', `${s.good}redirect-loop/1`]);
  });

  test('a huge body is cut at max-body-bytes instead of downloaded whole', async () => {
    const run = await smoke({
      url: s.good,
      'max-body-bytes': '1048576',
      timeout: '3s',
      checks: `
- { name: huge ok, url: /huge, expect: { body-contains: aaaa } }
- { name: huge missing, url: /huge, expect: { body-contains: zzzz } }
`,
    });
    expect(run.exitCode).toBe(1);
    const [ok, missing] = results(run) as [Result, Result];
    expect(ok.passed).toBe(true);
    expect(missing.failure).toContain('first 1048576 bytes; body was cut at the size cap');
    // 256 MiB were on offer; the run ends on the deadline, not on the download.
    expect(run.durationMs).toBeLessThan(15_000);
  });

  test('secret header values are masked, with their derived forms', async () => {
    const token = `sk-${unique()}${unique()}`;
    const run = await smoke({
      url: s.good,
      checks: `- { name: with token, url: /, headers: { Authorization: "Bearer ${token}", X-Api-Key: "${token}-key" } }`,
    });
    expect(run.exitCode).toBe(0);
    expect(run.masks).toEqual(
      expect.arrayContaining([
        `Bearer ${token}`,
        token,
        `${token}-key`,
        Buffer.from(token).toString('base64'),
      ]),
    );
    expect(run.leaks([token, `${token}-key`])).toEqual([]);
  });
});

test('a suite input without its suite is a warning, not silence', async () => {
  const run = await smoke({ url: s.good, 'expect-version': '2.0.0' });
  expect(run.exitCode).toBe(0);
  expect(run.annotations).toEqual([
    expect.objectContaining({
      level: 'warning',
      message:
        "'expect-version' is set but the 'version' suite is not enabled; add version to 'suites' to use it.",
    }),
  ]);
});

describe('journeys', () => {
  const journey = (password: string): string => `
journeys:
  - name: log in and download
    steps:
      - name: login page
        url: /accounts/login/
        capture:
          csrf: { cookie: csrftoken }
          form_token: { regex: 'name="csrfmiddlewaretoken" value="([^"]+)"' }
      - name: log in
        method: POST
        url: /accounts/login/
        headers: { X-CSRFToken: "{{ csrf }}" }
        form: { username: alice, password: "${password}", csrfmiddlewaretoken: "{{ form_token }}" }
        expect: { status: 302, redirect: /notes/ }
      - name: who am I
        url: /api/me
        expect:
          json: { $.user.name: alice, "$.user.roles[0]": editor }
          headers: { content-type: { matches: '^application/json' } }
        capture:
          token: { json: $.token }
          request_id: { header: x-request-id, secret: false }
      - name: download report
        url: /api/report.csv
        headers: { Authorization: "Bearer {{ token }}" }
        expect: { headers: { content-type: text/csv }, body-contains: "id,title" }
`;

  test('Django-style login with CSRF token and session cookie, then an authenticated API call and a download', async () => {
    const run = await smoke({ url: s.good, checks: journey('wonderland-42') });
    expect(run.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    const j = first(run);
    expect(j.passed).toBe(true);
    expect(j.assertions.filter((a) => a.name.startsWith('download report: ')).every((a) => a.passed)).toBe(
      true,
    );
    // The non-secret capture is shown; secret ones are masked before anything could print them.
    const requestId = j.assertions.find((a) => a.name === 'who am I: capture request_id')?.seen ?? '';
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const captured = run.masks.filter((m) => /^[0-9a-f]{24}$|^[0-9a-f]{32}$/.test(m));
    // The CSRF cookie (the form token carries the same value) and the API token.
    expect(captured.length).toBe(2);
    expect(run.leaks(captured)).toEqual([]);
    expect(run.leaks(['wonderland-42'])).toEqual([]);
  });

  test('a wrong password fails at the login step, and the sentence names the step', async () => {
    const run = await smoke({ url: s.good, checks: journey('not-the-password'), timeout: '2s' });
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(
      /check 'log in and download' failed after 1 attempt in [\d.]+ m?s \(not retried[^)]*\): log in: status: expected 302, saw 200/,
    );
    const j = first(run);
    expect(j.assertions.some((a) => a.name.startsWith('who am I'))).toBe(false);
  });
});

describe('timing', () => {
  test('a slow start (503 for 2.5 s, then 200) passes within the timeout after several attempts', async () => {
    const run = await smoke({ url: `${s.good}slow-start/${unique()}`, timeout: '20s' });
    expect(run.exitCode).toBe(0);
    const r = first(run);
    expect(r.attempts).toBeGreaterThan(2);
    expect(r.durationMs).toBeGreaterThanOrEqual(2500);
    expect(run.log).toMatch(/attempt 1 failed \(status: expected 200, saw 503\); retrying in/);
  });

  test('the same slow start with a 1.5 s timeout fails, naming the 503', async () => {
    const run = await smoke({ url: `${s.good}slow-start/${unique()}`, timeout: '1500ms' });
    expect(run.exitCode).toBe(1);
    expect(first(run).failure).toBe('status: expected 200, saw 503');
  });

  test('a host that accepts but never answers fails within the timeout, never hangs', async () => {
    const run = await smoke({
      url: `http://127.0.0.1:${silentPort}/`,
      timeout: '3s',
      'request-timeout': '60s',
    });
    expect(run.exitCode).toBe(1);
    expect(first(run).durationMs).toBeLessThan(3_600);
    expect(first(run).failure).toMatch(/request: expected an HTTP answer, saw no answer before the timeout/);
  });

  test('a port nobody listens on fails within the timeout with "refused"', async () => {
    const run = await smoke({ url: `http://127.0.0.1:${s.backendPort + 9}/`, timeout: '2s' });
    expect(run.exitCode).toBe(1);
    expect(first(run).durationMs).toBeLessThan(2_600);
    expect(first(run).failure).toContain('refused');
    expect(first(run).attempts).toBeGreaterThan(1);
  });

  test('independent checks run concurrently', async () => {
    const keys = Array.from({ length: 4 }, unique);
    const run = await smoke({
      url: s.good,
      timeout: '20s',
      checks: JSON.stringify(keys.map((k) => ({ name: k, url: `/slow-start/${k}` }))),
    });
    expect(run.exitCode).toBe(0);
    // Each check takes at least 2.5 s, so one after the other the whole step would
    // last at least their sum; overlapping, it lasts about as long as the slowest.
    const durations = results(run).map((r) => r.durationMs);
    const sum = durations.reduce((a, b) => a + b, 0);
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(2_500);
    expect(run.durationMs).toBeLessThan(sum * 0.6);
  });
});

describe('resolve pinning', () => {
  test('app.test pinned to 127.0.0.1: TLS verified against app.test, https suite redirect on the same name', async () => {
    const httpPort = new URL(s.httpRedirect).port;
    const run = await smoke({
      url: `https://app.test:${s.goodPort}/`,
      resolve: `app.test:${s.goodPort}:127.0.0.1\napp.test:${httpPort}:127.0.0.1`,
      suites: 'https',
      'http-url': `http://app.test:${httpPort}/`,
      timeout: '10s',
    });
    expect(run.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    expect(results(run).find((r) => r.name === 'https: http redirects to https')?.assertions[1]?.seen).toBe(
      `https://app.test:${s.goodPort}/`,
    );
  });

  test('a name the certificate does not cover fails even though the address is right', async () => {
    const run = await smoke({
      url: `https://wrong.example:${s.goodPort}/`,
      resolve: `wrong.example:${s.goodPort}:127.0.0.1`,
      timeout: '2s',
    });
    expect(run.exitCode).toBe(1);
    expect(first(run).failure).toContain('the certificate is not valid for this host name');
  });

  test('a pin for another port does not apply (like curl --resolve)', async () => {
    // If the pin applied, the request would go to 127.0.0.2, where nothing listens.
    const run = await smoke({ url: s.good, resolve: 'localhost:443:127.0.0.2' });
    expect(run.exitCode).toBe(0);
  });
});

describe('input errors', () => {
  test.each([
    [
      '- { name: home, expect: { status: 99 } }',
      /^Invalid input: 'checks' check 'home' field 'expect\.status': /,
    ],
    [
      '{ checks: [ { name: a, url: /, expect: { body-maches: x } } ] }',
      /^Invalid input: 'checks' check 'a' field 'expect': Unrecognized key\(s\) in object: 'body-maches'/,
    ],
    [
      'journeys: [ { name: j, steps: [ { name: one, url: / }, { name: two, capture: { t: { json: "$..x" } } } ] } ]',
      /^Invalid input: 'checks' journey 'j' step 'two' field 'capture\.t\.json': cannot read JSON path/,
    ],
    [
      'journeys: [ { name: j, steps: [ { name: one, headers: { X-T: "{{ nope }}" } } ] } ]',
      /^Invalid input: 'checks' journey 'j' step 'one' uses \{\{ nope \}\} before any earlier step captures it\./,
    ],
    ['- { name: a\n  b: c', /^Invalid input: 'checks' is not valid YAML or JSON at line \d+, column \d+/],
  ])('%s', async (checks, message) => {
    const run = await runAction({ action: 'smoke-test', inputs: { url: s.good, checks } });
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(message);
    expect(Object.keys(run.outputs)).toEqual(['results']);
    expect(JSON.parse(run.outputs.results as string)).toEqual({
      status: 'invalid-input',
      failure: run.error,
    });
  });

  test('bad resolve entry, unknown suite and bad expect-status', async () => {
    const c = await runAction({ action: 'smoke-test', inputs: { url: s.good, 'expect-status': 'ok' } });
    expect(c.error).toBe(
      "Invalid input: 'expect-status' must be statuses such as 200, 2xx, 200-299 or 200,301, got 'ok'.",
    );
    const a = await runAction({ action: 'smoke-test', inputs: { url: s.good, resolve: 'app.test:443' } });
    expect(a.error).toMatch(/^Invalid input: 'resolve' entries must look like host:port:address/);
    const b = await runAction({ action: 'smoke-test', inputs: { url: s.good, suites: 'https, tls' } });
    expect(b.error).toMatch(
      /^Invalid input: 'suites' may list version, https, headers, django; 'tls' is not one of them\./,
    );
  });
});

test('the bundle also runs under Node 20, and ca-cert may be a repository file', async () => {
  const bare = await runAction({
    action: 'smoke-test',
    node: NODE20,
    inputs: { url: s.good, timeout: '1s' },
  });
  // Without ca-cert the test CA is untrusted: a clear TLS failure, not a crash.
  expect(bare.exitCode).toBe(1);
  expect(bare.error).toMatch(
    /^Policy failed: check 'GET https:\/\/localhost:\d+\/' failed .*TLS to localhost:\d+ failed/,
  );
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-ws-'));
  fs.mkdirSync(path.join(workspace, 'deploy'));
  fs.copyFileSync(s.caCertFile, path.join(workspace, 'deploy', 'internal-ca.pem'));
  const ok = await runAction({
    action: 'smoke-test',
    node: NODE20,
    workspace,
    // A repository path starts from working-directory.
    inputs: { url: s.good, 'ca-cert': 'internal-ca.pem', 'working-directory': 'deploy' },
  });
  expect(ok.exitCode).toBe(0);
  expect(JSON.parse(ok.outputs.results as string)).toMatchObject({ status: 'passed', passedCount: 1 });
});
