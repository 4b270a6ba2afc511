import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lintGate, lintGateAction } from '../../../actions/lint-gate/src/action';
import { parseInputs } from '../../../actions/lint-gate/src/inputs';

/**
 * lint-gate's run() in-process with a fake interpreter: a shell script that answers the probe and
 * plays a slow pytest (it waits for a file the test writes once it has seen what it waits for)
 * and a quick black. No real Python: what is tested is the log while the tools run (pytest's
 * output streamed into its group, progress lines naming the tools still running) and
 * cancellation through the context's signal.
 */

const FAKE_PYTHON = String.raw`#!/bin/sh
if [ "$1" = "-c" ]; then
  echo '{"python": "3.99.0", "executable": "'"$0"'", "versions": {"black": "90.0.1", "pytest": "90.0.2"}, "missing": ["flake8", "ruff", "pytest-cov", "pytest-django", "coverage"]}'
  exit 0
fi
case "$2" in
  black)
    echo "All done!" >&2
    exit 0 ;;
  pytest)
    echo $$ > "$FAKE_DIR/pytest.pid"
    for a in "$@"; do case "$a" in --junitxml=*) junit=$(printf %s "$a" | sed 's/^--junitxml=//') ;; esac; done
    echo "collected 1 item"
    while [ ! -f "$FAKE_DIR/go" ]; do sleep 0.02; done
    echo "tests/test_slow.py ."
    printf '<testsuite tests="1" failures="0" errors="0" skipped="0"><testcase classname="tests.test_slow" name="test_slow" file="tests/test_slow.py" line="0" time="0.1"/></testsuite>' > "$junit"
    exit 0 ;;
esac
exit 2
`;

let dir: string;
let log: string[];
let write: jest.SpyInstance;
const saved = { workspace: process.env.GITHUB_WORKSPACE, fake: process.env.FAKE_DIR };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-lint-fake-'));
  fs.writeFileSync(path.join(dir, 'python'), FAKE_PYTHON, { mode: 0o755 });
  process.env.GITHUB_WORKSPACE = dir;
  process.env.FAKE_DIR = dir;
  log = [];
  write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    log.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  write.mockRestore();
  process.env.GITHUB_WORKSPACE = saved.workspace;
  process.env.FAKE_DIR = saved.fake;
  fs.rmSync(dir, { recursive: true, force: true });
});

const text = (): string => log.join('');

/** Poll for what the log should show next (an observed event, not a guess at a duration). */
async function until(what: RegExp): Promise<void> {
  const end = Date.now() + 10_000;
  while (!what.test(text())) {
    if (Date.now() > end) throw new Error(`not seen in 10 s: ${what}\n${text()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function inputs() {
  return parseInputs({ tools: 'black, pytest', python: path.join(dir, 'python'), 'coverage-threshold': '' });
}

test("pytest's output is streamed into its group as it comes; a progress line names the tools still running", async () => {
  const run = lintGate(inputs(), { signal: new AbortController().signal }, { progressEveryMs: 20 });
  await until(/collected 1 item\n/);
  // pytest still runs: its group is open and black (done already) waits for it to close.
  await until(/^Still running: pytest \(\d+s elapsed\)$/m);
  expect(text()).toMatch(
    /^::group::pytest \(its output as it runs\)\n\$ python -m pytest .*\n::stop-commands::/m,
  );
  expect(text()).not.toContain('::group::black');
  fs.writeFileSync(path.join(dir, 'go'), '');
  const result = await run;
  expect(result.failure).toBeUndefined();
  expect(result.outputs.results).toMatchObject({
    status: 'passed',
    gates: {
      black: { status: 'passed', version: '90.0.1' },
      pytest: { status: 'passed', summary: '1 test passed', counts: { tests: 1 } },
    },
  });
  expect(result.outputs['failed-tools']).toEqual([]);
  // In this order, each after the one before.
  const out = text();
  let at = 0;
  const missing = [
    'collected 1 item',
    'Still running: pytest',
    'tests/test_slow.py .',
    '::endgroup::',
    'pytest: passed, 1 test passed',
    '::group::black: passed, formatted',
  ].filter((s) => {
    const found = out.indexOf(s, at);
    if (found < 0) return true;
    at = found;
    return false;
  });
  expect(missing).toEqual([]);
  // Once the tools are done, no more progress lines.
  const lines = text()
    .split('\n')
    .filter((l) => l.startsWith('Still running')).length;
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(
    text()
      .split('\n')
      .filter((l) => l.startsWith('Still running')).length,
  ).toBe(lines);
});

test('cancelled: the tools it started are stopped and the run ends "cancelled", not thrown', async () => {
  const controller = new AbortController();
  const run = lintGate(inputs(), { signal: controller.signal }, { progressEveryMs: 1_000 });
  await until(/collected 1 item\n/);
  const pid = Number(fs.readFileSync(path.join(dir, 'pytest.pid'), 'utf8'));
  controller.abort('SIGINT');
  const result = await run;
  expect(result.failure?.kind).toBe('tool');
  expect(result.failure?.message).toBe(
    'lint-gate was cancelled (SIGINT); the tools it started were stopped.',
  );
  expect(result.outputs.results).toMatchObject({
    status: 'cancelled',
    failure: 'Could not run: lint-gate was cancelled (SIGINT); the tools it started were stopped.',
  });
  expect(() => process.kill(pid, 0)).toThrow();
});

test('the definition: name, no secret inputs, action.yml defaults, run = lintGate', () => {
  expect(lintGateAction.name).toBe('lint-gate');
  expect(lintGateAction.secretInputs).toEqual([]);
  expect(lintGateAction.defaults).toMatchObject({ python: 'python3', timeout: '20m' });
});
