import * as crypto from 'node:crypto';
import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { startFleet, type Fleet } from '../../fixtures/smoke-test/fleet';
import { basePort, startSmokeServers, type SmokeServers } from '../../fixtures/smoke-test/servers';

// What users hit with the shipped bundle (issue 14, D and A3/A4): a version
// check an old backend could pass, definitive failures retried for the whole
// timeout, an ::error:: naming the wrong check, duplicate HSTS headers, and
// echoed credentials in outputs, summaries and cut-off snippets. Real nginx
// (TLS, round-robin upstreams) and real backends behind it.

jest.setTimeout(90_000);

let s: SmokeServers;
const fleets: Fleet[] = [];
beforeAll(async () => {
  s = await startSmokeServers(basePort(18470));
}, 30_000);
afterAll(async () => {
  for (const fleet of fleets) await fleet.stop();
  await s?.stop();
});

interface Result {
  name: string;
  passed: boolean;
  attempts: number;
  failure?: string;
  assertions: { name: string; passed: boolean; expected: string; seen: string }[];
}
const results = (run: RunActionResult): Result[] =>
  (JSON.parse(run.outputs.results ?? '{}') as { checks?: Result[] }).checks ?? [];
const byName = (run: RunActionResult, name: string): Result => {
  const found = results(run).find((r) => r.name === name);
  if (!found) throw new Error(`no result '${name}' in ${run.outputs.results}`);
  return found;
};

const smoke = (inputs: Record<string, string>): Promise<RunActionResult> =>
  runAction({ action: 'smoke-test', inputs: { 'ca-cert': s.caCert, ...inputs }, timeoutMs: 80_000 });

let nextFleetPort = basePort(18482);
async function fleet(versions: string[]): Promise<Fleet> {
  const started = await startFleet(nextFleetPort, versions);
  nextFleetPort += versions.length + 1;
  fleets.push(started);
  return started;
}

const versionInputs = (url: string, extra: Record<string, string> = {}): Record<string, string> => ({
  url,
  suites: 'version',
  'expect-version': '2.0.0',
  'version-path': '/version.json',
  'version-json-path': '$.version',
  timeout: '3s',
  ...extra,
});

