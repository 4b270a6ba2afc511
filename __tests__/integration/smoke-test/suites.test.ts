import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { basePort, startSmokeServers, type SmokeServers } from '../../fixtures/smoke-test/servers';

// The built-in suites through the committed bundle, against real nginx (Debian)
// with openssl-made certificates and a real backend behind it.

jest.setTimeout(60_000);

let s: SmokeServers;
beforeAll(async () => {
  s = await startSmokeServers(basePort(18410));
}, 30_000);
afterAll(async () => {
  await s?.stop();
});

interface Result {
  name: string;
  group: string;
  passed: boolean;
  attempts: number;
  failure?: string;
  assertions: { name: string; passed: boolean; expected: string; seen: string }[];
}

function results(run: RunActionResult): Result[] {
  return (JSON.parse(run.outputs.results ?? '{}') as { checks?: Result[] }).checks ?? [];
}

function byName(run: RunActionResult, name: string): Result {
  const found = results(run).find((r) => r.name === name);
  if (!found) throw new Error(`no result '${name}' in ${run.outputs.results}`);
  return found;
}

const smoke = (inputs: Record<string, string>): Promise<RunActionResult> =>
  runAction({ action: 'smoke-test', inputs: { 'ca-cert': s.caCert, ...inputs }, timeoutMs: 60_000 });

