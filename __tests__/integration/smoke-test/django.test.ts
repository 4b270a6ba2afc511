import * as path from 'node:path';
import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { startDjango, type DjangoSite } from '../../fixtures/smoke-test/django';
import { basePort } from '../../fixtures/smoke-test/servers';

const REPO_ROOT = path.resolve(__dirname, '../../..');

// The real example app (examples/django-app) under Debian's gunicorn behind
// nginx with TLS: the suites and a login journey through the committed bundle.

jest.setTimeout(90_000);

let site: DjangoSite;
beforeAll(async () => {
  site = await startDjango(basePort(18450));
}, 120_000);
afterAll(async () => {
  await site?.stop();
});

interface Result {
  name: string;
  passed: boolean;
  failure?: string;
  assertions: { name: string; seen: string }[];
}
const results = (run: RunActionResult): Result[] =>
  (JSON.parse(run.outputs.results ?? '{}') as { checks?: Result[] }).checks ?? [];
const byName = (run: RunActionResult, name: string): Result => {
  const r = results(run).find((x) => x.name === name);
  if (!r) throw new Error(`no '${name}' in ${run.outputs.results}`);
  return r;
};

/** smoke-test against the production site (trusting the test CA) with `inputs` added. */
const againstProd = (inputs: Record<string, string>): Promise<RunActionResult> =>
  runAction({ action: 'smoke-test', inputs: { url: site.prod, 'ca-cert': site.caCert, ...inputs } });

/** The example app's committed deploy/journey.yml (its secrets from `inputs`) against the production site. */
const committedJourney = (inputs: Record<string, string>): Promise<RunActionResult> =>
  runAction({
    action: 'smoke-test',
    workspace: REPO_ROOT,
    inputs: {
      url: site.prod,
      'working-directory': 'examples/django-app',
      checks: 'deploy/journey.yml',
      ...inputs,
    },
  });

test('production settings pass every suite', async () => {
  const run = await againstProd({
    suites: 'version, https, headers, django',
    'http-url': site.prodHttp,
    'expect-version': site.version,
    'version-header': 'X-App-Version',
    'version-path': '/version',
    'version-json-path': '$.version',
    'hsts-min-age': '31536000',
    'cookie-path': '/login/',
    // Django keeps the CSRF cookie readable by scripts unless CSRF_COOKIE_HTTPONLY is set; the app does not set it.
    'cookie-flags': 'secure, samesite',
    'metrics-path': '/metrics',
    'metrics-token': site.metricsToken,
    timeout: '30s',
  });
  expect(run.error).toBeUndefined();
  expect(run.exitCode).toBe(0);
  expect(byName(run, 'django: foreign Host refused').assertions[0]?.seen).toBe('400');
  expect(byName(run, 'django: session and CSRF cookies').assertions[0]?.seen).toBe('Secure + SameSite=Lax');
  expect(byName(run, 'headers: CSP').assertions[1]?.seen).toContain("frame-ancestors 'none'");
  expect(run.leaks([site.metricsToken])).toEqual([]);
});

test('the CSRF cookie is not HttpOnly in the example app, and the default cookie flags say so', async () => {
  const run = await againstProd({
    suites: 'django',
    'cookie-path': '/login/',
    timeout: '2s',
  });
  expect(run.exitCode).toBe(1);
  expect(byName(run, 'django: session and CSRF cookies').failure).toBe(
    'cookie csrftoken: expected Secure + HttpOnly + SameSite, saw missing HttpOnly (has Secure + SameSite=Lax)',
  );
});

test('DEBUG = True is caught: technical 404 page, insecure cookies, old version', async () => {
  const run = await runAction({
    action: 'smoke-test',
    inputs: {
      url: site.debug,
      'ca-cert': site.caCert,
      suites: 'django, version',
      'expect-version': site.version,
      'version-header': 'X-App-Version',
      'cookie-path': '/login/',
      'cookie-flags': 'secure, samesite',
      timeout: '3s',
    },
  });
  expect(run.exitCode).toBe(1);
  expect(byName(run, 'django: 404 without debug page').failure).toMatch(/^no debug page: .*saw debug page: /);
  expect(byName(run, 'django: session and CSRF cookies').failure).toMatch(
    /cookie csrftoken: .*saw missing Secure/,
  );
  expect(byName(run, 'version: deployed release answers').failure).toBe(
    `version answers: expected ${site.version} on 20 of 20 answers, saw 0 of 20 answers; old: 3.1.3 ×20`,
  );
});

