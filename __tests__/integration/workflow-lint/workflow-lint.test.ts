import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '@deploy-kit/harness';

// Issue 21 item 5: zizmor (pinned, offline) and actionlint over the example workflows and the
// README blocks. The repository itself is clean (or allowed with a reason); a tree with the
// classic mistakes fails, each finding at the README line a reader sees.

jest.setTimeout(300_000);
const SCRIPT = path.join(REPO_ROOT, 'scripts/workflow-lint.mjs');

function lint(root?: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT], {
    encoding: 'utf8',
    env: { ...process.env, ...(root ? { WORKFLOW_LINT_ROOT: root } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('the repository: every example workflow and README block passes, exceptions only with a reason', () => {
  const { status, out } = lint();
  expect(out).toMatch(
    /workflow lint: \d+ files \(\d+ README blocks\); \d+ finding\(s\), \d+ allowed with a reason, 0 not allowed, 0 stale/,
  );
  expect(status).toBe(0);
});

test('unpinned actions, template injection and persisted credentials fail, at the README line', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-workflow-lint-'));
  try {
    fs.mkdirSync(path.join(root, 'workflows-examples'));
    fs.writeFileSync(
      path.join(root, 'workflows-examples', 'ci.yml'),
      [
        'on: { push: { branches: [main] } }',
        'permissions: { contents: read }',
        'jobs:',
        '  test:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
        '        with: { persist-credentials: false }',
        '      - run: echo ${{ github.event.head_commit.message }}',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(root, 'README.md'),
      [
        '# x',
        '',
        'Usage:',
        '',
        '```yaml',
        '- uses: actions/checkout@v4',
        '- uses: org/deploy-kit/smoke-test@v1',
        '  with: { url: "https://x/" }',
        '- run: echo "$NAME"',
        '  env: { NAME: "${{ github.event.nope.name }}${{ foo.bar }}" }',
        '```',
        '',
        '```yaml',
        'checks: [{ url: / }]',
        '```',
        '',
      ].join('\n'),
    );
    const { status, out } = lint(root);
    expect(status).toBe(1);
    expect(out).toContain('workflows-examples/ci.yml:9: zizmor template-injection');
    expect(out).toContain('README.md:6: zizmor unpinned-uses');
    expect(out).toContain('README.md:6: zizmor artipacked');
    expect(out).toContain('README.md:7: zizmor unpinned-uses');
    // actionlint (1.7.7) in a README fragment: an unknown context is a finding; needs/steps/inputs
    // of the part of the workflow the fragment does not show are not.
    expect(out).toContain('README.md:10: actionlint expression: undefined variable "foo"');
    expect(out).toMatch(
      /workflow lint: 2 files \(1 README blocks\); \d+ finding\(s\), 0 allowed with a reason, \d+ not allowed/,
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
