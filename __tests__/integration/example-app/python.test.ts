import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APP_DIR, PYTHON, run } from './helpers';

// The example's own suite, with Debian's pytest + pytest-django, as lint-gate
// and the README run it. The count is pinned so a test that silently stops
// being collected (import error, renamed file) fails here.
const EXPECTED_TESTS = 59; // + tests/test_export.py (issue 21: the PDF the smoke journey downloads), + the /version?wait guard (issue 19)

function attribute(xml: string, name: string): number {
  const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? '';
  const match = new RegExp(`\\b${name}="(\\d+)"`).exec(suite);
  if (!match) throw new Error(`no ${name}= on <testsuite> in the JUnit report`);
  return Number(match[1]);
}

// jest's testTimeout is a global option (a project's value is ignored); set it here.
jest.setTimeout(180_000);

describe('examples/django-app python checks', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'djapp-py-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test(`python3 -m pytest passes with ${EXPECTED_TESTS} tests`, async () => {
    const junit = path.join(tmp, 'junit.xml');
    const result = await run(PYTHON, ['-m', 'pytest', '-q', `--junitxml=${junit}`], {
      // What the suite must not inherit from the developer's shell.
      env: { DJANGO_SETTINGS_MODULE: undefined, DATABASE_URL: undefined, PYTHONPATH: undefined },
    });
    if (result.code !== 0)
      throw new Error(`pytest failed (${result.code}):\n${result.stdout.slice(-3000)}${result.stderr}`);
    const xml = fs.readFileSync(junit, 'utf8');
    expect(attribute(xml, 'tests')).toBe(EXPECTED_TESTS);
    expect(attribute(xml, 'failures')).toBe(0);
    expect(attribute(xml, 'errors')).toBe(0);
    expect(attribute(xml, 'skipped')).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`\\b${EXPECTED_TESTS} passed\\b`));
  });

  test('pytest-cov measures the app packages (setup.cfg [coverage:run])', async () => {
    const env = { COVERAGE_FILE: path.join(tmp, '.coverage') };
    const tests = await run(PYTHON, ['-m', 'pytest', '-q', 'tests/test_probes.py', '--cov'], { env });
    expect({ code: tests.code, out: tests.stdout.slice(-1500) }).toEqual({
      code: 0,
      out: expect.any(String),
    });
    expect(tests.stdout).toMatch(/\b7 passed\b/); // test_probes.py, with the /version?wait guard (issue 19)
    // Debian's pytest-cov 4.0 has no JSON report; coverage 6.5 itself does.
    const report = path.join(tmp, 'coverage.json');
    const json = await run(PYTHON, ['-m', 'coverage', 'json', '-o', report], { env });
    expect(json.code).toBe(0);
    const files = Object.keys((JSON.parse(fs.readFileSync(report, 'utf8')) as { files: object }).files);
    expect(files).toEqual(expect.arrayContaining(['notes/views.py', 'config/settings.py']));
    expect(files.some((f) => f.includes('migrations/') || f.startsWith('tests/'))).toBe(false);
  });

  test('black --check accepts the code', async () => {
    const result = await run('black', ['--check', '--diff', '.']);
    expect({ code: result.code, diff: result.stdout }).toEqual({ code: 0, diff: '' });
    expect(result.stderr).toMatch(/would be left unchanged/);
  });

  test('black --check rejects a badly formatted copy (the config is in effect)', async () => {
    const copy = path.join(tmp, 'badly-formatted');
    fs.mkdirSync(copy);
    fs.copyFileSync(path.join(APP_DIR, 'pyproject.toml'), path.join(copy, 'pyproject.toml'));
    fs.writeFileSync(path.join(copy, 'bad.py'), "x = {  'a':1 }\n");
    const result = await run('black', ['--check', '.'], { cwd: copy });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/would reformat .*bad\.py/);
  });

  test('flake8 reports nothing', async () => {
    const result = await run('flake8', ['--count']);
    expect({ code: result.code, out: result.stdout.trim() }).toEqual({ code: 0, out: '0' });
  });
});
