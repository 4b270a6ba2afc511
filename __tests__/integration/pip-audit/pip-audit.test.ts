import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import {
  affectsVersion,
  NODE20,
  loadOsvRecords,
  type OsvRecord,
  osvDataDir,
  pythonTools,
  runAction,
  startOsvStandin,
  type OsvStandin,
  type RunActionResult,
} from '@deploy-kit/harness';
import { buildDistributions, startSimpleIndex } from './simple-index';

/**
 * The committed bundle, run as the runner runs it, driving the real pip-audit
 * (pinned, hashed, from scripts/pytools.d/pip-audit.txt) against the OSV
 * stand-in, which serves real advisory records and checks every request.
 */

/** The published folder under test; DEPLOY_KIT_PIP_AUDIT_ACTION runs these tests against another bundle (an earlier one, to see a test fail). */
const ACTION = process.env.DEPLOY_KIT_PIP_AUDIT_ACTION ?? 'pip-audit';

let osv: OsvStandin;
let toolsBin: string;
const workspaces: string[] = [];

/**
 * The SARIF 2.1.0 JSON schema (draft-04), as Microsoft's SARIF SDK ships it in the npm package
 * @microsoft/jest-sarif (lib/schemas/sarif-2.1.0-rtm.5.json: 2.1.0-rtm.5 is the schema OASIS
 * published as 2.1.0), checked with Ajv 8.
 */
function sarifValidator(): (doc: unknown) => string[] {
  const file = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  // The schema's language-tag pattern is not valid as a unicode RegExp; it is a plain ECMA-262 pattern.
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8')));
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

beforeAll(async () => {
  toolsBin = pythonTools('pip-audit');
  osv = await startOsvStandin();
});
afterAll(async () => {
  await osv.stop();
  for (const w of workspaces) fs.rmSync(w, { recursive: true, force: true });
});
afterEach(() => {
  osv.fault(undefined);
  // Every record served and every query pip-audit or the action sent matched the published OSV description.
  expect(osv.violations).toEqual([]);
});

function workspace(files: Record<string, string>): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-pip-audit-'));
  workspaces.push(ws);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
    fs.writeFileSync(path.join(ws, name), content);
  }
  return ws;
}

const shared = (name: string): string => fs.readFileSync(path.join(osvDataDir(), name), 'utf8');

function audit(
  ws: string,
  inputs: Record<string, string> = {},
  extra: { node?: string; osvUrl?: string } = {},
): Promise<RunActionResult> {
  return runAction({
    action: ACTION,
    workspace: ws,
    node: extra.node,
    // The tests may not reach PyPI: the pin check is off unless a test points 'index-url' at its own index.
    inputs: { 'osv-url': extra.osvUrl ?? osv.queryUrl, 'index-check': 'off', ...inputs },
    // pip-audit's own cache would let a later run answer from disk instead of the (faulty) service.
    env: { PATH: `${toolsBin}${path.delimiter}${process.env.PATH}`, XDG_CACHE_HOME: path.join(ws, '.cache') },
    timeoutMs: 180_000,
  });
}

/** A loopback port nothing listens on: bound, then closed, so connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Results {
  status: string;
  failure?: string;
  vulnerabilityCount?: number;
  fixableCount?: number;
  findings?: ({ id: string; aliases: string[]; package: string; version: string } & Record<
    string,
    unknown
  >)[];
}
const resultsOf = (r: RunActionResult): Results => JSON.parse(r.outputs.results ?? 'null') as Results;
const findingsOf = (r: RunActionResult) => resultsOf(r).findings ?? [];

/**
 * A run that did not complete: `results` holds the envelope only, and no count is set. osv-url is
 * a secret input, so the endpoint is masked in the output (a private mirror's URL carries its password).
 */
function expectNotAudited(r: RunActionResult, status = 'could-not-run'): void {
  expect(Object.keys(r.outputs)).toEqual(['results']);
  const masked = failure(r)?.replace(/http:\/\/127\.0\.0\.1:\d+\/v1\/query/g, '***');
  expect(resultsOf(r)).toEqual({ status, failure: masked });
  expect(r.summary).toContain('No vulnerability count is given');
}

const failure = (r: RunActionResult): string | undefined =>
  r.annotations.find(
    (a) => a.level === 'error' && /^(Policy failed|Could not run|Invalid input)/.test(a.message),
  )?.message;

