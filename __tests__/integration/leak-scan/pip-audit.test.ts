/**
 * The leak scan (issue 14 A7) for the two gate actions. lint-gate has no secret input (its inputs
 * are a directory, tool names, a python, pytest args, thresholds, a base ref, a requirements path
 * and limits): it is not in the scan. pip-audit's one place for a secret is `osv-url`: a private
 * OSV mirror's URL may carry credentials (https://user:password@host/v1/query). Here every shape
 * is that password (URL-encoded, as a URL must carry it) on the input-error path: the URL is not
 * http(s), and the error that names the input used to quote it whole (this test failed before the
 * fix, with the password in the annotation and the log). Not covered yet: an audit that runs with
 * a credentialed osv-url (a whole audit takes minutes, and no test yet runs pip-audit, or the
 * action's own record fetch, against a mirror that demands credentials).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction, type RunActionResult } from '@deploy-kit/harness';
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
    runs[`#${i}`] = { result, secrets: [shape] };
    fs.rmSync(workspace, { recursive: true, force: true });
  });
  expect(scanRuns(runs)).toEqual([]);
});