describe('https suite', () => {
  test('passes on the good server: 301 to the same https origin, TLS >= 1.2, trusted cert, enough days left', async () => {
    const run = await smoke({ url: s.good, suites: 'https', 'http-url': s.httpRedirect, timeout: '10s' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['failed-count']).toBe('0');
    const rows = results(run).filter((r) => r.group === 'https');
    expect(rows.map((r) => r.passed)).toEqual([true, true, true, true]);
    expect(byName(run, 'https: TLS 1.2 or newer only').assertions[0]?.seen).toMatch(/^TLSv1\.[23]$/);
    expect(byName(run, 'https: certificate valid for host').assertions[0]?.seen).toContain(
      'issuer deploy-kit test CA',
    );
    expect(run.summary).toContain('| https: certificate expiry | ✅ pass |');
  });

  test('fails on a certificate that expires in 2 days, naming the days left', async () => {
    const run = await smoke({
      url: s.expiring,
      suites: 'https',
      'http-url': s.httpRedirect,
      timeout: '3s',
      'min-cert-days': '14',
    });
    expect(run.exitCode).toBe(1);
    const expiry = byName(run, 'https: certificate expiry');
    expect(expiry.passed).toBe(false);
    expect(expiry.failure).toMatch(/days to expiry: expected >= 14, saw [01] \(until/);
    // The chain itself is fine: only the expiry rule fails.
    expect(byName(run, 'https: certificate valid for host').passed).toBe(true);
    // And min-cert-days 1 lets it through.
    const lenient = await smoke({
      url: s.expiring,
      suites: 'https',
      'http-url': s.httpRedirect,
      timeout: '3s',
      'min-cert-days': '1',
    });
    expect(byName(lenient, 'https: certificate expiry').passed).toBe(true);
  });

  test('fails on an expired certificate', async () => {
    const run = await smoke({ url: s.expired, suites: 'https', 'http-url': s.httpRedirect, timeout: '2s' });
    expect(run.exitCode).toBe(1);
    expect(byName(run, 'https: certificate valid for host').failure).toContain('the certificate has expired');
    expect(byName(run, 'https: certificate expiry').failure).toMatch(/saw expired \d+ day\(s\) ago/);
    // Plain requests refuse it as well.
    expect(byName(run, `GET ${s.expired}`).failure).toContain('the certificate has expired');
  });

  test('fails on a certificate for the wrong name', async () => {
    const run = await smoke({ url: s.wrongName, suites: 'https', 'http-url': s.httpRedirect, timeout: '2s' });
    expect(run.exitCode).toBe(1);
    const cert = byName(run, 'https: certificate valid for host');
    expect(cert.failure).toContain('not valid for this host name');
    expect(cert.failure).toContain('CN=wrong.example');
  });

  test('fails without ca-cert: the test CA is not trusted by default', async () => {
    const run = await runAction({
      action: 'smoke-test',
      inputs: { url: s.good, suites: 'https', 'http-url': s.httpRedirect, timeout: '2s' },
    });
    expect(run.exitCode).toBe(1);
    expect(byName(run, 'https: certificate valid for host').failure).toMatch(
      /not trusted|cannot be verified|self-signed/,
    );
  });

  test('fails when plain HTTP redirects to another host, and when TLS 1.1 is still accepted', async () => {
    const run = await smoke({ url: s.oldTls, suites: 'https', 'http-url': s.httpBadRedirect, timeout: '2s' });
    expect(run.exitCode).toBe(1);
    const redirect = byName(run, 'https: http redirects to https');
    expect(redirect.failure).toMatch(/status: expected 301, 308, saw 302/);
    expect(redirect.assertions.find((a) => a.name === 'redirect target')?.seen).toContain(
      'elsewhere.localhost',
    );
    expect(byName(run, 'https: TLS 1.2 or newer only').failure).toMatch(
      /TLS 1.0\/1.1 offered: expected refused, saw accepted TLSv1(\.1)?/,
    );
  });
});

describe('headers suite', () => {
  test('passes with HSTS, nosniff, X-Frame-Options/frame-ancestors, Referrer-Policy and CSP, reporting each value', async () => {
    const run = await smoke({
      url: s.good,
      suites: 'headers',
      'hsts-include-subdomains': 'true',
      timeout: '10s',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['passed-count']).toBe('6');
    expect(run.summary).toContain('Strict-Transport-Security: max-age=31536000; includeSubDomains');
    expect(run.summary).toContain("frame-ancestors 'none'");
    expect(run.summary).toContain('Referrer-Policy: same-origin');
  });

  test('fails for an HSTS max-age below the threshold', async () => {
    const run = await smoke({ url: s.good, suites: 'headers', 'hsts-min-age': '63072000', timeout: '2s' });
    expect(run.exitCode).toBe(1);
    expect(byName(run, 'headers: HSTS').failure).toBe(
      'Strict-Transport-Security: expected max-age >= 63072000, saw max-age=31536000; includeSubDomains',
    );
    expect(run.outputs['failed-count']).toBe('1');
  });

  test('fails on a server without security headers, naming missing HSTS first', async () => {
    const run = await smoke({ url: s.weak, suites: 'headers', timeout: '2s' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs['failed-count']).toBe('5');
    expect(byName(run, 'headers: HSTS').failure).toContain('saw (absent)');
    expect(run.error).toMatch(
      /^Policy failed: check 'headers: HSTS' failed after 1 attempt in .*Strict-Transport-Security: expected max-age >= 15552000, saw \(absent\) \(4 more checks failed too: 'headers: nosniff', 'headers: framing', 'headers: Referrer-Policy', … 1 more\)\.$/,
    );
  });
});

describe('version suite', () => {
  test('passes when the new version answers in the header and the JSON field (SHA prefixes accepted)', async () => {
    const run = await smoke({
      url: s.good,
      suites: 'version',
      'version-path': '/version.json',
      'expect-version': '2.0.0',
      'version-header': 'X-App-Version',
      timeout: '10s',
    });
    expect(run.exitCode).toBe(0);
    const sha = await smoke({
      url: s.good,
      suites: 'version',
      'version-path': '/version.json',
      'expect-version': 'a1b2c3d',
      'version-json-path': '$.sha',
      timeout: '10s',
    });
    expect(sha.exitCode).toBe(0);
  });

  test('fails when the old version is still serving', async () => {
    const run = await smoke({
      url: s.weak,
      suites: 'version',
      'version-path': '/version.json',
      'expect-version': '2.0.0',
      'version-json-path': '$.version',
      timeout: '2s',
    });
    expect(run.exitCode).toBe(1);
    const v = byName(run, 'version: deployed release answers');
    expect(v.failure).toBe(
      'version answers: expected 2.0.0 on 20 of 20 answers, saw 0 of 20 answers; old: 1.9.0 ×20',
    );
    expect(v.assertions.find((a) => a.name === 'version at $.version')?.seen).toBe('1.9.0');
    expect(v.attempts).toBeGreaterThan(1);
  });

  test('needs expect-version', async () => {
    const run = await smoke({ url: s.good, suites: 'version', 'version-header': 'X-App-Version' });
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(/^Invalid input: suite 'version' needs 'expect-version'/);
  });
});

describe('django suite', () => {
  test('passes: plain 404, static 200, Secure+HttpOnly+SameSite cookies, foreign Host dropped, metrics 401 then 200', async () => {
    const run = await smoke({
      url: s.good,
      suites: 'django',
      'metrics-path': '/metrics',
      'metrics-token': s.metricsToken,
      timeout: '10s',
    });
    expect(run.exitCode).toBe(0);
    expect(results(run).filter((r) => r.group === 'django')).toHaveLength(5);
    expect(byName(run, 'django: foreign Host refused').assertions[0]?.seen).toMatch(/^closed:/);
    expect(byName(run, 'django: /metrics protected').assertions.map((a) => a.seen)).toEqual(['401', '200']);
    // The token was masked, with its derived forms, and reached no output.
    expect(run.masks).toContain(s.metricsToken);
    expect(run.leaks([s.metricsToken])).toEqual([]);
  });

  test('fails for the right reasons on a DEBUG site with insecure cookies and open metrics', async () => {
    const run = await smoke({ url: s.weak, suites: 'django', 'metrics-path': '/metrics', timeout: '2s' });
    expect(run.exitCode).toBe(1);
    expect(byName(run, 'django: 404 without debug page').failure).toMatch(
      /no debug page: .*saw debug page: You're seeing this error because you have DEBUG = True/,
    );
    expect(byName(run, 'django: static files served').failure).toMatch(/saw 404/);
    expect(byName(run, 'django: session and CSRF cookies').failure).toBe(
      'cookie csrftoken: expected Secure + HttpOnly + SameSite, saw missing Secure, HttpOnly, SameSite (has no flags)',
    );
    expect(byName(run, 'django: foreign Host refused').failure).toMatch(/saw 200/);
    expect(byName(run, 'django: /metrics protected').failure).toBe(
      'without token: expected 401, 403, saw 200',
    );
  });
});

test('every suite at once on the good server, with the shorthand check, all pass', async () => {
  const run = await smoke({
    url: s.good,
    suites: 'version, https, headers, django',
    'http-url': s.httpRedirect,
    'expect-version': '2.0.0',
    'version-path': '/version.json',
    'version-header': 'X-App-Version',
    'metrics-path': '/metrics',
    'metrics-token': s.metricsToken,
    timeout: '15s',
  });
  expect(run.error).toBeUndefined();
  expect(run.exitCode).toBe(0);
  expect(run.outputs['passed-count']).toBe('16');
  expect(run.outputs['failed-count']).toBe('0');
  expect(run.summary).toMatch(/## Smoke test passed: 16 passed, 0 failed/);
  expect(run.summary).toContain('| Check | Result | Attempts | Time | Seen vs expected |');
});
