import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { CLEAN, CONFIG, toolEnv, toolsBin, workspace, type Files } from '../../fixtures/lint-gate/projects';

// The newest black (26.10.1, from a pinned, hashed file through 'install') with the rest of the
// tool set: what it does differently from black 25 must not change lint-gate's verdict or outputs.

jest.setTimeout(300_000);

const BLACK_26 = fs.readFileSync(
  path.join(__dirname, '..', '..', 'fixtures', 'lint-gate', 'requirements-black26.txt'),
  'utf8',
);

const workspaces: string[] = [];
afterAll(() => {
  for (const ws of workspaces) fs.rmSync(ws, { recursive: true, force: true });
});

beforeAll(() => {
  toolsBin();
});

type Gates = Record<string, { status: string; summary: string; version: string }>;
const gates = (run: RunActionResult): Gates =>
  (JSON.parse(run.outputs.results ?? '{}') as { gates: Gates }).gates;

function lint(files: Files, inputs: Record<string, string>): Promise<RunActionResult> {
  const ws = workspace({ ...files, 'requirements-lint.txt': BLACK_26 });
  workspaces.push(ws);
  return runAction({
    action: 'lint-gate',
    workspace: ws,
    inputs: { install: 'requirements-lint.txt', ...inputs },
    env: toolEnv(),
    timeoutMs: 240_000,
  });
}

test("the tools cannot write the step's files: a run with black 26 leaves only lint-gate's declared outputs", async () => {
  const run = await lint(
    {
      ...CLEAN,
      // A test suite can write them too, when it finds them in its environment.
      'tests/test_runner_files.py': [
        'import os',
        '',
        '',
        'def test_writes_what_it_finds():',
        '    for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):',
        '        if name in os.environ:',
        '            with open(os.environ[name], "a") as f:',
        '                f.write("leaked_by_a_test=1\\n")',
        '',
      ].join('\n'),
    },
    { tools: 'black, pytest' },
  );
  expect(Object.keys(run.outputs).sort()).toEqual(['coverage', 'diff-coverage', 'failed-tools', 'results']);
  expect(run.env).toEqual({});
  expect(run.exitCode).toBe(0);
  expect(gates(run).black).toMatchObject({ status: 'passed', version: '26.10.1' });
  expect(gates(run).pytest?.status).toBe('passed');
  expect(run.path).toEqual([]);
  expect(run.summary).not.toContain('leaked_by_a_test');
});

test('black 26\'s "error: cannot parse: path:4:6" is a syntax finding annotated at the line, as with black 25', async () => {
  const run = await lint({ ...CONFIG, 'broken.py': 'x = 1\n\n\ndef f(:\n    pass\n' }, { tools: 'black' });
  expect(gates(run).black).toMatchObject({
    status: 'findings',
    summary: '1 file cannot be parsed',
    version: '26.10.1',
  });
  expect(run.annotations.filter((a) => a.file === 'broken.py')).toEqual([
    expect.objectContaining({
      level: 'error',
      title: 'black: cannot parse',
      line: 4,
      col: 7,
      message: 'Black cannot parse this file: syntax error at 4:7 (def f(:).',
    }),
  ]);
  expect(run.annotations.filter((a) => a.level === 'error' && a.file === undefined).pop()?.message).toBe(
    'Policy failed: black: 1 file cannot be parsed.',
  );
});