describe('pip-audit action against the real pip-audit', () => {
  it('passes a clean, fully pinned file on Node 20 too, and audits the pins as written', async () => {
    const ws = workspace({ 'requirements.txt': shared('requirements-clean.txt') });
    const before = osv.requests.length;
    const r = await audit(ws, { report: 'out/report.json' }, { node: NODE20 });
    expect(failure(r)).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ 'vulnerability-count': '0', 'fixable-count': '0' });
    expect(resultsOf(r)).toMatchObject({ status: 'passed', vulnerabilityCount: 0, findings: [] });
    expect(resultsOf(r).failure).toBeUndefined();
    expect(JSON.parse(r.outputs['by-severity'] as string)).toEqual({
      critical: 0,
      high: 0,
      medium: 0,
      low: 0,
      none: 0,
      unknown: 0,
    });
    expect(r.summary).toContain('pip-audit passed: no known vulnerabilities');
    // One query per pin, sent to the stand-in through pip-audit's --osv-url: the audit really happened.
    const queries = osv.requests.slice(before).filter((q) => q.path === '/v1/query');
    expect(queries.map((q) => (q.body as { package: { name: string } }).package.name).sort()).toEqual([
      'celery',
      'certifi',
      'cryptography',
      'django',
      'gunicorn',
      'idna',
      'jinja2',
      'pillow',
      'pyyaml',
      'requests',
      'sqlparse',
      'urllib3',
      'werkzeug',
    ]);
    expect(r.log).toContain('(pinned, audited as written)');
    const report = JSON.parse(fs.readFileSync(path.join(ws, 'out/report.json'), 'utf8'));
    expect(report).toMatchObject({ passed: true, vulnerabilities: 0, findings: [] });
  });

  it('fails on findings of every severity, with alias-only and missing severity, the withdrawn record left out, SARIF valid', async () => {
    const ws = workspace({ 'requirements.txt': shared('requirements-vulnerable.txt') });
    const r = await audit(ws, { sarif: 'out/pip-audit.sarif', report: 'out/report.json' });
    expect(r.exitCode).toBe(1);
    expect(failure(r)).toMatch(/^Policy failed: 26 vulnerabilities at any severity/);
    expect(r.outputs).toMatchObject({ 'vulnerability-count': '26', 'fixable-count': '26' });
    expect(resultsOf(r)).toMatchObject({ status: 'failed', failure: failure(r), fixableCount: 26 });
    expect(JSON.parse(r.outputs['by-severity'] as string)).toEqual({
      critical: 5,
      high: 8,
      medium: 11,
      low: 1,
      none: 0,
      unknown: 1,
    });
    const results = findingsOf(r);
    const byId = (id: string) => results.find((f) => f.id === id || f.aliases.includes(id));
    // PYSEC-2022-190 has no severity of its own: the score is its alias GHSA-2gwj-7jmv-h26r's CVSS vector.
    expect(byId('PYSEC-2022-190')).toMatchObject({
      severity: 'critical',
      score: 9.8,
      fixedIn: '3.2.13',
      line: 1,
    });
    expect(byId('PYSEC-2023-175')).toMatchObject({ severity: 'unknown', fixedIn: '10.0.1' });
    expect(byId('GHSA-px8h-6qxv-m22q')).toMatchObject({ severity: 'low', score: 2.6 });
    expect(byId('GHSA-q4xr-rc97-m4xx')).toMatchObject({ severity: 'high', score: 7.7 });
    expect(byId('PYSEC-2023-73')).toBeUndefined();
    expect(results.some((f) => f.package === 'redis')).toBe(false);
    const django = r.annotations.find((a) => a.title === 'pip-audit: Django 3.2.10');
    expect(django).toMatchObject({ level: 'error', file: 'requirements.txt', line: 1 });
    expect(django?.message).toMatch(/upgrade to Django==3\.2\.15\.$/);
    expect(r.summary).toMatch(
      /\| django 3\.2\.10 \| PYSEC-2022-190, CVE-2022-28346, GHSA-2gwj-7jmv-h26r \| 🟥 critical 9\.8 \| 3\.2\.13 \|/,
    );

    const sarif = JSON.parse(fs.readFileSync(path.join(ws, 'out/pip-audit.sarif'), 'utf8'));
    const sarifErrors = sarifValidator();
    expect(sarifErrors(sarif)).toEqual([]);
    // The validator is not a rubber stamp: a result without a message is refused.
    expect(sarifErrors({ ...sarif, runs: [{ ...sarif.runs[0], results: [{ ruleId: 'X' }] }] })).not.toEqual(
      [],
    );
    const run = sarif.runs[0];
    expect(run.results).toHaveLength(26);
    // Rules are keyed by the advisory's stable identity (its CVE id here), whatever id pip-audit used.
    const rule = run.tool.driver.rules.find((x: { id: string }) => x.id === 'CVE-2022-28346');
    expect(rule.properties['security-severity']).toBe('9.8');
    const result = run.results.find((x: { ruleId: string }) => x.ruleId === 'CVE-2022-28346');
    expect(result.message.text).toMatch(
      /^Django 3\.2\.10 is affected by CVE-2022-28346 \(PYSEC-2022-190, GHSA-2gwj-7jmv-h26r\)/,
    );
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'requirements.txt' },
      region: { startLine: 1 },
    });
    // Same fingerprints on a second run, this time on Node 20 (the CVSS library and the rest of the bundle run there too).
    const again = await audit(ws, { sarif: 'out/second.sarif' }, { node: NODE20 });
    const prints = (s: { runs: { results: { partialFingerprints: object }[] }[] }) =>
      s.runs[0]!.results.map((x) => x.partialFingerprints);
    expect(prints(JSON.parse(fs.readFileSync(path.join(ws, 'out/second.sarif'), 'utf8')))).toEqual(
      prints(sarif),
    );
    expect(again.exitCode).toBe(1);
    expect(again.outputs['by-severity']).toBe(r.outputs['by-severity']);
  });

  it('gates on severity and on fixable-only', async () => {
    const ws = workspace({ 'requirements.txt': 'Werkzeug==2.0.2\nredis==4.1.0\n' });
    const high = await audit(ws, { 'fail-on': 'critical' });
    expect(failure(high)).toBeUndefined();
    expect(high.outputs).toMatchObject({ 'vulnerability-count': '2' });
    expect(resultsOf(high).status).toBe('passed');
    expect(
      high.annotations.filter((a) => a.title === 'pip-audit: Werkzeug 2.0.2').map((a) => a.level),
    ).toEqual(['warning']);
    const low = await audit(ws, { 'fail-on': 'high' });
    expect(failure(low)).toMatch(
      /^Policy failed: 1 vulnerability at severity high or above, unknown severity counts \(werkzeug 2\.0\.2 CVE-2023-25577\)/,
    );

    // Pillow 8.4.0's PYSEC-2023-175 has no severity anywhere: unknown fails closed unless told otherwise.
    const pillow = workspace({ 'requirements.txt': 'pillow==8.4.0\n' });
    expect(failure(await audit(pillow, { 'fail-on': 'critical' }))).toMatch(
      /2 vulnerabilities at severity critical or above/,
    );
    const relaxed = await audit(pillow, { 'fail-on': 'critical', 'fail-on-unknown': 'false' });
    expect(failure(relaxed)).toMatch(
      /1 vulnerability at severity critical or above \(pillow 8\.4\.0 CVE-2022-22817\)/,
    );
  });

  it('fixable-only fails on a fixable finding and passes an unfixable one, which stays reported', async () => {
    const fixable = workspace({ 'requirements.txt': 'idna==3.3\n' });
    const r = await audit(fixable, { 'fixable-only': 'true' });
    expect(failure(r)).toMatch(/1 vulnerability at any severity, only when a fix exists/);
    expect(r.outputs['fixable-count']).toBe('1');

    // No record in the set lacks a fix for a live version, so this one is derived, and says so: the real
    // gunicorn advisory GHSA-w3h3-4rj7-4ph4 as it stood before 22.0.0 existed (its `fixed` event removed).
    // It still has to pass the OSV schema, which the stand-in checks.
    const real = loadOsvRecords();
    const gunicorn = structuredClone(real.get('GHSA-w3h3-4rj7-4ph4')) as OsvRecord;
    for (const a of gunicorn.affected ?? [])
      for (const range of a.ranges ?? []) range.events = range.events.filter((e) => !('fixed' in e));
    const unfixedOsv = await startOsvStandin({ records: new Map([...real, [gunicorn.id, gunicorn]]) });
    try {
      const ws = workspace({ 'requirements.txt': 'gunicorn==20.1.0\n' });
      const passes = await audit(ws, { 'fixable-only': 'true' }, { osvUrl: unfixedOsv.queryUrl });
      expect(failure(passes)).toBeUndefined();
      expect(passes.outputs).toMatchObject({ 'vulnerability-count': '1', 'fixable-count': '0' });
      expect(resultsOf(passes).status).toBe('passed');
      expect(passes.summary).toMatch(
        /\| gunicorn 20\.1\.0 \| CVE-2024-1135, GHSA-w3h3-4rj7-4ph4 \| 🟧 high 8\.2 \| no fix \|/,
      );
      expect(passes.annotations.find((a) => a.title === 'pip-audit: gunicorn 20.1.0')).toMatchObject({
        level: 'warning',
        message: expect.stringMatching(/no fixed release is known\.$/),
      });
      const fails = await audit(ws, {}, { osvUrl: unfixedOsv.queryUrl });
      expect(failure(fails)).toMatch(/^Policy failed: 1 vulnerability at any severity/);
      expect(unfixedOsv.violations).toEqual([]);
    } finally {
      await unfixedOsv.stop();
    }
  });

  it('applies valid ignores, fails on an expired one naming id, reason and date, warns on a stale one', async () => {
    const ignore = (expires: string) =>
      [
        'ignores:',
        '  - id: GHSA-jjg7-2v4v-x38h',
        '    reason: idna only sees our own host names',
        `    expires: ${expires}`,
        '  - id: GHSA-0000-1111-2222',
        '    reason: package removed in March',
        '    expires: 2099-01-01',
      ].join('\n');
    const ws = workspace({
      'requirements.txt': 'idna==3.3\n',
      '.pip-audit-ignore.yml': ignore('2099-01-01'),
    });
    const ok = await audit(ws);
    expect(failure(ok)).toBeUndefined();
    expect(ok.outputs).toMatchObject({ 'vulnerability-count': '0' });
    expect(resultsOf(ok).status).toBe('passed');
    // The ignored finding stays visible, with its reason and date.
    expect(ok.summary).toContain('until 2099-01-01: idna only sees our own host names');
    expect(
      ok.annotations.find((a) => a.level === 'warning' && /GHSA-0000-1111-2222/.test(a.message))?.message,
    ).toMatch(/matches no finding/);
    const strict = await audit(ws, { strict: 'true' });
    expect(failure(strict)).toMatch(
      /1 ignore entry matches no finding and can be removed: GHSA-0000-1111-2222 \("package removed in March"\)/,
    );

    fs.writeFileSync(path.join(ws, '.pip-audit-ignore.yml'), ignore('2024-06-30'));
    const expired = await audit(ws);
    expect(failure(expired)).toContain(
      'the ignore for GHSA-jjg7-2v4v-x38h ("idna only sees our own host names") expired on 2024-06-30',
    );
    expect(expired.outputs['vulnerability-count']).toBe('1');
  });

  it('reports new, resolved and about-to-expire against the previous report', async () => {
    const ws = workspace({ 'requirements.txt': 'idna==3.3\nsqlparse==0.4.2\n' });
    await audit(ws, { report: 'reports/previous.json' });
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    fs.writeFileSync(path.join(ws, 'requirements.txt'), 'idna==3.3\ncertifi==2021.10.8\n');
    fs.writeFileSync(
      path.join(ws, '.pip-audit-ignore.yml'),
      `- id: CVE-2024-3651\n  reason: replaced next sprint\n  expires: ${soon}\n`,
    );
    const r = await audit(ws, { report: 'reports/current.json', 'previous-report': 'reports/previous.json' });
    const report = JSON.parse(fs.readFileSync(path.join(ws, 'reports/current.json'), 'utf8'));
    expect(report.changes).toEqual({
      new: ['requirements.txt|certifi|CVE-2023-37920'],
      resolved: ['requirements.txt|sqlparse|GHSA-2m57-hf25-phgg', 'requirements.txt|sqlparse|CVE-2023-30608'],
      aboutToExpire: ['CVE-2024-3651'],
    });
    expect(r.annotations.some((a) => a.level === 'warning' && a.message.includes(`expires on ${soon}`))).toBe(
      true,
    );
    // A first weekly run has no previous report: noted, not an error.
    const first = await audit(ws, { 'previous-report': 'reports/missing.json' });
    expect(first.annotations.some((a) => a.level === 'notice' && /No previous report/.test(a.message))).toBe(
      true,
    );
  });

  it('keeps report keys and SARIF fingerprints when the database adds an alias record (#18 B4)', async () => {
    // Week 1 the Django advisory is served as CVE-2022-28346 (aliases: the GHSA); week 2 the PYSEC
    // record exists too and pip-audit reports it as PYSEC-2022-190, the CVE among its aliases.
    const real = loadOsvRecords();
    const cve = { ...structuredClone(real.get('PYSEC-2022-190')), id: 'CVE-2022-28346' } as OsvRecord;
    cve.aliases = ['GHSA-2gwj-7jmv-h26r'];
    const week1 = new Map(
      [...real].filter(([id]) => id !== 'PYSEC-2022-190' && id !== 'GHSA-2gwj-7jmv-h26r'),
    );
    week1.set(cve.id, cve);
    const earlier = await startOsvStandin({ records: week1 });
    const ws = workspace({ 'requirements.txt': 'Django==3.2.10\nidna==3.3\n' });
    type Sarif = { runs: { results: { ruleId: string; partialFingerprints: Record<string, string> }[] }[] };
    const sarifOf = (name: string): Sarif =>
      JSON.parse(fs.readFileSync(path.join(ws, name), 'utf8')) as Sarif;
    try {
      const one = await audit(
        ws,
        { report: 'week1.json', sarif: 'week1.sarif' },
        { osvUrl: earlier.queryUrl },
      );
      expect(findingsOf(one).map((f) => f.id)).toContain('CVE-2022-28346');
      expect(earlier.violations).toEqual([]);
    } finally {
      await earlier.stop();
    }
    const two = await audit(ws, {
      report: 'week2.json',
      sarif: 'week2.sarif',
      'previous-report': 'week1.json',
    });
    const report = JSON.parse(fs.readFileSync(path.join(ws, 'week2.json'), 'utf8'));
    expect(report.changes).toEqual({ new: [], resolved: [], aboutToExpire: [] });
    expect(two.summary).toContain('Since the previous report: 0 new, 0 resolved');
    const django = findingsOf(two).find((f) => f.id === 'PYSEC-2022-190');
    expect(django).toMatchObject({
      key: 'requirements.txt|django|CVE-2022-28346',
      advisory: 'CVE-2022-28346',
    });
    // Code scanning matches alerts by rule and fingerprint: both unchanged, so no alert closes or opens.
    const prints = (s: Sarif) =>
      s.runs[0]!.results.map((r) => `${r.ruleId} ${JSON.stringify(r.partialFingerprints)}`).sort();
    expect(prints(sarifOf('week2.sarif'))).toEqual(prints(sarifOf('week1.sarif')));
    expect(sarifOf('week2.sarif').runs[0]!.results.map((r) => r.ruleId)).toContain('CVE-2022-28346');
  });

  it('starts pip-audit once per file and reads no OSV record the answers already carried (#18 B6)', async () => {
    // A pip-audit on PATH that logs each start, then runs the real one (a Python script of the same
    // venv, as pip's own entry points are).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-pa-wrap-'));
    workspaces.push(dir);
    const log = path.join(dir, 'starts.log');
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(
      path.join(dir, 'bin', 'pip-audit'),
      [
        `#!${path.join(toolsBin, 'python')}`,
        'import os, sys',
        `open(${JSON.stringify(log)}, 'a').write(' '.join(sys.argv[1:2]) + '\\n')`,
        `os.execv(${JSON.stringify(path.join(toolsBin, 'pip-audit'))}, ['pip-audit'] + sys.argv[1:])`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const ws = workspace({ 'requirements.txt': 'Django==3.2.10\nidna==3.3\n' });
    const before = osv.requests.length;
    const r = await runAction({
      action: ACTION,
      workspace: ws,
      inputs: { 'osv-url': osv.queryUrl, 'index-check': 'off' },
      env: {
        PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}`,
        XDG_CACHE_HOME: path.join(ws, '.cache'),
      },
      timeoutMs: 120_000,
    });
    expect(failure(r)).toMatch(/^Policy failed: \d+ vulnerabilities/);
    // No `pip-audit --version` (a second Python start-up, ~0.4 s): the version comes from its metadata.
    expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual(['-f']);
    // The records the query answers carried (every record affecting a queried pin) are not asked for
    // again; what is read is the aliases (CVE ids, mostly not records of their own here).
    const carried = [...osv.records.values()]
      .filter((rec) => affectsVersion(rec, 'django', '3.2.10') || affectsVersion(rec, 'idna', '3.3'))
      .map((rec) => rec.id);
    expect(carried.length).toBeGreaterThan(5);
    const gets = osv.requests
      .slice(before)
      .filter((q) => q.method === 'GET')
      .map((q) => decodeURIComponent(q.path.replace('/v1/vulns/', '')));
    expect(gets.length).toBeGreaterThan(0);
    expect(gets.filter((id) => carried.includes(id))).toEqual([]);
    expect(findingsOf(r).find((f) => f.id === 'PYSEC-2022-190')).toMatchObject({
      severity: 'critical',
      score: 9.8,
    });
  });

  it('merges several files, each finding keeping its file and line', async () => {
    const ws = workspace({
      'requirements/base.txt': '# base\nidna==3.3\n',
      'requirements/prod.txt': 'gunicorn==20.1.0\nidna==3.7\n',
    });
    const r = await audit(ws, { requirements: 'requirements/*.txt' });
    const results = findingsOf(r);
    expect(results.map((f) => [f.file, f.line, f.package])).toEqual([
      ['requirements/base.txt', 2, 'idna'],
      ['requirements/prod.txt', 1, 'gunicorn'],
    ]);
  });

  it('resolves requirements, ignore-file, report and sarif against working-directory; annotations keep workspace paths', async () => {
    const ws = workspace({
      'app/requirements.txt': '# app\nidna==3.3\n',
      'app/.pip-audit-ignore.yml':
        'ignores:\n  - id: GHSA-0000-1111-2222\n    reason: gone\n    expires: 2099-01-01\n',
      'requirements.txt': 'django==3.2.10\n',
    });
    const r = await audit(ws, {
      'working-directory': 'app',
      report: 'out/report.json',
      sarif: 'out/a.sarif',
    });
    expect(failure(r)).toMatch(
      /^Policy failed: 1 vulnerability at any severity, unknown severity counts \(idna 3\.3 /,
    );
    expect(findingsOf(r).map((f) => [f.file, f.line, f.package])).toEqual([
      ['app/requirements.txt', 2, 'idna'],
    ]);
    expect(r.outputs.report).toBe(path.join(fs.realpathSync(ws), 'app/out/report.json'));
    expect(fs.existsSync(path.join(ws, 'app/out/report.json'))).toBe(true);
    expect(fs.existsSync(path.join(ws, 'app/out/a.sarif'))).toBe(true);
    expect(r.annotations.find((a) => a.title === 'pip-audit: idna 3.3')).toMatchObject({
      file: 'app/requirements.txt',
      line: 2,
    });
    // The app's ignore file was read (its stale entry is named, at its workspace path).
    expect(r.annotations.find((a) => /GHSA-0000-1111-2222/.test(a.message))).toMatchObject({
      level: 'warning',
      file: 'app/.pip-audit-ignore.yml',
    });
    const out = await audit(ws, { 'working-directory': 'app', report: '../../elsewhere.json' });
    expect(failure(out)).toBe(
      "Invalid input: 'report' must be a path inside the workspace, got '../../elsewhere.json'.",
    );
  });

  it('audits the pins of -r and -c includes at their own file and line; a missing include is Invalid input (#18 B1)', async () => {
    // A fully pinned file with an include: pip-audit's --disable-pip mode reads no includes, so
    // base.txt's Django used to go unaudited and the file was called clean.
    const ws = workspace({
      'requirements.txt': '-r requirements/base.txt\nidna==3.7\n',
      'requirements/base.txt': '# base\nDjango==3.2.10\n',
    });
    const r = await audit(ws, { sarif: 'out.sarif' });
    expect(failure(r)).toMatch(/^Policy failed: \d+ vulnerabilities at any severity/);
    const django = findingsOf(r).filter((f) => f.package === 'django');
    expect(django.length).toBeGreaterThanOrEqual(8);
    expect([...new Set(django.map((f) => `${String(f.file)}:${String(f.line)}`))]).toEqual([
      'requirements/base.txt:2',
    ]);
    expect(findingsOf(r).filter((f) => f.package !== 'django')).toEqual([]);
    expect(r.annotations.find((a) => a.title === 'pip-audit: Django 3.2.10')).toMatchObject({
      level: 'error',
      file: 'requirements/base.txt',
      line: 2,
    });
    expect(r.log).toContain('requirements.txt (pinned, with its includes: 2 pins audited as written)');
    const sarif = JSON.parse(fs.readFileSync(path.join(ws, 'out.sarif'), 'utf8'));
    expect(sarif.runs[0].results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'requirements/base.txt' },
      region: { startLine: 2 },
    });

    // Resolved by pip, the version pinned in a -c file: reported at that pin.
    const constrained = workspace({
      'requirements.txt': 'sqlparse\n-c constraints.txt\n',
      'constraints.txt': '# pins\nsqlparse==0.4.2\n',
    });
    const c = await audit(constrained);
    expect(c.log).toContain('(resolved by pip)');
    expect(findingsOf(c).map((f) => [f.package, f.version, f.file, f.line])).toEqual([
      ['sqlparse', '0.4.2', 'constraints.txt', 2],
      ['sqlparse', '0.4.2', 'constraints.txt', 2],
    ]);

    const missing = workspace({ 'requirements.txt': '-r base.txt\nidna==3.7\n' });
    const m = await audit(missing);
    expect(failure(m)).toBe(
      "Invalid input: 'requirements' file requirements.txt line 1 includes 'base.txt' (-r), which does not exist; fix the path or remove the line.",
    );
    expectNotAudited(m, 'invalid-input');
  });

  it('checks pins and hashes against the package index: an unknown package, version or hash is named, never clean (#18 B5)', async () => {
    // A package index on loopback serving real files built here; pip itself installs from it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-index-'));
    workspaces.push(dir);
    const python = path.join(toolsBin, 'python');
    const tiny = buildDistributions(python, dir, 'acc-tiny', '1.0.0');
    const idna = [
      ...buildDistributions(python, dir, 'idna', '3.6'),
      ...buildDistributions(python, dir, 'idna', '3.7'),
    ];
    const index = await startSimpleIndex(dir, { 'acc-tiny': tiny, idna });
    const html = await startSimpleIndex(dir, { 'acc-tiny': tiny, idna }, { html: true });
    try {
      const wheelHash = index.sha256[tiny[0] as string] as string;
      // pip itself takes the wheel from this index with the hash (asynchronously: the index serves from this process).
      const pinned = path.join(dir, 'pinned.txt');
      fs.writeFileSync(pinned, `acc-tiny==1.0.0 --hash=sha256:${wheelHash}\n`);
      await promisify(execFile)(
        python,
        [
          '-m',
          'pip',
          'download',
          '--quiet',
          '--no-deps',
          '--no-cache-dir',
          '--require-hashes',
          '--index-url',
          index.url,
          '-d',
          path.join(dir, 'got'),
          '-r',
          pinned,
        ],
        { env: { ...process.env, PIP_FIND_LINKS: '' } },
      );
      expect(fs.readdirSync(path.join(dir, 'got'))).toEqual([tiny[0]]);

      const wrong = `sha256:${'0'.repeat(64)}`;
      const bad = workspace({
        // pip-audit wants a hash on every line once one has one.
        'requirements.txt': `acc-no-such-package==1.0.0 --hash=${wrong}\nidna==99.1 --hash=${wrong}\nacc-tiny==1.0.0 --hash=${wrong}\n`,
      });
      const expected = [
        {
          file: 'requirements.txt',
          line: 1,
          name: 'acc-no-such-package',
          version: '1.0.0',
          reason: 'the index has no package acc-no-such-package',
        },
        {
          file: 'requirements.txt',
          line: 2,
          name: 'idna',
          version: '99.1',
          reason: 'the index has no 99.1 of idna (its latest is 3.7)',
        },
        {
          file: 'requirements.txt',
          line: 3,
          name: 'acc-tiny',
          version: '1.0.0',
          reason: 'no file of acc-tiny 1.0.0 on the index has the --hash given (2 file(s) listed)',
        },
      ];
      for (const url of [index.url, html.url]) {
        const r = await audit(bad, { 'index-url': url, 'index-check': 'fail', report: 'report.json' });
        expect(failure(r)).toBe(
          'Policy failed: 3 pins the package index does not know (acc-no-such-package==1.0.0 at requirements.txt line 1: the index has no package acc-no-such-package, idna==99.1 at requirements.txt line 2: the index has no 99.1 of idna (its latest is 3.7), acc-tiny==1.0.0 at requirements.txt line 3: no file of acc-tiny 1.0.0 on the index has the --hash given (2 file(s) listed)).',
        );
        expect(resultsOf(r)).toMatchObject({
          status: 'failed',
          vulnerabilityCount: 0,
          unknownPins: expected,
        });
        expect(JSON.parse(fs.readFileSync(path.join(bad, 'report.json'), 'utf8')).unknownPins).toEqual(
          expected,
        );
        expect(
          r.annotations
            .filter((a) => /is not on the package index/.test(a.message))
            .map((a) => [a.level, a.line]),
        ).toEqual([
          ['error', 1],
          ['error', 2],
          ['error', 3],
        ]);
        expect(r.summary).toContain('Not on the package index: idna==99.1 (requirements.txt:2)');
      }
      expect(html.requests.some((q) => q.path === '/simple/idna/')).toBe(true);

      // The same pins, known to the index: clean, every package asked once, as JSON (PEP 691).
      const good = workspace({
        'requirements.txt': `acc-tiny==1.0.0 --hash=sha256:${wheelHash}\nidna==3.7 --hash=sha256:${index.sha256[idna[2] as string] as string}\n`,
      });
      const sent = index.requests.length;
      const ok = await audit(good, { 'index-url': index.url, 'index-check': 'fail' });
      expect(failure(ok)).toBeUndefined();
      expect(resultsOf(ok)).toMatchObject({ status: 'passed', unknownPins: [] });
      const asked = index.requests.slice(sent);
      expect(asked.map((q) => q.path).sort()).toEqual(['/simple/acc-tiny/', '/simple/idna/']);
      expect(asked.every((q) => q.accept.startsWith('application/vnd.pypi.simple.v1+json'))).toBe(true);

      // 'index-check: warn' names them and passes; 'off' asks nothing.
      const warned = await audit(bad, { 'index-url': index.url, 'index-check': 'warn' });
      expect(failure(warned)).toBeUndefined();
      expect(
        warned.annotations.filter(
          (a) => a.level === 'warning' && /is not on the package index/.test(a.message),
        ),
      ).toHaveLength(3);
      const before = index.requests.length;
      expect(failure(await audit(bad, { 'index-url': index.url, 'index-check': 'off' }))).toBeUndefined();
      expect(index.requests.length).toBe(before);

      // An index that cannot be asked: a warning saying the pins were not checked (an error with strict).
      const down = `http://127.0.0.1:${await closedPort()}/simple/`;
      const unreachable = await audit(good, { 'index-url': down, 'index-check': 'fail' });
      expect(failure(unreachable)).toBeUndefined();
      expect(
        unreachable.annotations.some(
          (a) =>
            a.level === 'warning' &&
            /the package index could not be asked about 2 package\(s\)/.test(a.message),
        ),
      ).toBe(true);
      expect(
        failure(await audit(good, { 'index-url': down, 'index-check': 'fail', strict: 'true' })),
      ).toMatch(
        /^Policy failed: the package index could not be asked about 2 package\(s\) \(acc-tiny: .*ECONNREFUSED/,
      );
    } finally {
      await index.stop();
      await html.stop();
    }
  });

  it('resolves an unpinned requirement through pip, and reports a requirement pip cannot resolve as a tool error', async () => {
    const ws = workspace({ 'requirements.txt': 'sqlparse>=0.4.2,<0.4.4\n' });
    const r = await audit(ws);
    expect(r.log).toContain('(resolved by pip)');
    const results = findingsOf(r);
    expect(results.map((f) => f.version)).toEqual(['0.4.3', '0.4.3']);
    expect(results[0]?.line).toBe(1);

    const bad = workspace({ 'requirements.txt': 'sqlparse>=999\n' });
    const nope = await audit(bad);
    expect(failure(nope)).toBe(
      'Could not run: pip-audit could not audit requirements.txt (exit 1): pip could not resolve the requirements: No matching distribution found for sqlparse>=999.',
    );
    expectNotAudited(nope);
  });

  it('calls a malformed requirements file what it is', async () => {
    // pip-audit's own parser rejects this one; the action names pip-audit's reason.
    const ws = workspace({ 'requirements.txt': 'django==3.2.10 ; [[[\n' });
    const r = await audit(ws);
    expect(failure(r)).toMatch(
      /^Could not run: pip-audit could not audit requirements.txt \(exit 1\): requirement file .*requirements.txt contains invalid specifier at line 1/,
    );
    expectNotAudited(r);
  });

  it('never reports a service failure as clean: 500, unreachable, timeout', async () => {
    const ws = workspace({ 'requirements.txt': shared('requirements-clean.txt') });
    osv.fault({ route: 'query', status: 500 });
    const five = await audit(ws);
    expect(failure(five)).toMatch(
      /^Could not run: the OSV service gave no valid answer while auditing requirements\.txt: [\w-]+ [\w.]+: the OSV service answered HTTP 500; an audit without one is never called clean\.$/,
    );
    expectNotAudited(five);

    // A report left by an earlier run in the same RUNNER_TEMP (a re-run, a self-hosted runner) is
    // deleted before pip-audit starts, so a crash is never read as last time's findings.
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-runner-temp-'));
    workspaces.push(temp);
    const leftover = path.join(temp, 'deploy-kit-pip-audit-run.json');
    fs.writeFileSync(
      leftover,
      JSON.stringify({ dependencies: [{ name: 'idna', version: '3.3', vulns: [] }], fixes: [] }),
    );
    const rerun = await runAction({
      action: 'pip-audit',
      workspace: ws,
      inputs: { 'osv-url': osv.queryUrl },
      env: {
        PATH: `${toolsBin}${path.delimiter}${process.env.PATH}`,
        XDG_CACHE_HOME: path.join(ws, '.cache'),
        RUNNER_TEMP: temp,
      },
      timeoutMs: 120_000,
    });
    expect(failure(rerun)).toMatch(/^Could not run: .*500/);
    expect(fs.existsSync(leftover)).toBe(false);

    const port = await closedPort();
    const down = await audit(ws, {}, { osvUrl: `http://127.0.0.1:${port}/v1/query` });
    expect(failure(down)).toMatch(
      /^Could not run: the OSV service gave no valid answer while auditing requirements\.txt: [\w-]+ [\w.]+: the OSV service could not be asked \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)/,
    );
    expectNotAudited(down);

    osv.fault({ route: 'query', delayMs: 30_000 });
    const slow = await audit(ws, { 'request-timeout': '2s' });
    expect(failure(slow)).toMatch(
      /^Could not run: .*the OSV service could not be asked \(no answer within 1\.5 s\)/,
    );
    expectNotAudited(slow);
    expect(slow.durationMs).toBeLessThan(25_000);
  });

  it('never calls an answer that is not an OSV answer clean: null, [] and a record without an id are Could not run (#18 B2)', async () => {
    // pip-audit reads any empty-looking body as "no vulnerabilities"; the action checks every answer.
    const ws = workspace({ 'requirements.txt': 'idna==3.7\n' });
    const cases: [string, string][] = [
      ['null', 'the answer is not an OSV answer (null)'],
      ['[]', 'the answer is not an OSV answer ([])'],
      [
        '{"vulns":[{"summary":"no id"}]}',
        `the answer's vulns is not a list of OSV records ({"vulns":[{"summary":"no id"}]})`,
      ],
    ];
    for (const [body, reason] of cases) {
      const server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const r = await audit(ws, {}, { osvUrl: `http://127.0.0.1:${port}/v1/query` });
        expect(failure(r)).toBe(
          `Could not run: the OSV service gave no valid answer while auditing requirements.txt: idna 3.7: ${reason}; an audit without one is never called clean.`,
        );
        expect(r.exitCode).toBe(1);
        expectNotAudited(r);
        expect(r.log).not.toContain('no known vulnerabilities');
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
    // The same file against the real records is clean: the answers above were the only difference.
    const clean = await audit(ws);
    expect(resultsOf(clean).status).toBe('passed');
  });

  it('stops a pip-audit run that outlives the timeout input and says so', async () => {
    const ws = workspace({ 'requirements.txt': 'idna==3.7\n' });
    osv.fault({ route: 'query', delayMs: 60_000 });
    const r = await audit(ws, { timeout: '4s', 'request-timeout': '50s' });
    expect(failure(r)).toBe(
      "Could not run: the run did not finish within 4 s, the limit the 'timeout' input sets for the whole run: stopped while auditing requirements.txt with pip-audit.",
    );
    expectNotAudited(r);
    expect(r.durationMs).toBeLessThan(40_000);
  });

  it('leaves no pip-audit running when the job is cancelled', async () => {
    const ws = workspace({ 'requirements.txt': 'idna==3.7\n' });
    osv.fault({ route: 'query', delayMs: 60_000 });
    const r = await runAction({
      action: 'pip-audit',
      workspace: ws,
      inputs: { 'osv-url': osv.queryUrl, 'request-timeout': '50s' },
      env: {
        PATH: `${toolsBin}${path.delimiter}${process.env.PATH}`,
        XDG_CACHE_HOME: path.join(ws, '.cache'),
      },
      signal: 'runner-cancel',
      signalWhenStdout: 'pip-audit started (pid',
      timeoutMs: 60_000,
    });
    expect(r.timedOut).toBe(false);
    expect(failure(r)).toMatch(
      /^Could not run: the job was cancelled \(SIGINT\): stopped while auditing requirements\.txt with pip-audit, before the audit completed\.$/,
    );
    expectNotAudited(r, 'cancelled');
    // No process is left whose command line names this workspace's requirements file.
    const file = path.join(ws, 'requirements.txt');
    const left = fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(file);
        } catch {
          return false;
        }
      });
    expect(left).toEqual([]);
  });

  it('fails closed when the records for severity cannot be read', async () => {
    // The records a query answer carries are used as they come; the severity here is only in the
    // alias's record (CVE-2024-3651, which affects nothing by itself, so no query returns it): it
    // must be read with GET /v1/vulns/{id}, and when that fails the severity is unknown.
    const real = loadOsvRecords();
    const ghsa = structuredClone(real.get('GHSA-jjg7-2v4v-x38h')) as OsvRecord;
    const cve: OsvRecord = {
      id: 'CVE-2024-3651',
      modified: ghsa.modified,
      aliases: [ghsa.id],
      severity: ghsa.severity,
      details: 'The alias record that carries the score.',
    };
    delete ghsa.severity;
    delete (ghsa.database_specific as { severity?: string }).severity;
    const split = await startOsvStandin({ records: new Map([...real, [ghsa.id, ghsa], [cve.id, cve]]) });
    try {
      const ws = workspace({ 'requirements.txt': 'idna==3.3\n' });
      const read = await audit(ws, { 'fail-on': 'critical' }, { osvUrl: split.queryUrl });
      expect(findingsOf(read)[0]).toMatchObject({ severity: 'medium', score: 6.9 });
      expect(failure(read)).toBeUndefined();
      split.fault({ route: 'vulns', status: 503 });
      const r = await audit(ws, { 'fail-on': 'critical' }, { osvUrl: split.queryUrl });
      expect(
        r.annotations.some(
          (a) =>
            a.level === 'warning' &&
            /Could not read 1 OSV record\(s\) \(CVE-2024-3651: HTTP 503/.test(a.message),
        ),
      ).toBe(true);
      expect(failure(r)).toMatch(/1 vulnerability at severity critical or above/);
      expect(findingsOf(r)[0]?.severity).toBe('unknown');
      expect(split.violations).toEqual([]);
    } finally {
      await split.stop();
    }
  });

  it("sends a mirror's credentials with every request, the record reads too (#18 B3)", async () => {
    // A mirror that answers only with the credentials, in front of the stand-in.
    const auth = `Basic ${Buffer.from('mirror:s3cr%t pw').toString('base64')}`;
    const seen: string[] = [];
    const mirror = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const ok = req.headers.authorization === auth;
        seen.push(
          `${req.method} ${(req.url ?? '').replace(/\/vulns\/.*/, '/vulns/…')} ${ok ? 'ok' : 'refused'}`,
        );
        if (!ok) {
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"code":16,"message":"unauthenticated"}');
          return;
        }
        const target = new URL(req.url ?? '/', osv.base.replace(/\/v1$/, ''));
        const up = http.request(
          target,
          { method: req.method, headers: { 'content-type': 'application/json' } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    const { port } = mirror.address() as AddressInfo;
    try {
      const ws = workspace({ 'requirements.txt': 'Django==3.2.10\n' });
      const r = await audit(
        ws,
        { 'fail-on': 'critical', 'fail-on-unknown': 'false' },
        { osvUrl: `http://mirror:${encodeURIComponent('s3cr%t pw')}@127.0.0.1:${port}/v1/query` },
      );
      // With the records unread every severity was unknown, and a critical Django passed the gate.
      expect(failure(r)).toMatch(/^Policy failed: \d+ vulnerabilit(y|ies) at severity critical or above/);
      expect(findingsOf(r).some((f) => f.severity === 'critical')).toBe(true);
      expect(r.annotations.some((a) => /Could not read \d+ OSV record/.test(a.message))).toBe(false);
      expect(seen.filter((line) => line.endsWith('refused'))).toEqual([]);
      expect(seen.some((line) => line.startsWith('GET /v1/vulns/'))).toBe(true);
    } finally {
      mirror.closeAllConnections();
      await new Promise<void>((resolve) => mirror.close(() => resolve()));
    }
  });

  it('reports the PyPI service it cannot reach as a tool error, not as clean', async () => {
    // pypi.org's JSON API is not reachable from here: every HTTPS request goes to a proxy address on
    // loopback that refuses, so nothing leaves the machine and pip-audit fails the way it would offline.
    const port = await closedPort();
    const ws = workspace({ 'requirements.txt': 'idna==3.7\n' });
    const r = await runAction({
      action: 'pip-audit',
      workspace: ws,
      inputs: { 'vulnerability-service': 'pypi' },
      env: {
        PATH: `${toolsBin}${path.delimiter}${process.env.PATH}`,
        XDG_CACHE_HOME: path.join(ws, '.cache'),
        HTTPS_PROXY: `http://127.0.0.1:${port}`,
        https_proxy: `http://127.0.0.1:${port}`,
      },
      timeoutMs: 120_000,
    });
    expect(failure(r)).toMatch(
      /^Could not run: pip-audit could not audit requirements.txt \(exit 1\): .*(ProxyError|Unable to connect to proxy)/,
    );
    expectNotAudited(r);
  });

  it('audits an environment (mode: environment) through its interpreter', async () => {
    const ws = workspace({});
    const venv = path.join(ws, 'venv');
    const py = (args: string[]) =>
      execFileSync(args[0] as string, args.slice(1), { stdio: 'pipe', timeout: 300_000 });
    py(['python3', '-m', 'venv', venv]);
    py([
      path.join(venv, 'bin', 'python'),
      '-m',
      'pip',
      'install',
      '--quiet',
      '--no-deps',
      '--disable-pip-version-check',
      'idna==3.3',
    ]);
    const before = osv.requests.length;
    const r = await audit(ws, {
      mode: 'environment',
      python: path.join(venv, 'bin', 'python'),
      sarif: 'env.sarif',
    });
    expect(failure(r)).toMatch(/^Policy failed: 1 vulnerability at any severity/);
    // The installed packages are asked ahead while pip-audit starts (installed.ts): each still once.
    const asked = osv.requests
      .slice(before)
      .filter((q) => q.path === '/v1/query')
      .map((q) => JSON.stringify(q.body));
    expect(asked).toContain(JSON.stringify({ package: { name: 'idna', ecosystem: 'PyPI' }, version: '3.3' }));
    expect(new Set(asked).size).toBe(asked.length);
    const results = findingsOf(r);
    expect(results).toEqual([expect.objectContaining({ package: 'idna', version: '3.3' })]);
    expect(results[0]?.file).toBeUndefined();
    expect(r.summary).toContain('| environment |');
    const sarif = JSON.parse(fs.readFileSync(path.join(ws, 'env.sarif'), 'utf8'));
    expect(sarifValidator()(sarif)).toEqual([]);
  });

  it('installs the pinned pip-audit from its hashed lock when none is on PATH, and refuses a version without a lock', async () => {
    const ws = workspace({ 'requirements.txt': 'idna==3.7\n' });
    // PATH without the test venv: the action must install pip-audit itself into the runner tool cache.
    const env = { XDG_CACHE_HOME: path.join(ws, '.cache') };
    const r = await runAction({
      action: 'pip-audit',
      workspace: ws,
      inputs: { 'osv-url': osv.queryUrl, 'index-check': 'off' },
      env,
      timeoutMs: 300_000,
    });
    expect(failure(r)).toBeUndefined();
    expect(r.outputs).toMatchObject({ 'vulnerability-count': '0' });
    const installed = path.join(r.runnerTemp, 'tool-cache', 'deploy-kit-pip-audit');
    const [dir] = fs.readdirSync(installed);
    expect(dir).toMatch(/^2\.10\.1-[0-9a-f]{12}$/);
    expect(fs.existsSync(path.join(installed, dir as string, '.complete'))).toBe(true);
    const wrong = await runAction({
      action: 'pip-audit',
      workspace: ws,
      inputs: { 'pip-audit-version': '2.9.0' },
      env,
      timeoutMs: 60_000,
    });
    expect(failure(wrong)).toBe(
      "Invalid input: 'pip-audit-version' 2.9.0 has no hashed lock in this action; use one of 2.10.1, or put that pip-audit on PATH.",
    );
    expectNotAudited(wrong, 'invalid-input');
  });

  it('answers bad input with one sentence naming the input', async () => {
    const ws = workspace({
      'requirements.txt': 'idna==3.7\n',
      'bad.yml': 'ignores:\n  - id: X-1\n    expires: 2030-01-01\n',
    });
    const nope = await audit(ws, { requirements: 'nope.txt' });
    expect(failure(nope)).toBe(
      "Invalid input: 'requirements' names 'nope.txt', which does not exist in the workspace; give requirements files or globs such as requirements/*.txt.",
    );
    // Refused before anything ran: the runner edge writes the envelope alone, and no summary.
    expect(resultsOf(nope)).toEqual({ status: 'invalid-input', failure: failure(nope) });
    expect(failure(await audit(ws, { 'fail-on': 'severe' }))).toBe(
      "Invalid input: 'fail-on' must be one of any, low, medium, high, critical, got 'severe'.",
    );
    expect(failure(await audit(ws, { 'ignore-file': 'bad.yml' }))).toBe(
      "Invalid input: 'ignore-file bad.yml' at '0.reason': needs a reason: say why this vulnerability is accepted.",
    );
  });
});
