import { PolicyFailure, ToolError } from '@deploy-kit/shared';
import { summaryMarkdown as buildSummary } from '../../../actions/build-images/src/report';
import type { GateReport } from '../../../actions/lint-gate/src/types';
import { summaryMarkdown as lintSummary } from '../../../actions/lint-gate/src/summary';
import { summaryMarkdown as auditSummary, type Report } from '../../../actions/pip-audit/src/report';
import type { Plan } from '../../../actions/tag-release/src/plan';
import { finish } from '../../../actions/tag-release/src/results';
import { planJson } from '../../../actions/tag-release/src/summary';

/** lint-gate, pip-audit, build-images and tag-release summaries from their builders, with realistic results. */

const gate = (over: Partial<GateReport>): GateReport => ({
  gate: 'black',
  status: 'passed',
  headline: 'formatted',
  findings: [],
  counts: {},
  durationMs: 640,
  version: '24.2.0',
  ...over,
});

const lintBase = {
  versions: { python: '3.11.2', black: '24.2.0', flake8: '7.0.0' },
  python: '/usr/bin/python3',
  workingDirectory: '.',
  repoRoot: '/home/runner/work/app/app',
  annotated: 0,
};

export const lintPassed = lintSummary({
  ...lintBase,
  reports: [gate({}), gate({ gate: 'flake8', headline: 'no findings', version: '7.0.0' })],
  findings: [],
});

const findings = [
  {
    tool: 'flake8' as const,
    level: 'warning' as const,
    file: '/home/runner/work/app/app/shop/views.py',
    line: 12,
    title: 'flake8 F401',
    message: "'os' imported but unused",
  },
  {
    tool: 'flake8' as const,
    level: 'warning' as const,
    file: '/home/runner/work/app/app/shop/models.py',
    line: 88,
    title: 'flake8 E501',
    message: 'line too long (131 > 120 characters)',
  },
];

export const lintFailed = lintSummary({
  ...lintBase,
  reports: [
    gate({
      status: 'findings',
      headline: '1 file would be reformatted',
      diff: '--- shop/urls.py\n+++ shop/urls.py\n@@ -1,2 +1,2 @@\n-urlpatterns = [ path("", views.home) ]\n+urlpatterns = [path("", views.home)]\n',
    }),
    gate({ gate: 'flake8', status: 'findings', headline: '2 findings', findings, version: '7.0.0' }),
  ],
  findings,
  annotated: 2,
});

const report = (over: Partial<Report>): Report => ({
  reportVersion: 1,
  generatedAt: '2026-12-07T09:14:03Z',
  pipAudit: '2.7.3',
  passed: true,
  vulnerabilities: 0,
  bySeverity: {},
  findings: [],
  stale: [],
  expired: [],
  expiringSoon: [],
  skipped: [],
  unknownPins: [],
  ...over,
});

export const auditPassed = auditSummary(report({}), 'fail on high and above', undefined);
export const auditFailed = auditSummary(
  report({
    passed: false,
    vulnerabilities: 2,
    bySeverity: { critical: 1, medium: 1 },
    findings: [
      {
        key: 'requirements.txt|django|CVE-2022-22818',
        id: 'PYSEC-2022-1',
        advisory: 'CVE-2022-22818',
        aliases: ['CVE-2022-22818', 'GHSA-95rw-fx8r-36v6'],
        package: 'django',
        version: '3.2.10',
        file: 'requirements.txt',
        line: 3,
        severity: 'critical',
        score: 9.8,
        fixedIn: '3.2.12',
        breaking: true,
      },
      {
        key: 'requirements.txt|requests|CVE-2023-32681',
        id: 'GHSA-j8r2-6x86-q33q',
        advisory: 'CVE-2023-32681',
        aliases: ['CVE-2023-32681'],
        package: 'requests',
        version: '2.25.0',
        file: 'requirements.txt',
        line: 7,
        severity: 'medium',
        score: 6.1,
        fixedIn: '2.31.0',
        breaking: false,
      },
    ],
  }),
  'fail on high and above',
  'django 3.2.10 has a critical vulnerability (PYSEC-2022-1), fixed in 3.2.12.',
);

const digest = `sha256:${'4e'.repeat(32)}`;
const builds = [
  {
    services: ['web', 'celery'],
    repositories: ['ghcr.io/example/app'],
    tags: ['1.5.0', 'sha-0123456'],
    digest,
    imageId: `sha256:${'9a'.repeat(32)}`,
    sizeBytes: 187_000_000,
    buildMs: 48_200,
    cacheHits: 9,
    steps: 12,
    pushed: true,
  },
];
export const buildPassed = buildSummary(builds, 'docker build (BuildKit)');
/** As build-images' own failure path writes it: the builds so far, then the failure sentence. */
export const buildFailed = [
  buildSummary(builds, 'docker build (BuildKit)', 'build-images failed'),
  `**${new ToolError('Pushing ghcr.io/example/app:1.5.0 failed: denied: permission_denied (write_package).').message}**`,
].join('\n\n');

const plan: Plan = {
  mode: 'auto',
  sha: '0123456789abcdef0123456789abcdef01234567',
  bump: 'minor',
  version: '1.5.0',
  tag: 'v1.5.0',
  previousTag: 'v1.4.2',
  prerelease: false,
  resumed: false,
  reason: '2 changes since v1.4.2 call for a minor release.',
  deciding: [
    {
      sha: 'a'.repeat(40),
      type: 'feat',
      scope: 'shop',
      subject: 'search by SKU',
      breaking: false,
      notes: [],
      from: 'subject',
    },
  ],
  changes: { changes: [], unconventional: [] },
};
const notes =
  '### Features\n\n- **shop:** search by SKU (aaaaaaa)\n\n### Fixes\n\n- checkout total rounding (bbbbbbb)';
const planned = {
  plan,
  notes,
  floating: [{ name: 'v1', scope: { major: 1 } }],
  json: planJson(plan, [], notes),
};
const repoUrl = 'https://github.com/example/app';

export const tagPassed = finish({
  planned,
  done: {
    tag: 'pushed',
    release: { url: `${repoUrl}/releases/tag/v1.5.0`, outcome: 'created' },
    moved: [{ name: 'v1', outcome: 'moved' }],
    dryRun: false,
  },
  repoUrl,
}).summary;
export const tagFailed = finish({
  planned,
  done: { moved: [], dryRun: false },
  repoUrl,
  failure: new PolicyFailure(
    'The tag v1.5.0 already exists on another commit (89abcde): refusing to move a release tag.',
  ),
}).summary;
