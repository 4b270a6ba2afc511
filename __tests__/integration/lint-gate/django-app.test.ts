import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT, runAction } from '@deploy-kit/harness';
import { DJANGO_APP, toolEnv } from '../../fixtures/lint-gate/projects';
import * as os from 'node:os';

// examples/django-app through lint-gate exactly as workflows-examples/ci.yml
// calls it (the app is the repository there), with the real pinned tools.

jest.setTimeout(300_000);

interface Step {
  uses?: string;
  with?: Record<string, string | number>;
}

test('examples/django-app passes the gate with ci.yml inputs, coverage >= 80 %', async () => {
  const ci = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'workflows-examples', 'ci.yml'), 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>;
  };
  const step = Object.values(ci.jobs)
    .flatMap((j) => j.steps)
    .find((s) => s.uses?.startsWith('org/deploy-kit/lint-gate@'));
  expect(step?.with).toEqual({ 'working-directory': '.', 'coverage-threshold': 80 });
  const inputs = Object.fromEntries(Object.entries(step?.with ?? {}).map(([k, v]) => [k, String(v)]));

  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-lint-django-'));
  try {
    fs.cpSync(DJANGO_APP, ws, {
      recursive: true,
      filter: (src) => !/(__pycache__|\.pytest_cache|staticfiles)/.test(src),
    });
    const run = await runAction({
      action: 'lint-gate',
      workspace: ws,
      inputs,
      env: toolEnv(),
      timeoutMs: 280_000,
    });
    const { status, gates: results } = JSON.parse(run.outputs.results ?? '{}') as {
      status: string;
      gates: Record<string, { status: string; counts: Record<string, number> }>;
    };
    expect({
      exit: run.exitCode,
      status,
      failed: run.outputs['failed-tools'],
      annotations: run.annotations,
    }).toEqual({
      exit: 0,
      status: 'passed',
      failed: '[]',
      annotations: [],
    });
    expect(Object.keys(results)).toEqual(['black', 'flake8', 'pytest', 'coverage']);
    expect(results.pytest?.counts).toEqual({ tests: 59, failed: 0, skipped: 0, passed: 59 });
    expect(Number(run.outputs.coverage)).toBeGreaterThanOrEqual(80);
    expect(run.summary).toMatch(/\| coverage \| ✅ passed \| \d+\.\d % ≥ 80 % \|/);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
