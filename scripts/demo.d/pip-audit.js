// The demo's pip-audit stage: the committed pip-audit bundle on examples/django-app's
// requirements.txt, with the pinned pip-audit (scripts/pytools.d/pip-audit.txt). There is no
// internet here, so OSV is the harness's local stand-in: it serves the real, published advisory
// records committed in __tests__/fixtures/osv and checks every query against OSV's API schema.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pythonTools, runAction, startOsvStandin } = require('../../packages/harness/dist/index.js');
const { line, more, saveRun, failure, rel } = require('./narrative');

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];

function bySeverity(findings) {
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length]);
  return counts
    .filter(([, c]) => c > 0)
    .map(([s, c]) => `${c} ${s}`)
    .join(', ');
}

/** Runs the gate; throws (stopping the pipeline) when it fails its policy or could not run. */
const FILES = ['requirements.txt', '.pip-audit-ignore.yml'];
const OUT = ['pip-audit-report.json', 'pip-audit.sarif'];

async function pipAudit({ n, workspace, logs }) {
  const t = Date.now();
  const label = `${n} pip-audit`;
  const bin = pythonTools('pip-audit');
  // Its own workspace with the app's two files: the report and SARIF it writes must not reach
  // the image build context (and bust the build cache).
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-demo-pip-audit-'));
  for (const f of FILES) fs.copyFileSync(path.join(workspace, f), path.join(ws, f));
  const osv = await startOsvStandin();
  let run;
  try {
    run = await runAction({
      action: 'pip-audit',
      workspace: ws,
      inputs: {
        requirements: FILES[0],
        'osv-url': osv.queryUrl,
        // This machine reaches PyPI only through pip itself: the index check (a request of the
        // action's own) stays off here; on a runner it is on by default.
        'index-check': 'off',
        'ignore-file': FILES[1],
        report: OUT[0],
        sarif: OUT[1],
        // The action's defaults are the policy: any severity fails, unknown fails, ignores expire.
      },
      // A fresh cache for every run: pip-audit must ask the service, never answer from disk.
      env: {
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        XDG_CACHE_HOME: path.join(ws, '.cache'),
      },
      timeoutMs: 300_000,
    });
  } finally {
    await osv.stop();
  }
  const where = saveRun(logs, 'pip-audit', run);
  const kept = OUT.filter((f) => fs.existsSync(path.join(ws, f)));
  for (const f of kept) fs.copyFileSync(path.join(ws, f), path.join(logs, f));
  fs.rmSync(ws, { recursive: true, force: true });
  const queries = osv.requests.filter((q) => q.path === '/v1/query').length;
  const service =
    `advisories from a local stand-in for OSV (no internet here) serving the ${osv.records.size} real, published ` +
    `OSV records in ${rel(path.join(__dirname, '..', '..', '__tests__', 'fixtures', 'osv'))}; ` +
    `${queries} queries, ${osv.violations.length} off OSV's schema`;

  const results = JSON.parse(run.outputs.results ?? '{}');
  if (run.exitCode !== 0 || results.status !== 'passed') {
    // "Could not run" and "policy failed" are different results; neither is a pass.
    const why = failure(run);
    const kind = /^Policy failed/.test(why) ? 'FAILED' : 'COULD NOT RUN';
    line(label, `${kind}: ${why}`, Date.now() - t, where);
    more(service);
    throw new Error(`pip-audit ${kind.toLowerCase()}: the pipeline stops before the build`);
  }
  if (osv.violations.length > 0) {
    line(
      label,
      `the OSV stand-in saw requests off OSV's schema: ${osv.violations[0]}`,
      Date.now() - t,
      where,
    );
    throw new Error('pip-audit talked to the OSV stand-in in a way OSV does not accept');
  }

  const findings = results.findings ?? [];
  const open = findings.filter((f) => !f.ignoredUntil);
  const accepted = findings.filter((f) => f.ignoredUntil);
  const pins = fs
    .readFileSync(path.join(workspace, FILES[0]), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Za-z0-9]/.test(l)).length;
  let result = `passed: ${pins} pins of requirements.txt audited, `;
  if (findings.length === 0) result += 'no known vulnerabilities';
  else {
    result += `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'} (${bySeverity(findings)})`;
    result += open.length === 0 ? ', all accepted' : `, ${open.length} open (${bySeverity(open)})`;
  }
  line(label, result, Date.now() - t, where);
  if (accepted.length > 0) {
    const until = [...new Set(accepted.map((f) => f.ignoredUntil))].sort().join(', ');
    more(
      `accepted in .pip-audit-ignore.yml until ${until}: ${accepted.map((f) => `${f.package} ${f.version} ${f.id}`).join(', ')}`,
    );
    more('(Debian backported the fixes; the image runs those packages: see each reason)');
  }
  more(service);
  if (kept.length) more(`report and SARIF: ${kept.map((f) => rel(path.join(logs, f))).join(', ')}`);
  return run;
}

module.exports = { pipAudit };
