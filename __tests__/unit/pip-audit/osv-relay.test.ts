import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startOsvStandin, type OsvStandin } from '@deploy-kit/harness';
import {
  osvQueryBody,
  osvQueryKey,
  startOsvRelay,
  type OsvRelay,
} from '../../../actions/pip-audit/src/osv-relay';
import { expectedQueries } from '../../../actions/pip-audit/src/sources';
import { parseInstalled } from '../../../actions/pip-audit/src/installed';

/** The body pip-audit's OSV service sends (Python's json.dumps spacing). */
const pipAuditQuery = (name: string, version: string, extra = ''): string =>
  `{"package": {"name": "${name}", "ecosystem": "PyPI"}, "version": "${version}"${extra}}`;

async function ask(relay: OsvRelay, body: string): Promise<{ status: number; body: string }> {
  const res = await fetch(relay.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** Resolves once `count()` (queries that reached the service) is at least `n`. */
async function queriesReach(count: () => number, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (count() >= n) return;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`fewer than ${n} queries reached the service`);
}

describe('the OSV relay asks a pinned file’s queries ahead (#18 B6)', () => {
  let osv: OsvStandin;
  beforeAll(async () => {
    osv = await startOsvStandin();
  });
  afterAll(() => osv.stop());

  it('files pip-audit’s query and its own under one key, and nothing else', () => {
    const key = osvQueryKey(pipAuditQuery('django', '3.2.10'));
    expect(key).toBeDefined();
    expect(osvQueryKey(osvQueryBody({ name: 'django', version: '3.2.10' }))).toBe(key);
    expect(osvQueryKey(pipAuditQuery('django', '3.2.11'))).not.toBe(key);
    expect(osvQueryKey(pipAuditQuery('django', '3.2.10', ', "page_token": "t"'))).toBeUndefined();
    expect(
      osvQueryKey('{"package": {"name": "django", "ecosystem": "npm"}, "version": "3.2.10"}'),
    ).toBeUndefined();
    expect(osvQueryKey('{"commit": "abc"}')).toBeUndefined();
    expect(osvQueryKey('not json')).toBeUndefined();
  });

  it('asks each query once: pip-audit gets the answer asked ahead, the same answer the service gives', async () => {
    const records: string[] = [];
    const relay = await startOsvRelay(osv.queryUrl, {
      timeoutMs: 5000,
      onRecords: (rs) => records.push(...rs.map((r) => r.id)),
    });
    try {
      const before = osv.requests.length;
      relay.askAhead([
        { name: 'django', version: '3.2.10' },
        { name: 'idna', version: '3.7' },
        { name: 'django', version: '3.2.10' },
      ]);
      await queriesReach(() => osv.requests.length - before, 2);
      // Every record of the answers asked ahead is handed on before pip-audit asks.
      expect(records.length).toBeGreaterThan(0);
      const handed = records.length;
      const django = await ask(relay, pipAuditQuery('django', '3.2.10'));
      const idna = await ask(relay, pipAuditQuery('idna', '3.7'));
      // Not asked ahead: sent on when asked.
      const sqlparse = await ask(relay, pipAuditQuery('sqlparse', '0.4.1'));
      const sent = osv.requests.slice(before).filter((r) => r.path === '/v1/query');
      expect(sent.map((r) => JSON.stringify(r.body))).toEqual(
        expect.arrayContaining([
          JSON.stringify({ package: { name: 'django', ecosystem: 'PyPI' }, version: '3.2.10' }),
          JSON.stringify({ package: { name: 'idna', ecosystem: 'PyPI' }, version: '3.7' }),
        ]),
      );
      expect(sent).toHaveLength(3);
      expect(osv.violations).toEqual([]);
      expect(django.status).toBe(200);
      expect((JSON.parse(django.body) as { vulns: unknown[] }).vulns.length).toBeGreaterThan(0);
      expect(JSON.parse(idna.body)).toEqual({});
      expect(sqlparse.status).toBe(200);
      // The same answer the service gives to pip-audit's own query.
      const direct = await fetch(osv.queryUrl, { method: 'POST', body: pipAuditQuery('django', '3.2.10') });
      expect(JSON.parse(django.body)).toEqual(await direct.json());
      // The answer asked ahead was not handed on a second time when pip-audit got it.
      const sqlparseVulns = (JSON.parse(sqlparse.body) as { vulns?: unknown[] }).vulns?.length ?? 0;
      expect(records.length).toBe(handed + sqlparseVulns);
      expect(relay.takeProblems()).toEqual([]);
    } finally {
      await relay.close();
    }
  });

  it('an error asked ahead (a refused burst) is asked again when pip-audit asks: that answer is the one judged', async () => {
    const relay = await startOsvRelay(osv.queryUrl, { timeoutMs: 5000 });
    try {
      const before = osv.requests.length;
      const sent = () => osv.requests.slice(before).filter((r) => r.path === '/v1/query');
      osv.fault({ route: 'query', status: 429 });
      relay.askAhead([
        { name: 'django', version: '3.2.10' },
        { name: 'idna', version: '3.7' },
      ]);
      await queriesReach(() => osv.requests.length - before, 2);
      expect(relay.takeProblems()).toEqual([]);
      // Still refused when pip-audit asks: refused again, and that is a problem.
      const refused = await ask(relay, pipAuditQuery('idna', '3.7'));
      expect(refused.status).toBe(429);
      expect(relay.takeProblems()).toEqual(['idna 3.7: the OSV service answered HTTP 429']);
      expect(sent()).toHaveLength(3);
      // The burst is over by the time pip-audit asks: the second answer is what it gets, and clean.
      osv.fault(undefined);
      const django = await ask(relay, pipAuditQuery('django', '3.2.10'));
      expect(django.status).toBe(200);
      expect((JSON.parse(django.body) as { vulns: unknown[] }).vulns.length).toBeGreaterThan(0);
      expect(relay.takeProblems()).toEqual([]);
      expect(sent()).toHaveLength(4);
    } finally {
      osv.fault(undefined);
      await relay.close();
    }
  });

  it('an answer asked ahead that timed out is not asked again: pip-audit is told at once', async () => {
    const relay = await startOsvRelay(osv.queryUrl, { timeoutMs: 300 });
    try {
      const before = osv.requests.length;
      osv.fault({ route: 'query', delayMs: 5000 });
      relay.askAhead([{ name: 'idna', version: '3.7' }]);
      await queriesReach(() => osv.requests.length - before, 1);
      const answer = await ask(relay, pipAuditQuery('idna', '3.7'));
      expect(answer.status).toBe(502);
      expect(relay.takeProblems()).toEqual([
        'idna 3.7: the OSV service could not be asked (no answer within 0.3 s)',
      ]);
      expect(osv.requests.slice(before).filter((r) => r.path === '/v1/query')).toHaveLength(1);
    } finally {
      osv.fault(undefined);
      await relay.close();
    }
  });
});

describe('the OSV relay with a service that answers slowly', () => {
  let server: http.Server;
  let url: string;
  const seen: string[] = [];
  const held: (() => void)[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const name = (JSON.parse(body) as { package: { name: string } }).package.name;
        seen.push(name);
        const answer = (): void => {
          res.writeHead(200, { 'content-type': 'application/json' }).end(name === 'empty' ? 'null' : '{}');
        };
        // 'slow' is held until the test lets it go.
        if (name === 'slow') held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/query`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends a query pip-audit asks while it still waits its turn, and never asks it twice', async () => {
    seen.length = 0;
    const relay = await startOsvRelay(url, { timeoutMs: 5000, concurrency: 1 });
    try {
      relay.askAhead([
        { name: 'slow', version: '1' },
        { name: 'waiting', version: '1' },
        { name: 'empty', version: '1' },
      ]);
      await queriesReach(() => seen.length, 1);
      // 'waiting' is queued behind 'slow': pip-audit's ask goes straight to the service.
      const waiting = await ask(relay, pipAuditQuery('waiting', '1'));
      expect(waiting).toEqual({ status: 200, body: '{}' });
      expect(seen).toEqual(['slow', 'waiting']);
      held.shift()?.();
      const empty = await ask(relay, pipAuditQuery('empty', '1'));
      // An empty-looking answer asked ahead is refused like one asked live.
      expect(empty.status).toBe(502);
      expect(relay.takeProblems()).toEqual(['empty 1: the answer is not an OSV answer (null)']);
      // Asked again when pip-audit asked (an invalid answer asked ahead is not the last word).
      expect(seen).toEqual(['slow', 'waiting', 'empty', 'empty']);
    } finally {
      await relay.close();
    }
  });
});

describe('expectedQueries', () => {
  it('lists the pins of files audited as written, without markers, and nothing pip resolves', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-expected-'));
    const write = (name: string, text: string): string => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    write('base.txt', 'Django==3.2.10\n');
    const pinned = write('requirements.txt', '-r base.txt\nidna==3.7\nPy_YAML==6.0 ; python_version < "3"\n');
    const loose = write('loose.txt', 'requests>=2\nurllib3==1.26.5\n');
    expect(expectedQueries([pinned, loose, path.join(dir, 'missing.txt')])).toEqual([
      { name: 'idna', version: '3.7' },
      { name: 'django', version: '3.2.10' },
    ]);
  });
});

describe('parseInstalled (mode: environment, asked ahead)', () => {
  it('reads name and version from the metadata folders, the first of each name, as pip-audit will ask them', () => {
    const listing = JSON.stringify([
      'Django-3.2.10',
      'python_dateutil-2.8.2',
      'zope.interface-6.1',
      'six-1.16.0-py3.11',
      'python-editor-1.0.4',
      'django-4.2',
      'not-a-version-here',
      'nodash',
    ]);
    expect(parseInstalled(`some warning\n${listing}\n`)).toEqual([
      { name: 'django', version: '3.2.10' },
      { name: 'python-dateutil', version: '2.8.2' },
      { name: 'zope-interface', version: '6.1' },
      { name: 'six', version: '1.16.0' },
      { name: 'python-editor', version: '1.0.4' },
    ]);
    expect(parseInstalled('Traceback (most recent call last):')).toEqual([]);
    expect(parseInstalled('{"not": "a list"}')).toEqual([]);
  });
});