describe('version suite behind a round-robin load balancer (D1)', () => {
  test('one stale backend in two fails, and the report counts the old answers', async () => {
    const f = await fleet(['2.0.0', '1.9.0']);
    const run = await smoke(versionInputs(f.url));
    expect(run.exitCode).toBe(1);
    const check = byName(run, 'version: deployed release answers');
    expect(check.passed).toBe(false);
    const answers = check.assertions.find((a) => a.name === 'version answers');
    expect(answers?.expected).toBe('2.0.0 on 20 of 20 answers');
    // nginx alternates, so every attempt of 20 answers sees exactly 10 old ones.
    expect(answers?.seen).toMatch(/^10 of 20 answers; old: 1\.9\.0 ×10/);
    expect(run.error).toContain('version answers');
  });

  test('one stale backend in four fails too', async () => {
    const f = await fleet(['2.0.0', '2.0.0', '1.9.0', '2.0.0']);
    const run = await smoke(versionInputs(f.url));
    expect(run.exitCode).toBe(1);
    const answers = byName(run, 'version: deployed release answers').assertions.find(
      (a) => a.name === 'version answers',
    );
    expect(answers?.seen).toMatch(/^15 of 20 answers; old: 1\.9\.0 ×5/);
  });

  test('a fully rolled-out fleet passes; version-answers sets how many answers must agree', async () => {
    const f = await fleet(['2.0.0', '2.0.0', '2.0.0']);
    const run = await smoke(versionInputs(f.url, { 'version-answers': '7' }));
    expect(run.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    const check = byName(run, 'version: deployed release answers');
    expect(check.attempts).toBe(1);
    expect(check.assertions.find((a) => a.name === 'version answers')).toMatchObject({
      passed: true,
      expected: '2.0.0 on 7 of 7 answers',
      seen: '7 of 7 answers',
    });
  });

  test('version-answers must be a whole number from 1', async () => {
    const run = await smoke(versionInputs(s.good, { 'version-answers': '0' }));
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(/'version-answers'/);
    // Written on every path: how the run ended, and nothing checked.
    expect(JSON.parse(run.outputs.results as string)).toEqual({
      status: 'invalid-input',
      failure: run.error,
    });
  });
});

describe('definitive failures fail at once (D3), naming the failing check (D4)', () => {
  test('a redirect to another host is not retried', async () => {
    const run = await smoke({ url: s.good, suites: 'https', 'http-url': s.httpBadRedirect, timeout: '20s' });
    expect(run.exitCode).toBe(1);
    const redirect = byName(run, 'https: http redirects to https');
    expect(redirect.passed).toBe(false);
    expect(redirect.attempts).toBe(1);
    expect(run.error).toContain("check 'https: http redirects to https'");
    expect(run.error).toMatch(/not retried/);
  });

  test('a certificate for another name: not retried, and the ::error:: names the certificate check, not the plain GET', async () => {
    const run = await smoke({
      url: s.wrongName,
      suites: 'https',
      'http-url': s.httpToWrongName,
      timeout: '20s',
    });
    expect(run.exitCode).toBe(1);
    expect(byName(run, 'https: http redirects to https').passed).toBe(true);
    expect(byName(run, 'https: certificate valid for host').attempts).toBe(1);
    // The implicit GET of url fails on the same certificate: it is listed, but not as the cause.
    expect(byName(run, `GET ${s.wrongName}`).attempts).toBe(1);
    const errors = run.annotations.filter((a) => a.level === 'error');
    expect(errors[0]?.message).toContain("check 'https: certificate valid for host'");
    expect(errors[0]?.message).toContain(`GET ${s.wrongName}`);
  });

  test('an expired certificate is not retried', async () => {
    const run = await smoke({ url: s.expired, suites: 'https', 'http-url': s.httpRedirect, timeout: '20s' });
    expect(run.exitCode).toBe(1);
    expect(byName(run, 'https: certificate valid for host').attempts).toBe(1);
    expect(byName(run, 'https: certificate expiry').attempts).toBe(1);
  });

  test('a wrong HSTS header is not retried, and duplicate HSTS headers are reported', async () => {
    const run = await smoke({ url: `${s.good}hsts-twice/`, suites: 'headers', timeout: '20s' });
    expect(run.exitCode).toBe(1);
    const hsts = byName(run, 'headers: HSTS');
    expect(hsts.attempts).toBe(1);
    const assertion = hsts.assertions.find((a) => a.name === 'Strict-Transport-Security');
    // Browsers apply only the first header (RFC 6797 §8.1): the app's max-age=60, not nginx's year.
    expect(assertion?.seen).toMatch(/^max-age=60 \(2 Strict-Transport-Security headers/);
    expect(run.summary).toContain('2 Strict-Transport-Security headers');
  });

  test('retry: all keeps retrying what cannot change, until the timeout', async () => {
    const run = await smoke({
      url: s.wrongName,
      suites: 'https',
      'http-url': s.httpRedirect,
      timeout: '3s',
      retry: 'all',
    });
    expect(run.exitCode).toBe(1);
    expect(byName(run, 'https: certificate valid for host').attempts).toBeGreaterThan(1);
  });

  test('what can change is still retried: a refused connection', async () => {
    const run = await smoke({ url: `http://127.0.0.1:${s.backendPort + 9}/`, timeout: '2s' });
    expect(run.exitCode).toBe(1);
    expect(results(run)[0]?.attempts).toBeGreaterThan(1);
  });
});

describe('echoed credentials never reach outputs, summaries or cut-off snippets (A3, A4)', () => {
  test('a token echoed in a header, a JSON body and a snippet is redacted everywhere', async () => {
    const token = crypto.randomBytes(32).toString('hex');
    // A credential with characters JSON escapes, as a Bearer token.
    const bearer = `tok"en\\${crypto.randomBytes(12).toString('hex')}`;
    const checks = JSON.stringify([
      {
        name: 'echo passes',
        url: '/echo',
        headers: { 'X-Metrics-Token': token, Authorization: `Bearer ${bearer}` },
        expect: { status: 200, json: { '$.token': token }, headers: { 'x-echo-token': true } },
      },
      {
        name: 'echo fails',
        url: '/echo',
        headers: { 'X-Metrics-Token': token, Authorization: `Bearer ${bearer}` },
        expect: { 'body-contains': 'never there' },
      },
    ]);
    const run = await smoke({ url: s.good, checks, timeout: '2s', retry: 'all' });
    expect(run.exitCode).toBe(1);
    expect(byName(run, 'echo passes').passed).toBe(true);
    expect(byName(run, 'echo fails').passed).toBe(false);
    // Whole values, their JSON-escaped forms, and the pieces a cut snippet would show.
    const pieces = [token, bearer, token.slice(0, 24), token.slice(0, 59), bearer.slice(0, 12)];
    expect(run.leaks(pieces)).toEqual([]);
    for (const piece of pieces) {
      expect(run.log).not.toContain(piece);
      expect(run.summary).not.toContain(JSON.stringify(piece).slice(1, -1).replace(/\\/g, '\\\\'));
    }
    expect(byName(run, 'echo passes').assertions.find((a) => a.name === 'header x-echo-token')?.seen).toBe(
      '***',
    );
    expect(run.summary).toContain('***');
  });
});
