import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadOsvRecords, type OsvRecord } from '@deploy-kit/harness';
import { pipAuditArgs, pipAuditEnv } from '../../../actions/pip-audit/src/audit';
import { canonicalId, type Finding } from '../../../actions/pip-audit/src/findings';
import { fixedIn, fixFromList, upgradeFor } from '../../../actions/pip-audit/src/fixes';
import { breaks, type GatePolicy } from '../../../actions/pip-audit/src/gate';
import { applyIgnores, expiredMessage, parseIgnoreFile } from '../../../actions/pip-audit/src/ignores';
import { classify, lastErrorLine } from '../../../actions/pip-audit/src/outcome';
import { lookupIds, vulnsBase } from '../../../actions/pip-audit/src/osv';
import { notAnOsvAnswer } from '../../../actions/pip-audit/src/osv-relay';
import {
  hashesOf,
  judgePin,
  parseProjectPage,
  versionOfFile,
} from '../../../actions/pip-audit/src/index-check';
import { compareReports } from '../../../actions/pip-audit/src/report';
import { fullyPinned, normalizeName, parseRequirements } from '../../../actions/pip-audit/src/requirements';
import {
  cvssScore,
  levelOf,
  prescore,
  severityOf,
  type SeverityRecord,
} from '../../../actions/pip-audit/src/severity';
import { REPO_ROOT } from '@deploy-kit/harness';

const records = loadOsvRecords();
const rec = (id: string): OsvRecord & SeverityRecord => records.get(id) as OsvRecord & SeverityRecord;

describe('requirements files', () => {
  it('finds each pin and its line, through comments, continuations and hashes', () => {
    const parsed = parseRequirements(
      [
        '# app deps',
        '-r base.txt',
        '-c constraints.txt',
        'Django==3.2.10  # web',
        'Pillow==8.4.0 \\',
        '    --hash=sha256:abc',
        'zope.interface[test]==5.4.0 ; python_version >= "3.8"',
        '',
      ].join('\n'),
    );
    expect(parsed.includes).toEqual([
      { kind: 'requirement', path: 'base.txt', line: 2 },
      { kind: 'constraint', path: 'constraints.txt', line: 3 },
    ]);
    expect(parsed.requirements.map((r) => [r.name, r.pinned, r.line])).toEqual([
      ['django', '3.2.10', 4],
      ['pillow', '8.4.0', 5],
      ['zope-interface', '5.4.0', 7],
    ]);
    expect(
      parseRequirements('-rbase.txt\n--requirement=more.txt\n--constraint c.txt\n--require-hashes\n')
        .includes,
    ).toEqual([
      { kind: 'requirement', path: 'base.txt', line: 1 },
      { kind: 'requirement', path: 'more.txt', line: 2 },
      { kind: 'constraint', path: 'c.txt', line: 3 },
    ]);
    expect(fullyPinned(parsed)).toBe(true);
  });

  it('knows an unpinned or wildcard requirement needs pip, and flags lines pip would refuse', () => {
    expect(fullyPinned(parseRequirements('django>=3.2\n'))).toBe(false);
    expect(fullyPinned(parseRequirements('django==3.2.*\n'))).toBe(false);
    expect(parseRequirements('django==3.2.10\n!!!\n').problems).toEqual([{ line: 2, text: '!!!' }]);
    expect(normalizeName('Zope_Interface')).toBe('zope-interface');
  });
});

