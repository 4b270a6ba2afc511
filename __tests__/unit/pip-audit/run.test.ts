import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { noSignals, type ActionContext } from '@deploy-kit/shared';
import { pipAudit, pipAuditAction } from '../../../actions/pip-audit/src/action';

/**
 * The typed entry point called in-process, with a fake pip-audit on PATH that waits for the test
 * to let it finish: progress lines while it runs (a short interval injected), the job's cancel
 * stopping it and its process group, and the runner's file-command variables kept from it.
 */

let dir: string;
let ws: string;
const saved = { ...process.env };

const FAKE = `#!/bin/sh
if [ "$1" = "--version" ]; then echo "pip-audit 2.10.1"; exit 0; fi
out=""; prev=""
for a in "$@"; do if [ "$prev" = "-o" ]; then out="$a"; fi; prev="$a"; done
env > "$FAKE_DIR/env"
sleep 300 &
echo "$! $$" > "$FAKE_DIR/pids"
while [ ! -f "$FAKE_DIR/go" ]; do sleep 0.05; done
kill $!
printf '%s' '{"dependencies":[{"name":"idna","version":"3.7","vulns":[]}],"fixes":[]}' > "$out"
exit 0
`;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-pa-fake-'));
  ws = path.join(dir, 'ws');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.mkdirSync(path.join(ws, 'app'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bin', 'pip-audit'), FAKE, { mode: 0o755 });
  fs.writeFileSync(path.join(ws, 'app', 'requirements.txt'), 'idna==3.7\n');
  Object.assign(process.env, {
    PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}`,
    FAKE_DIR: dir,
    GITHUB_WORKSPACE: ws,
    RUNNER_TEMP: path.join(dir, 'temp'),
    GITHUB_OUTPUT: path.join(dir, 'github-output'),
  });
});
afterEach(() => {
  process.env = { ...saved };
  fs.rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

const context = (signal = new AbortController().signal): ActionContext => ({ signal, signals: noSignals });
const inputs = () =>
  pipAuditAction.parseInputs({
    'working-directory': 'app',
    'osv-url': 'http://127.0.0.1:9/v1/query',
    // Unit tests ask no network: the pin check against the package index is off.
    'index-check': 'off',
  });

test('prints a progress line with the elapsed time while pip-audit runs, then passes', async () => {
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
    // Two lines seen: let the fake finish.
    if (lines.length === 2) fs.writeFileSync(path.join(dir, 'go'), '');
  };
  const result = await pipAudit(inputs(), context(), { progress: { everyMs: 50, log } });
  expect(result.failure).toBeUndefined();
  expect(result.outputs.results).toMatchObject({ status: 'passed', vulnerabilityCount: 0, findings: [] });
  expect(result.outputs['vulnerability-count']).toBe(0);
  expect(lines.slice(0, 2)).toEqual([
    expect.stringMatching(/^pip-audit is still auditing app\/requirements\.txt \(\d+s elapsed\)$/),
    expect.stringMatching(/^pip-audit is still auditing app\/requirements\.txt \(\d+s elapsed\)$/),
  ]);
  // The runner's file-command variables never reach pip-audit.
  const env = fs.readFileSync(path.join(dir, 'env'), 'utf8');
  expect(env).toContain(`FAKE_DIR=${dir}`);
  expect(env).not.toMatch(/^GITHUB_OUTPUT=/m);
  // The OSV endpoint reaches pip-audit in its environment, not on its command line ...
  // ... and it is the action's relay on loopback, which checks every answer before pip-audit reads it.
  expect(env).toMatch(/^PIP_AUDIT_OSV_URL=http:\/\/127\.0\.0\.1:\d+\/v1\/query$/m);
  expect(env).not.toContain('127.0.0.1:9/');
});

test("the job's cancel stops pip-audit and its process group; the result says cancelled", async () => {
  const controller = new AbortController();
  const pidsFile = path.join(dir, 'pids');
  const running = pipAudit(inputs(), context(controller.signal));
  await until(() => fs.existsSync(pidsFile) && fs.readFileSync(pidsFile, 'utf8').includes(' '));
  const pids = fs.readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number);
  controller.abort('SIGINT');
  const result = await running;
  expect(result.failure?.kind).toBe('tool');
  expect(result.outputs.results).toEqual({
    status: 'cancelled',
    failure:
      'Could not run: the job was cancelled (SIGINT): stopped while auditing app/requirements.txt with pip-audit, before the audit completed.',
  });
  expect(result.outputs['vulnerability-count']).toBeUndefined();
  await until(() => pids.every((pid) => !alive(pid)));
});

test("the 'timeout' input bounds the whole run", async () => {
  const raw = { 'working-directory': 'app', timeout: '300ms', 'index-check': 'off' };
  const result = await pipAudit(pipAuditAction.parseInputs(raw), context());
  expect(result.outputs.results).toEqual({
    status: 'could-not-run',
    failure:
      "Could not run: the run did not finish within 0.3 s, the limit the 'timeout' input sets for the whole run: stopped while auditing app/requirements.txt with pip-audit.",
  });
});

test('parseInputs resolves path inputs against working-directory and keeps them in the workspace', () => {
  const parsed = inputs();
  const root = fs.realpathSync(ws);
  expect(parsed.workingDirectory).toBe(path.join(root, 'app'));
  expect(parsed.requirements).toEqual([path.join(root, 'app', 'requirements.txt')]);
  expect(() => pipAuditAction.parseInputs({ 'working-directory': '..' })).toThrow(
    /'working-directory' must be a path inside the workspace/,
  );
  expect(() => pipAuditAction.parseInputs({ 'working-directory': 'app', sarif: '../../x.sarif' })).toThrow(
    "'sarif' must be a path inside the workspace, got '../../x.sarif'.",
  );
  expect(() =>
    pipAuditAction.parseInputs({
      'working-directory': 'app',
      'osv-url': 'ftp://u:hunter2@127.0.0.1/v1/query',
    }),
  ).toThrow(
    "'osv-url' must be the OSV query endpoint as an http(s) URL, such as https://api.osv.dev/v1/query, got 'ftp://u:***@127.0.0.1/v1/query'.",
  );
  expect(() =>
    pipAuditAction.parseInputs({
      'working-directory': 'app',
      'osv-url': 'https://mirror.example/v1/query',
      'pip-audit-version': '2.9.0',
    }),
  ).toThrow("'osv-url' needs pip-audit 2.10 or later ('pip-audit-version' is 2.9.0)");
  expect(pipAuditAction.secretInputs).toEqual(['osv-url', 'index-url']);
});
