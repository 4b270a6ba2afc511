import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, SummaryRenderer, type RenderedDiagram, type RenderedSummary } from '@deploy-kit/harness';
import { summaryMarkdown as deploySummary } from '../../../actions/deploy/src/summary';
import {
  deployPassed,
  deployRolledBack,
  fleet,
  remoteDeployMarkdown,
  renderEnvMarkdown,
  smokeGreen,
  smokeRed,
} from './fixtures';
import {
  auditFailed,
  auditPassed,
  buildFailed,
  buildPassed,
  lintFailed,
  lintPassed,
  tagFailed,
  tagPassed,
} from './other-actions';

/**
 * Issue 23: every action's job summary as people see it — Markdown (GFM) to HTML, Mermaid 11 in
 * headless Chromium — for a viewer in India (TZ Asia/Kolkata, UTC+5:30), where a chart whose axis
 * follows the viewer's clock starts at 30:00. The summaries come from the actions' own builders
 * with realistic results. PNGs are kept in tmp/summaries/ (gitignored), listed at the end: look at them.
 */

jest.setTimeout(120_000);

let renderer: SummaryRenderer;
const rendered: RenderedSummary[] = [];

beforeAll(async () => {
  // Only this run's renders in the folder.
  fs.rmSync(path.join(REPO_ROOT, 'tmp', 'summaries'), { recursive: true, force: true });
  renderer = await SummaryRenderer.start({ timeZone: 'Asia/Kolkata' });
});
afterAll(async () => {
  await renderer?.close();
  if (rendered.length > 0)
    process.stdout.write(`Rendered job summaries (PNG):\n${rendered.map((r) => `  ${r.png}`).join('\n')}\n`);
});

const GREEN = 'rgb(74, 194, 107)';
const RED = 'rgb(207, 34, 46)';

function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG contrast of a label on its bar: at least 3 (large-text level) for every label drawn inside a bar. */
function lowContrast(d: RenderedDiagram): string[] {
  return d.barTexts.flatMap((t, i) => {
    if (!t.inside || !d.barColors[i]) return [];
    const [a, b] = [luminance(t.fill), luminance(d.barColors[i]!)].sort((x, y) => y - x);
    return (a! + 0.05) / (b! + 0.05) < 3 ? [t.text] : [];
  });
}

async function render(name: string, markdown: string): Promise<RenderedSummary> {
  const r = await renderer.render(name, markdown);
  rendered.push(r);
  // Nothing a reader cannot read: no Mermaid syntax error, no clipped label, labels readable on their bars.
  for (const d of r.diagrams) {
    expect(d.error).toBeUndefined();
    expect(d.clipped).toEqual([]);
    expect(lowContrast(d)).toEqual([]);
    // Gantt charts in elapsed time from 00:00, whatever the viewer's time zone.
    if (/^\s*(%%.*\n\s*)?gantt/.test(d.source)) expect(d.ticks[0]).toBe('00:00');
  }
  // Tables fit the summary column: nothing to scroll sideways for.
  expect(r.wideTables).toEqual([]);
  // One heading scheme: one `##` headline of at most 200 characters first, sections below it.
  expect(r.headings[0]?.level).toBe(2);
  expect(r.headings[0]!.text.length).toBeLessThanOrEqual(200);
  expect(r.headings.slice(1).filter((h) => h.level <= 2)).toEqual([]);
  return r;
}

describe('the one-step deploy', () => {
  test('success: every stage green on a timeline from 00:00', async () => {
    const r = await render('deploy-passed', deploySummary(deployPassed));
    expect(r.headings[0]!.text).toBe('One-step deploy of 1.5.0 passed: deployed, smoke test green');
    expect(r.diagrams).toHaveLength(2); // the stages, then remote-deploy's hosts
    expect(r.diagrams[0]!.sections).toEqual(['render-env', 'remote-deploy', 'smoke-test']);
    expect(r.diagrams[0]!.barColors).toEqual([GREEN, GREEN, GREEN]);
  });

  test('smoke red, rolled back: a short headline, the red stage red, the rest green', async () => {
    const r = await render('deploy-rolled-back', deploySummary(deployRolledBack));
    expect(r.headings[0]!.text).toBe('One-step deploy failed: rolled back to 1.4.2 (smoke test red)');
    expect(r.diagrams[0]!.barColors).toEqual([GREEN, GREEN, RED, GREEN, GREEN]);
    // Each stage's own summary one level below the headline, none repeated.
    expect(r.headings.filter((h) => h.level === 3).map((h) => h.text.split(' ')[0])).toEqual([
      'render-env',
      'remote-deploy',
      'Smoke',
      'remote-deploy',
      'Smoke',
    ]);
  });
});

describe('remote-deploy', () => {
  test('3 hosts: a bar per host, then the slowest host by step', async () => {
    const r = await render(
      'remote-deploy-3-hosts',
      remoteDeployMarkdown(fleet(3), 'deployed 1.5.0 to 3 hosts'),
    );
    expect(r.diagrams[0]!.sections).toEqual(['hosts', 'web3.prod.example.net']);
    expect(r.diagrams[0]!.barColors.every((c) => c === GREEN)).toBe(true);
  });

  test('20 hosts, one red at its health gate: a fleet bar, the failed and slowest hosts, the red host by step', async () => {
    const r = await render(
      'remote-deploy-20-hosts',
      remoteDeployMarkdown(
        fleet(20, 13),
        'web14 failed its health gate; every switched host put back on 1.4.2',
      ),
    );
    const chart = r.diagrams[0]!;
    expect(chart.sections).toEqual(['fleet', 'failed and slowest', 'web14.prod.example.net']);
    expect(chart.bars).toBeLessThanOrEqual(25);
    // Red: the fleet bar, web14's bar and its health step (Mermaid draws the bars in start order).
    expect(chart.barColors.filter((c) => c === RED)).toHaveLength(3);
  });
});

describe('every other action, passed and failed', () => {
  const cases: [string, string][] = [
    ['render-env-passed', renderEnvMarkdown],
    ['smoke-test-passed', smokeGreen],
    ['smoke-test-failed', smokeRed],
    ['lint-gate-passed', lintPassed],
    ['lint-gate-failed', lintFailed],
    ['pip-audit-passed', auditPassed],
    ['pip-audit-failed', auditFailed],
    ['build-images-passed', buildPassed],
    ['build-images-failed', buildFailed],
    ['tag-release-passed', tagPassed],
    ['tag-release-failed', tagFailed],
  ];
  test.each(cases)('%s', async (name, markdown) => {
    await render(name, markdown);
  });

  test('the viewer is in India: an axis of epoch offsets (the old dateFormat x) would start at 30:00', async () => {
    const old =
      '## x\n\n```mermaid\ngantt\n  dateFormat x\n  axisFormat %M:%S\n  section s\n  a :done, a1, 0, 20000\n```';
    const r = await renderer.render('epoch-axis-in-india', old);
    expect(r.diagrams[0]!.ticks[0]).toBe('30:00');
  });

  test('a Mermaid syntax error fails the render', async () => {
    const r = await renderer.render(
      'mermaid-syntax-error',
      '## x\n\n```mermaid\ngantt\n  dateFormat x\n  oops :\n```',
    );
    expect(r.diagrams[0]!.error).toBeDefined();
  });
});