describe('pip-audit outcomes', () => {
  const report = JSON.stringify({
    dependencies: [
      { name: 'django', version: '3.2.10', vulns: [{ id: 'X-1', fix_versions: [], aliases: [] }] },
    ],
    fixes: [],
  });
  const clean = JSON.stringify({
    dependencies: [{ name: 'django', version: '4.2.14', vulns: [] }],
    fixes: [],
  });

  it('exit 0 is clean, exit 1 with a report is findings', () => {
    expect(classify({ exitCode: 0, reportText: clean, stdout: '', stderr: '' }, 'r.txt').kind).toBe('clean');
    expect(classify({ exitCode: 1, reportText: report, stdout: '', stderr: '' }, 'r.txt').kind).toBe(
      'findings',
    );
  });

  it('exit 1 without a readable report is a tool error carrying the last error line', () => {
    const stderr =
      'Traceback (most recent call last):\n  File "x"\nrequests.exceptions.ConnectionError: refused\n';
    expect(() => classify({ exitCode: 1, reportText: undefined, stdout: '', stderr }, 'r.txt')).toThrow(
      /pip-audit could not audit r.txt \(exit 1\): requests.exceptions.ConnectionError: refused/,
    );
    expect(() =>
      classify(
        { exitCode: 1, reportText: '{"dependencies": 3}', stdout: '', stderr: 'ERROR:x:boom' },
        'r.txt',
      ),
    ).toThrow(/boom/);
    expect(() => classify({ exitCode: 0, reportText: undefined, stdout: '', stderr: '' }, 'r.txt')).toThrow(
      /no readable JSON report/,
    );
  });

  it('picks the ERROR log line over what follows it', () => {
    expect(
      lastErrorLine(
        'WARNING:a:b\nERROR:pip_audit._cli:requirement file x contains invalid specifier at line 1: Expected\n    [[[\n    ^\n',
      ),
    ).toBe('requirement file x contains invalid specifier at line 1: Expected');
  });

  it("names pip's reason when pip-audit's resolution fails", () => {
    const out = [
      'ERROR: Could not find a version that satisfies the requirement sqlparse>=999 (from versions: 0.1.0)',
      'ERROR: No matching distribution found for sqlparse>=999',
      "ERROR:pip_audit._cli:Failed to install packages: ['/tmp/x/bin/python3.11', '-m', 'pip', 'install']",
    ].join('\n');
    expect(lastErrorLine(out)).toBe(
      'pip could not resolve the requirements: No matching distribution found for sqlparse>=999',
    );
  });

  it('audits pinned files as written and lets pip resolve the rest', () => {
    const base = {
      reportFile: '/t/r.json',
      requestTimeoutS: 5,
      service: 'osv' as const,
      osvUrl: 'http://127.0.0.1:1/v1/query',
    };
    expect(pipAuditArgs({ file: 'r.txt', pinned: true }, base)).toEqual(
      expect.arrayContaining(['--disable-pip', '--no-deps']),
    );
    expect(pipAuditArgs({ file: 'r.txt', pinned: false }, base)).not.toContain('--disable-pip');
    // The OSV endpoint (which may carry a mirror's password) is never on the command line.
    expect(pipAuditArgs({ file: 'r.txt', pinned: true }, base).join(' ')).not.toContain('127.0.0.1:1');
    expect(pipAuditEnv({ file: 'r.txt', pinned: true }, base)).toMatchObject({
      PIP_AUDIT_OSV_URL: 'http://127.0.0.1:1/v1/query',
    });
    expect(pipAuditEnv({ pinned: false }, { service: 'osv' }).PIP_AUDIT_OSV_URL).toBe(
      'https://api.osv.dev/v1/query',
    );
    expect(pipAuditEnv({ pinned: false }, { ...base, service: 'pypi' }).PIP_AUDIT_OSV_URL).toBeUndefined();
  });
});

