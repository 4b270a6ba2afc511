/**
 * The leak scan (issue 14 A7) for the two gate actions. lint-gate has no secret input (its inputs
 * are a directory, tool names, a python, pytest args, thresholds, a base ref, a requirements path
 * and limits): it is not in the scan. pip-audit's one place for a secret is `osv-url`: a private
 * OSV mirror's URL may carry credentials (https://user:password@host/v1/query). Here every shape
 * is that password (URL-encoded, as a URL must carry it) on the input-error path: the URL is not
 * http(s), and the error that names the input used to quote it whole (this test failed before the
 * fix, with the password in the annotation and the log). The second test runs whole audits with a
 * credentialed osv-url (the success path: pip-audit through the action's relay, which sends the
 * password as Basic auth, and the record reads), every shape as the password. The stand-in does
 * not check credentials; a mirror that refuses requests without them is in
 * __tests__/integration/pip-audit/pip-audit.test.ts (#18 B3). `index-url` is secret too (#18 B5:
 * a mirror's https://user:password@host/simple/, asked by the pin check with the password as Basic
 * auth, and given to pip in PIP_INDEX_URL): each shape is also the password of a malformed
 * index-url (the input error), and of the credentialed index-url the whole audits check their pins
 * against (a loopback index, which must see the credentials).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pythonTools, runAction, startOsvStandin, type RunActionResult } from '@deploy-kit/harness';
import { buildDistributions, startSimpleIndex } from '../pip-audit/simple-index';
import { inBatches, scanRuns } from './helpers';
import { secretShapes } from './shapes';

jest.setTimeout(120_000);

const shapes = secretShapes();

test('pip-audit, every shape as the password of a malformed osv-url: zero hits', async () => {
  expect(shapes.length).toBeGreaterThanOrEqual(40);
  const runs: Record<string, { result: RunActionResult; secrets: string[] }> = {};
  await inBatches([...shapes.entries()], 4, async ([i, shape]) => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-pa-'));
    fs.writeFileSync(path.join(workspace, 'requirements.txt'), 'django==4.2.7\n');
    const result = await runAction({
      action: 'pip-audit',
      workspace,
      inputs: { 'osv-url': `ftp://mirror:${encodeURIComponent(shape)}@127.0.0.1/v1/query` },
      timeoutMs: 30_000,
    });
    expect(result.error).toMatch(/^Invalid input: 'osv-url' must be the OSV query endpoint/);
    const index = await runAction({
      action: 'pip-audit',
      workspace,
      inputs: { 'index-url': `ftp://mirror:${encodeURIComponent(shape)}@127.0.0.1/simple/` },
      timeoutMs: 30_000,
    });
    expect(index.error).toMatch(/^Invalid input: 'index-url' must be a package index's simple API/);
    runs[`#${i}`] = { result, secrets: [shape] };
    runs[`#${i} index-url`] = { result: index, secrets: [shape] };
    fs.rmSync(workspace, { recursive: true, force: true });
  });
  expect(scanRuns(runs)).toEqual([]);
});

test('pip-audit, whole audits with every shape as the password of a credentialed osv-url: zero hits', async () => {
  const bin = pythonTools('pip-audit');
  const osv = await startOsvStandin();
  const dists = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-pa-index-'));
  const index = await startSimpleIndex(dists, {
    idna: buildDistributions(path.join(bin, 'python'), dists, 'idna', '3.3'),
  });
  const runs: Record<string, { result: RunActionResult; secrets: string[] }> = {};
  const scanned: string[] = [];
  try {
    await inBatches([...shapes.entries()], 4, async ([i, shape]) => {
      const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-pa-'));
      fs.writeFileSync(path.join(workspace, 'requirements.txt'), 'idna==3.3\n');
      const url = new URL(osv.queryUrl);
      const indexUrl = new URL(index.url);
      const result = await runAction({
        action: 'pip-audit',
        workspace,
        inputs: {
          'osv-url': `http://mirror:${encodeURIComponent(shape)}@${url.host}${url.pathname}`,
          'index-url': `http://mirror:${encodeURIComponent(shape)}@${indexUrl.host}${indexUrl.pathname}`,
          'index-check': 'fail',
          sarif: 'out.sarif',
          report: 'report.json',
        },
        env: {
          PATH: `${bin}${path.delimiter}${process.env.PATH}`,
          XDG_CACHE_HOME: path.join(workspace, '.cache'),
        },
        timeoutMs: 120_000,
      });
      // The audit ran to the end through the credentialed URL: idna 3.3's advisory found.
      const failed = result.annotations.find((a) => /^Policy failed/.test(a.message))?.message;
      expect(failed).toMatch(/^Policy failed: 1 vulnerability at any severity/);
      const files = {
        report: fs.readFileSync(path.join(workspace, 'report.json'), 'utf8'),
        sarif: fs.readFileSync(path.join(workspace, 'out.sarif'), 'utf8'),
      };
      runs[`#${i}`] = { result, secrets: [shape] };
      scanned.push(...scanRuns({ [`#${i}`]: { result, files, secrets: [shape] } }));
      fs.rmSync(workspace, { recursive: true, force: true });
    });
  } finally {
    await index.stop();
    await osv.stop();
    fs.rmSync(dists, { recursive: true, force: true });
  }
  expect(Object.keys(runs)).toHaveLength(shapes.length);
  expect(scanned).toEqual([]);
  expect(osv.violations).toEqual([]);
  // Every audit's pin check asked the index with its password.
  const seen = new Set(index.requests.map((r) => r.authorization));
  const basic = (shape: string): string => `Basic ${Buffer.from(`mirror:${shape}`).toString('base64')}`;
  expect(shapes.filter((shape) => !seen.has(basic(shape)))).toEqual([]);
}, 900_000);