test('journey: log in with the CSRF token, post a note, see it listed', async () => {
  const title = `smoke note ${Date.now()}`;
  const checks = `
journeys:
  - name: log in and post a note
    steps:
      - name: login page
        url: /login/
        capture:
          form_csrf: { regex: 'name="csrfmiddlewaretoken" value="([^"]+)"' }
      - name: log in
        method: POST
        url: /login/
        headers: { Referer: "${site.prod}login/" }
        form: { username: ${site.username}, password: "${site.password}", csrfmiddlewaretoken: "{{ form_csrf }}" }
        expect: { status: 302, redirect: / }
      - name: notes page
        url: /
        expect: { body-contains: Log out }
        capture:
          csrf: { cookie: csrftoken }
      - name: post a note
        method: POST
        url: /notes/new
        headers: { Referer: "${site.prod}", X-CSRFToken: "{{ csrf }}" }
        form: { title: "${title}", body: "from the smoke test" }
        expect: { status: 3xx }
      - name: note listed
        url: /
        expect: { body-contains: "${title}" }
`;
  const run = await againstProd({ checks, timeout: '20s' });
  if (run.exitCode !== 0) console.log(run.summary);
  expect(run.error).toBeUndefined();
  expect(run.exitCode).toBe(0);
  expect(run.leaks([site.password])).toEqual([]);
});

test('journey with csrf: true: form login, a POST that writes, the PDF export downloaded and checked', async () => {
  const title = `pdf note ${Date.now()}`;
  const checks = `
journeys:
  - name: log in, write, download
    csrf: true
    steps:
      - name: login page
        url: /login/
      - name: log in
        method: POST
        url: /login/
        form: { username: ${site.username}, password: "${site.password}" }
        expect: { status: 302, redirect: / }
      - name: post a note
        method: POST
        url: /notes/new
        form: { title: "${title}", body: "written by the journey" }
        expect: { status: 302, redirect: / }
      - name: download the PDF
        url: /notes/export.pdf
        expect:
          headers: { content-type: application/pdf }
          body-type: pdf
          body-starts-with: "%PDF-"
          body-contains: "${title}"
`;
  const run = await againstProd({ checks, timeout: '20s' });
  if (run.exitCode !== 0) console.log(run.summary);
  expect(run.error).toBeUndefined();
  expect(run.exitCode).toBe(0);
  const download = byName(run, 'log in, write, download').assertions.find(
    (a) => a.name === 'download the PDF: body type',
  );
  expect(download?.seen).toMatch(/^PDF, \d+ bytes$/);
  expect(run.leaks([site.password])).toEqual([]);
});

test("the example app's committed deploy/journey.yml, its password from 'secrets', walks the app", async () => {
  // The checks FILE cannot hold the password: the workflow passes it in 'secrets' and the file
  // says {{ secrets.SMOKE_PASSWORD }} (workflows-examples/deploy.yml's staging journey step).
  const run = await committedJourney({
    'ca-cert': site.caCert,
    secrets: `SMOKE_PASSWORD=${site.password}`,
    timeout: '20s',
  });
  if (run.exitCode !== 0) console.log(run.summary);
  expect(run.error).toBeUndefined();
  expect(run.exitCode).toBe(0);
  const journey = byName(run, 'log in, write a note, download the PDF');
  expect(journey.passed).toBe(true);
  expect(journey.assertions.find((a) => a.name === 'download the PDF: body type')?.seen).toMatch(
    /^PDF, \d+ bytes$/,
  );
  expect(run.leaks([site.password, encodeURIComponent(site.password)])).toEqual([]);
});

test('a wrong password given in secrets fails the log-in step, and the value never prints', async () => {
  const wrong = `wrong-${site.password}`;
  const run = await committedJourney({
    'ca-cert': site.caCert,
    secrets: JSON.stringify({ SMOKE_PASSWORD: wrong }),
    retry: 'transient',
    timeout: '10s',
  });
  expect(run.exitCode).not.toBe(0);
  const failed = byName(run, 'log in, write a note, download the PDF').assertions.find(
    (a) => a.name === 'log in: status',
  );
  expect(failed?.seen).toBe('200');
  expect(run.leaks([wrong, site.password])).toEqual([]);
});

test("a checks file naming a secret the 'secrets' input does not give is an input error naming it", async () => {
  const run = await committedJourney({
    secrets: 'OTHER=x-value-1',
  });
  expect(run.exitCode).not.toBe(0);
  expect(run.error).toContain('{{ secrets.SMOKE_PASSWORD }}');
  expect(run.error).not.toContain('x-value-1');
});

test('a download that is really the login page fails on its type, saying it is HTML', async () => {
  const checks = `
- name: export without logging in
  url: /notes/export.pdf
  expect: { status: 302 }
- name: the login page is not a PDF
  url: /login/?next=/notes/export.pdf
  expect: { body-type: pdf }
`;
  const run = await againstProd({ checks, timeout: '2s' });
  expect(run.exitCode).toBe(1);
  expect(byName(run, 'export without logging in').passed).toBe(true);
  expect(byName(run, 'the login page is not a PDF').failure).toMatch(
    /^body type: expected PDF, saw HTML, starts with "/,
  );
});