describe('severity', () => {
  it('computes CVSS 3.0, 3.1 and 4.0 base scores', () => {
    expect(cvssScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(9.8);
    expect(cvssScore('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(9.8);
    expect(cvssScore('CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toBe(7.7);
    expect(cvssScore('CVSS:3.1/AV:X/garbage')).toBeUndefined();
    expect([0, 3.9, 4, 6.9, 7, 8.9, 9].map(levelOf)).toEqual([
      'none',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
    ]);
  });

  it('prefers v4, takes an alias record when the own record has none, falls back to the label, else unknown', () => {
    expect(severityOf([rec('GHSA-q4xr-rc97-m4xx')])).toMatchObject({
      level: 'high',
      score: 7.7,
      source: 'GHSA-q4xr-rc97-m4xx CVSS_V4',
    });
    expect(severityOf([rec('PYSEC-2022-190'), rec('GHSA-2gwj-7jmv-h26r')])).toMatchObject({
      level: 'critical',
      score: 9.8,
      source: 'GHSA-2gwj-7jmv-h26r CVSS_V3',
    });
    const labelOnly = { id: 'GHSA-x', database_specific: { severity: 'MODERATE' } };
    expect(severityOf([labelOnly])).toEqual({ level: 'medium', source: 'GHSA-x database_specific' });
    expect(severityOf([rec('PYSEC-2023-175')])).toEqual({ level: 'unknown' });
    expect(
      severityOf([{ ...rec('GHSA-2gwj-7jmv-h26r'), withdrawn: '2024-01-01T00:00:00Z' } as never]),
    ).toEqual({ level: 'unknown' });
  });
});

describe('severity scored ahead (as records pass the relay)', () => {
  it('scores a record once; the verdict then reads the same score; anything malformed is passed over', () => {
    const calculator = jest.requireActual<typeof import('ae-cvss-calculator')>('ae-cvss-calculator');
    const made = jest.spyOn(calculator.Cvss3P1.prototype, 'calculateScores');
    const vector = 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N';
    const record = { id: 'GHSA-prescore', severity: [{ type: 'CVSS_V3', score: vector }] };
    prescore(record);
    prescore(record);
    expect(made).toHaveBeenCalledTimes(1);
    expect(severityOf([record])).toMatchObject({ level: 'medium', score: 6.5 });
    expect(made).toHaveBeenCalledTimes(1);
    for (const bad of [
      {},
      { severity: 'x' },
      { severity: [null, { score: 7 }, { score: 'CVSS:3.1/garbage' }] },
    ])
      expect(() => prescore(bad)).not.toThrow();
    made.mockRestore();
  });
});

describe('fixed versions', () => {
  it('reads the branch holding the version, whatever the name spelling or event order', () => {
    expect(fixedIn([rec('GHSA-8x94-hmjh-97hq')], 'django', '3.2.10')).toBe('3.2.15');
    expect(fixedIn([rec('PYSEC-2022-190')], 'Django', '3.2.10')).toBe('3.2.13');
    expect(fixedIn([rec('PYSEC-2022-190')], 'django', '4.0.1')).toBe('4.0.4');
    expect(fixedIn([rec('PYSEC-2023-73')], 'redis', '4.1.0')).toBeUndefined();
    expect(fixFromList(['2.2.27', '3.2.12', '4.0.2'], '3.2.10')).toBe('3.2.12');
    expect(upgradeFor(['3.2.11', undefined, '3.2.15', '3.2.13'])).toBe('3.2.15');
  });
});

describe('ignore file', () => {
  const text = [
    'ignores:',
    '  - id: CVE-2022-28346',
    '    reason: ORM aliases never come from users',
    '    expires: 2099-01-01',
    '  - id: GHSA-w3h3-4rj7-4ph4',
    '    reason: gunicorn behind nginx',
    '    expires: 2020-01-01',
    '  - id: GHSA-0000-0000-0000',
    '    reason: removed dependency',
    '    expires: 2099-01-01',
    '  - id: GHSA-xqr8-7jwr-rhp7',
    '    reason: certifi replaced soon',
    '    expires: 2026-12-05',
  ].join('\n');

  it('matches by id or alias; reports expired, stale and expiring-soon entries', () => {
    const entries = parseIgnoreFile('ignore-file', text);
    const f = (id: string, aliases: string[], pkg: string) => ({ id, aliases, package: pkg });
    const verdict = applyIgnores(
      [
        f('PYSEC-2022-190', ['GHSA-2gwj-7jmv-h26r', 'CVE-2022-28346'], 'django'),
        f('CVE-2024-1135', ['GHSA-w3h3-4rj7-4ph4'], 'gunicorn'),
        f('CVE-2023-37920', ['GHSA-xqr8-7jwr-rhp7'], 'certifi'),
      ],
      entries,
      { today: '2026-11-29', warnDays: 14, normalize: normalizeName },
    );
    expect(
      verdict.findings.map((x) => [x.finding.id, x.ignoredBy?.expires, x.expiredIgnore?.expires]),
    ).toEqual([
      ['PYSEC-2022-190', '2099-01-01', undefined],
      ['CVE-2024-1135', undefined, '2020-01-01'],
      ['CVE-2023-37920', '2026-12-05', undefined],
    ]);
    expect(verdict.stale.map((e) => e.id)).toEqual(['GHSA-0000-0000-0000']);
    expect(verdict.expiringSoon.map((e) => e.id)).toEqual(['GHSA-xqr8-7jwr-rhp7']);
    expect(expiredMessage(verdict.expired)).toBe(
      'the ignore for GHSA-w3h3-4rj7-4ph4 ("gunicorn behind nginx") expired on 2020-01-01; fix the dependency or renew the entry with a new date',
    );
  });

  it('refuses entries without a reason or a real date, in one sentence naming the file', () => {
    expect(() =>
      parseIgnoreFile('ignore-file x.yml', 'ignores:\n  - id: A-1\n    expires: 2026-01-01\n'),
    ).toThrow(/^'ignore-file x.yml' at '0.reason': needs a reason/);
    expect(() =>
      parseIgnoreFile('ignore-file x.yml', '- id: A-1\n  reason: r\n  expires: 2026-02-30\n'),
    ).toThrow(/expires must be a date such as 2026-12-31/);
    expect(() => parseIgnoreFile('ignore-file x.yml', 'ignores: [\n')).toThrow(/is not valid YAML or JSON/);
  });
});

describe('gate', () => {
  const finding = (level: string, fixedIn?: string, ignoredUntil?: string): Finding =>
    ({
      advisory: 'X',
      id: 'X',
      aliases: [],
      package: 'p',
      written: 'p',
      version: '1',
      description: '',
      severity: { level },
      fixedIn,
      ignoredUntil,
    }) as Finding;
  const policy = (p: Partial<GatePolicy>): GatePolicy => ({
    failOn: 'any',
    fixableOnly: false,
    failOnUnknown: true,
    ...p,
  });

  it('applies the threshold, fixable-only, unknown and ignores', () => {
    expect(breaks(finding('medium', '2'), policy({ failOn: 'high' }))).toBe(false);
    expect(breaks(finding('critical', '2'), policy({ failOn: 'high' }))).toBe(true);
    expect(breaks(finding('critical'), policy({ fixableOnly: true }))).toBe(false);
    expect(breaks(finding('unknown', '2'), policy({ failOn: 'critical' }))).toBe(true);
    expect(breaks(finding('unknown', '2'), policy({ failOnUnknown: false }))).toBe(false);
    expect(breaks(finding('critical', '2', '2099-01-01'), policy({}))).toBe(false);
  });
});

describe('OSV addresses and the weekly comparison', () => {
  it('derives the record endpoint from the query endpoint', () => {
    expect(vulnsBase('https://api.osv.dev/v1/query')).toBe('https://api.osv.dev/v1/vulns/');
    expect(vulnsBase('http://127.0.0.1:8080/v1/query/')).toBe('http://127.0.0.1:8080/v1/vulns/');
    expect(lookupIds('PYSEC-1', ['GHSA-a-b', 'PYSEC-1', 'not an id'])).toEqual(['PYSEC-1', 'GHSA-a-b']);
  });

  it('lists new, resolved and about-to-expire', () => {
    const changes = compareReports(
      { findings: [{ key: 'a' }, { key: 'b' }] },
      {
        findings: [{ key: 'b' }, { key: 'c' }] as never,
        expiringSoon: [{ id: 'GHSA-1', reason: 'r', expires: '2026-12-01' }],
      },
    );
    expect(changes).toEqual({ new: ['c'], resolved: ['a'], aboutToExpire: ['GHSA-1'] });
    expect(compareReports(undefined, { findings: [], expiringSoon: [] })).toBeUndefined();
  });

  it('keys an advisory by one id chosen from its whole alias set: CVE, else GHSA, else PYSEC, else the lowest (#18 B4)', () => {
    expect(canonicalId(['CVE-2022-28346', 'GHSA-2gwj-7jmv-h26r'])).toBe('CVE-2022-28346');
    expect(canonicalId(['PYSEC-2022-190', 'CVE-2022-28346', 'GHSA-2gwj-7jmv-h26r'])).toBe('CVE-2022-28346');
    expect(canonicalId(['pysec-2023-175', 'GHSA-b', 'ghsa-B'])).toBe('GHSA-b');
    expect(canonicalId(['PYSEC-2', 'PYSEC-10'])).toBe('PYSEC-10');
    expect(canonicalId(['OSV-2', 'BIT-1'])).toBe('BIT-1');
  });

  it('treats an advisory reported under another id as the same finding, old reports keyed by id too (#18 B4)', () => {
    const week1 = {
      findings: [
        { key: 'r.txt|django|CVE-2022-28346', id: 'CVE-2022-28346', aliases: ['GHSA-2gwj-7jmv-h26r'] },
        // A report written before the stable key: keyed by pip-audit's id.
        { key: 'r.txt|idna|GHSA-jjg7-2v4v-x38h', id: 'GHSA-jjg7-2v4v-x38h', aliases: ['CVE-2024-3651'] },
        { key: 'r.txt|sqlparse|CVE-2023-30608', id: 'CVE-2023-30608', aliases: [] },
      ],
    };
    const week2 = [
      { key: 'r.txt|django|CVE-2022-28346', id: 'PYSEC-2022-190', aliases: ['CVE-2022-28346'] },
      { key: 'r.txt|idna|CVE-2024-3651', id: 'CVE-2024-3651', aliases: ['GHSA-jjg7-2v4v-x38h'] },
      // The same advisory in another package is another finding.
      { key: 'r.txt|django2|CVE-2022-28346', id: 'CVE-2022-28346', aliases: [] },
    ];
    expect(compareReports(week1, { findings: week2 as never, expiringSoon: [] })).toEqual({
      new: ['r.txt|django2|CVE-2022-28346'],
      resolved: ['r.txt|sqlparse|CVE-2023-30608'],
      aboutToExpire: [],
    });
  });
});

describe('shipped lock', () => {
  it('is the same pinned, hashed set the tests install', () => {
    const lock = fs.readFileSync(
      path.join(REPO_ROOT, 'pip-audit', 'requirements', 'pip-audit-2.10.1.txt'),
      'utf8',
    );
    expect(lock).toBe(fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'pytools.d', 'pip-audit.txt'), 'utf8'));
    expect(lock).toMatch(/^pip-audit==2\.10\.1 \\$/m);
    expect(lock).toMatch(/--hash=sha256:[0-9a-f]{64}/);
  });
});

describe('OSV answers (#18 B2)', () => {
  it('accepts only a JSON object whose vulns, when present, are records with an id', () => {
    expect(notAnOsvAnswer('{}')).toBeUndefined();
    expect(notAnOsvAnswer('{"vulns":[{"id":"GHSA-x"}],"next_page_token":"t"}')).toBeUndefined();
    expect(notAnOsvAnswer('null')).toBe('the answer is not an OSV answer (null)');
    expect(notAnOsvAnswer('[]')).toBe('the answer is not an OSV answer ([])');
    expect(notAnOsvAnswer('""')).toBe('the answer is not an OSV answer ("")');
    expect(notAnOsvAnswer('0')).toBe('the answer is not an OSV answer (0)');
    expect(notAnOsvAnswer('')).toBe('the answer is not JSON (an empty body)');
    expect(notAnOsvAnswer('<html>')).toBe('the answer is not JSON (<html>)');
    expect(notAnOsvAnswer('{"vulns":null}')).toMatch(/^the answer's vulns is not a list of OSV records/);
    expect(notAnOsvAnswer('{"vulns":[{}]}')).toMatch(/^the answer's vulns is not a list of OSV records/);
  });
});

describe('pins against the package index (#18 B5)', () => {
  const pin = (version: string, hashes: string[] = []) => ({
    name: 'python-dateutil',
    written: 'python-dateutil',
    line: 1,
    version,
    hashes,
  });
  const files: { filename: string; hashes: Record<string, string> }[] = [
    { filename: 'python_dateutil-2.8.2-py2.py3-none-any.whl', hashes: { sha256: 'aa' } },
    { filename: 'python-dateutil-2.8.2.tar.gz', hashes: { sha256: 'bb' } },
    { filename: 'python-dateutil-2.9.0.post0.tar.gz', hashes: {} },
  ];

  it('reads versions from wheel and sdist names, hashes from --hash options', () => {
    expect(versionOfFile('python_dateutil-2.8.2-py2.py3-none-any.whl', 'python-dateutil')).toBe('2.8.2');
    expect(versionOfFile('python-dateutil-2.8.2.tar.gz', 'python-dateutil')).toBe('2.8.2');
    expect(versionOfFile('Django-3.2.10.zip', 'django')).toBe('3.2.10');
    expect(versionOfFile('other-1.0.tar.gz', 'django')).toBeUndefined();
    expect(hashesOf('idna==3.7 --hash=sha256:ABC --hash sha512:d0')).toEqual(['sha256:abc', 'sha512:d0']);
  });

  it('reads PEP 691 JSON and PEP 503 HTML pages', () => {
    expect(
      parseProjectPage(
        '{"files":[{"filename":"a-1.tar.gz","hashes":{"sha256":"ff"}}]}',
        'application/vnd.pypi.simple.v1+json',
      ),
    ).toEqual([{ filename: 'a-1.tar.gz', hashes: { sha256: 'ff' } }]);
    expect(
      parseProjectPage(
        '<a href="../../f/a-1.tar.gz#sha256=FF" data-requires-python="&gt;=3">a-1.tar.gz</a>',
        'text/html',
      ),
    ).toEqual([{ filename: 'a-1.tar.gz', hashes: { sha256: 'ff' } }]);
  });

  it('names an unknown version (with the latest) and a hash no file has; says nothing it cannot check', () => {
    expect(judgePin(pin('2.8.2'), files)).toBeUndefined();
    expect(judgePin(pin('2.8.2.0'), files)).toBeUndefined();
    expect(judgePin(pin('9.9'), files)).toBe(
      'the index has no 9.9 of python-dateutil (its latest is 2.9.0.post0)',
    );
    expect(judgePin(pin('2.8.2', ['sha256:bb']), files)).toBeUndefined();
    expect(judgePin(pin('2.8.2', ['sha256:cc']), files)).toBe(
      'no file of python-dateutil 2.8.2 on the index has the --hash given (2 file(s) listed)',
    );
    expect(judgePin(pin('2.9.0.post0', ['sha256:cc']), files)).toBeUndefined();
  });
});
