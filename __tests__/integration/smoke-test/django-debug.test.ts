import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pythonTools, runAction } from '@deploy-kit/harness';
import { debugMarker } from '../../../actions/smoke-test/src/suites/django';
import {
  assertFree,
  basePort,
  canConnect,
  readPid,
  stopPid,
  waitFor,
} from '../../fixtures/smoke-test/servers';

// Django's technical (DEBUG = True) pages as real Django renders them — Debian's
// 3.2 and the current release pinned in scripts/pytools.d/smoke-django.txt — on a
// small multi-tenant site whose middleware raises Http404 for an unknown tenant
// (that page has no URLconf listing, only "You’re seeing this error" with a curly
// apostrophe), next to the resolver's 404 and the technical 500 (HTML and text).

jest.setTimeout(120_000);

const SITE = path.resolve(__dirname, '..', '..', 'fixtures', 'smoke-test', 'django_debug_site.py');

interface Site {
  label: string;
  url: string;
  pidFile: string;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-smoke-djdebug-'));
const sites: Site[] = [];

async function startSite(label: string, python: string, port: number, debug: boolean): Promise<Site> {
  await assertFree(port);
  const pidFile = path.join(dir, `${label}.pid`);
  const log = path.join(dir, `${label}.log`);
  spawn(python, [SITE, String(port), pidFile, debug ? 'true' : 'false'], {
    stdio: ['ignore', 'ignore', fs.openSync(log, 'a')],
    detached: true,
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
  }).unref();
  const site = { label, url: `http://127.0.0.1:${port}/`, pidFile };
  sites.push(site);
  await waitFor(
    `${label} Django`,
    async () => readPid(pidFile) !== undefined && canConnect(port),
    30_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
  });
  return site;
}

let current: { debug: Site; prod: Site };
let debian: { debug: Site; prod: Site };

beforeAll(async () => {
  const pinned = path.join(pythonTools('smoke-django'), 'python');
  const base = basePort(18500);
  current = {
    debug: await startSite('current-debug', pinned, base, true),
    prod: await startSite('current-prod', pinned, base + 1, false),
  };
  debian = {
    debug: await startSite('debian-debug', '/usr/bin/python3', base + 2, true),
    prod: await startSite('debian-prod', '/usr/bin/python3', base + 3, false),
  };
}, 180_000);

afterAll(async () => {
  for (const site of sites) await stopPid(site.pidFile);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function page(
  site: Site,
  url: string,
  accept = 'text/html',
): Promise<{ status: number; body: string }> {
  const res = await fetch(new URL(url, site.url), {
    headers: { accept },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text() };
}

// Every row has all four fields: jest would pass its `done` callback in place of a missing one.
const PAGES: [string, string, number, string][] = [
  ['the resolver 404 (URLconf listing)', '/acme/no-such-page/', 404, 'text/html'],
  ['a 404 raised in middleware (no URLconf listing)', '/no-such-tenant/', 404, 'text/html'],
  ['the technical 500 (HTML)', '/boom/', 500, 'text/html'],
  ['the technical 500 (plain text, for clients that do not accept HTML)', '/boom/', 500, 'text/plain'],
];

describe.each([
  ['current Django', () => current],
  ["Debian's Django 3.2", () => debian],
])('%s', (_label, which) => {
  test.each(PAGES)(
    '%s is recognised as a debug page with DEBUG = True, and not without',
    async (_what, url, status, accept) => {
      const debug = await page(which().debug, url, accept);
      expect(debug.status).toBe(status);
      expect(debugMarker(debug.body)).toBeDefined();
      const prod = await page(which().prod, url, accept);
      expect(prod.status).toBe(status);
      expect(debugMarker(prod.body)).toBeUndefined();
    },
  );
});

test('the current Django renders the middleware 404 with a curly apostrophe only', async () => {
  // What the straight-apostrophe marker missed: no URLconf listing, no traceback.
  const { body } = await page(current.debug, '/no-such-tenant/');
  expect(body).toContain('You’re seeing this error');
  expect(body).not.toContain("You're seeing this error");
  expect(body).not.toContain('Using the URLconf defined in');
});

describe('through the bundle: the django suite on a site whose middleware 404s unknown paths', () => {
  const run = (url: string) =>
    runAction({
      action: 'smoke-test',
      inputs: { url, suites: 'django', timeout: '10s' },
      timeoutMs: 60_000,
    });

  test('DEBUG = True fails the 404 check at once, naming the debug page', async () => {
    const result = await run(current.debug.url);
    const rows = (
      JSON.parse(result.outputs.results ?? '{}') as {
        checks: { name: string; passed: boolean; attempts: number; failure?: string }[];
      }
    ).checks;
    const notFound = rows.find((r) => r.name === 'django: 404 without debug page');
    expect(notFound).toMatchObject({ passed: false, attempts: 1 });
    expect(notFound?.failure).toMatch(/^no debug page: .*saw debug page: You're seeing this error/);
  });

  test('DEBUG = False passes the 404 check', async () => {
    const result = await run(current.prod.url);
    const rows = (
      JSON.parse(result.outputs.results ?? '{}') as { checks: { name: string; passed: boolean }[] }
    ).checks;
    expect(rows.find((r) => r.name === 'django: 404 without debug page')?.passed).toBe(true);
  });
});
