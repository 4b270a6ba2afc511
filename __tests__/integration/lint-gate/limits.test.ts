import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, runAction, type RunActionResult } from '@deploy-kit/harness';
import { CLEAN, CONFIG, toolEnv, toolsBin, workspace, type Files } from '../../fixtures/lint-gate/projects';

// The edges: GitHub's summary and annotation limits, a tool that hangs, and
// tools installed from a pinned, hashed file.

jest.setTimeout(300_000);

const workspaces: string[] = [];
afterAll(() => {
  for (const ws of workspaces) fs.rmSync(ws, { recursive: true, force: true });
});

/** Killed: gone, or a zombie waiting for init to reap it (it no longer runs). */
function stillRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function lint(files: Files, inputs: Record<string, string>, timeoutMs = 240_000): Promise<RunActionResult> {
  const ws = workspace(files);
  workspaces.push(ws);
  return runAction({ action: 'lint-gate', workspace: ws, inputs, env: toolEnv(), timeoutMs });
}

type Gates = Record<string, { status: string; summary: string; findings: number; version: string }>;
const results = (run: RunActionResult): Gates =>
  (JSON.parse(run.outputs.results ?? '{}') as { gates: Gates }).gates;

beforeAll(() => {
  toolsBin();
});

test('40,000 findings: the summary stays under 1 MiB, trimmed with a note, and 10 warnings are annotated', async () => {
  const lines = Array.from({ length: 20_000 }, (_, i) => `V${i}=[1,2]`).join('\n');
  const run = await lint({ ...CONFIG, 'many.py': `${lines}\n` }, { tools: 'flake8' });
  expect(results(run).flake8).toMatchObject({ status: 'findings', findings: 40_000 });
  expect(Buffer.byteLength(run.summary)).toBeLessThan(1024 * 1024);
  expect(run.summary).toContain('| flake8 | ❌ failed | 40000 findings in 1 file |');
  expect(run.summary).toMatch(
    /_… \d+ more findings not shown \(trimmed to fit the job summary's 1 MiB limit; see the log\)\._/,
  );
  const warnings = run.annotations.filter((a) => a.level === 'warning');
  expect(warnings).toHaveLength(10);
  expect(run.annotations.find((a) => a.level === 'notice')?.message).toMatch(
    /^39990 more findings in the job summary/,
  );
});

test('a tool past the timeout is stopped with every process it started, and reported as could not run', async () => {
  const pidFile = path.join(os.tmpdir(), `dk-lint-hang-${process.pid}.pid`);
  const run = await lint(
    {
      ...CLEAN,
      'tests/test_hang.py': [
        'import subprocess',
        'import time',
        '',
        '',
        'def test_hangs():',
        '    child = subprocess.Popen(["sleep", "300"])',
        `    with open(${JSON.stringify(pidFile)}, "w") as f:`,
        '        f.write(str(child.pid))',
        '    time.sleep(300)',
        '',
      ].join('\n'),
    },
    { tools: 'pytest, flake8', timeout: '20s' },
  );
  try {
    expect(results(run).pytest).toMatchObject({
      status: 'error',
      // The run's timeout less the moments before the tools started.
      summary: expect.stringMatching(/^timed out after (19|20) s and was stopped$/),
    });
    expect(results(run).flake8?.status).toBe('passed');
    const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(1);
    expect(stillRunning(grandchild)).toBe(false);
    expect(run.durationMs).toBeLessThan(60_000);
  } finally {
    fs.rmSync(pidFile, { force: true });
  }
});

test("a test's leftover children do not turn a passing run into a timeout (pytest -s: they hold its output pipes)", async () => {
  const pidFile = path.join(os.tmpdir(), `dk-lint-leftover-${process.pid}.pids`);
  const run = await lint(
    {
      ...CLEAN,
      'tests/test_leftover.py': [
        'import subprocess',
        '',
        '',
        'def test_leaves_children_behind():',
        '    in_group = subprocess.Popen(["sleep", "1000"])',
        '    own_session = subprocess.Popen(["sleep", "1001"], start_new_session=True)',
        `    with open(${JSON.stringify(pidFile)}, "w") as f:`,
        '        f.write(f"{in_group.pid} {own_session.pid}")',
        '',
      ].join('\n'),
    },
    { tools: 'pytest', 'pytest-args': '-s', timeout: '100s' },
    // The old bundle waited for the pipes to close: the whole timeout, then "timed out".
    150_000,
  );
  const [inGroup, ownSession] = fs.readFileSync(pidFile, 'utf8').split(' ').map(Number) as [number, number];
  try {
    expect(results(run).pytest).toMatchObject({ status: 'passed', summary: '3 tests passed' });
    expect(run.exitCode).toBe(0);
    expect(run.durationMs).toBeLessThan(60_000);
    // The child left in pytest's process group is stopped with it; one that left the group is
    // not waited for (its own session: lint-gate cannot tell it from the runner's processes).
    expect(stillRunning(inGroup)).toBe(false);
  } finally {
    try {
      process.kill(ownSession, 'SIGKILL');
    } catch {
      /* gone already */
    }
    fs.rmSync(pidFile, { force: true });
  }
});

test('install: the pinned, hashed tools run from a venv that still sees the project packages', async () => {
  const fixture = path.join(__dirname, '..', '..', 'fixtures', 'lint-gate', 'requirements-flake8.txt');
  const run = await lint(
    { ...CLEAN, 'requirements-lint.txt': fs.readFileSync(fixture, 'utf8') },
    { tools: 'flake8, pytest', install: 'requirements-lint.txt' },
  );
  expect(run.exitCode).toBe(0);
  // The tool set has flake8 7.3.0; the file pins 7.1.1, and that is what ran.
  expect(results(run).flake8).toMatchObject({ status: 'passed', version: '7.1.1' });
  // pytest and pytest-cov come from the interpreter's own packages, through the venv.
  expect(results(run).pytest).toMatchObject({ status: 'passed', version: '8.4.2' });
  expect(run.outputs.coverage).toBe('100.00');
  expect(run.summary).toContain(path.join(run.runnerTemp, 'lint-gate-venv'));
});

test('install: a file without hashes is refused in one sentence', async () => {
  const run = await lint(
    { ...CLEAN, 'requirements-lint.txt': 'flake8==7.1.1\n' },
    { tools: 'flake8', install: 'requirements-lint.txt' },
  );
  expect(run.exitCode).toBe(1);
  const failure = run.annotations.filter((a) => a.level === 'error').pop()?.message;
  expect(failure).toMatch(
    /^Invalid input: 'install' must pin every package with == and a --hash \(pip said: /,
  );
});

test('install: an editable project (src/ layout, pip install -e .) is importable by the pinned tools', async () => {
  const ws = workspace({
    'pyproject.toml': [
      '[build-system]',
      'requires = ["setuptools>=64"]',
      'build-backend = "setuptools.build_meta"',
      '',
      '[project]',
      'name = "calc"',
      'version = "0.1.0"',
      '',
      '[tool.setuptools.packages.find]',
      'where = ["src"]',
      '',
      '[tool.pytest.ini_options]',
      'testpaths = ["tests"]',
      '',
      '[tool.coverage.run]',
      'source = ["calc"]',
      '',
    ].join('\n'),
    'src/calc/__init__.py': '',
    'src/calc/ops.py': CLEAN['calc/ops.py'] as string,
    // No tests/__init__.py: pytest puts tests/ on sys.path, never src/; only the install finds calc.
    'tests/test_ops.py': CLEAN['tests/test_ops.py'] as string,
    'setup.cfg': '[flake8]\nmax-line-length = 88\nextend-exclude = .venv\n',
    'requirements-lint.txt': fs.readFileSync(
      path.join(__dirname, '..', '..', 'fixtures', 'lint-gate', 'requirements-flake8.txt'),
      'utf8',
    ),
  });
  workspaces.push(ws);
  // The project's own venv: its test tools, and the project installed editable (a .pth file in
  // its site-packages); 'install' adds a pinned flake8 in lint-gate's venv, which sees this one.
  const venvPython = path.join(ws, '.venv', 'bin', 'python');
  execFileSync(path.join(toolsBin(), 'python'), ['-m', 'venv', '.venv'], { cwd: ws });
  const pip = (...args: string[]) =>
    execFileSync(venvPython, ['-m', 'pip', 'install', '--quiet', '--no-deps', ...args], {
      cwd: ws,
      stdio: 'pipe',
    });
  pip('--require-hashes', '-r', path.join(REPO_ROOT, 'scripts', 'pytools.d', 'lint-gate.txt'));
  pip('-e', '.');
  const run = await runAction({
    action: 'lint-gate',
    workspace: ws,
    inputs: { tools: 'flake8, pytest', python: '.venv/bin/python', install: 'requirements-lint.txt' },
    env: toolEnv(),
    timeoutMs: 240_000,
  });
  expect(run.stdout).not.toContain('ModuleNotFoundError');
  expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
  expect(results(run).pytest).toMatchObject({
    status: 'passed',
    summary: '2 tests passed',
    version: '8.4.2',
  });
  expect(results(run).flake8).toMatchObject({ status: 'passed', version: '7.1.1' });
  expect(results(run).coverage).toMatchObject({ status: 'passed', summary: '100.0 % ≥ 80 %' });
  expect(run.exitCode).toBe(0);
});
