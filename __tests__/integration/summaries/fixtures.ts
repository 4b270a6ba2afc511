import type { PipelineResult, StageRecord } from '../../../actions/deploy/src/pipeline';
import { PolicyFailure } from '@deploy-kit/shared';
import { summaryMarkdown as renderEnvSummary } from '../../../actions/render-env/src/summary';
import {
  summaryMarkdown as remoteSummary,
  type HostReport,
} from '../../../actions/remote-deploy/src/summary';
import { summaryMarkdown as smokeSummary } from '../../../actions/smoke-test/src/report';
import type { CheckResult } from '../../../actions/smoke-test/src/runner';

/** Realistic inputs for every summary builder: what a run on a small fleet records. */

const T0 = Date.UTC(2026, 11, 7, 9, 14, 3, 412);

/** A host's steps as remote-deploy's session records them, with durations in ms; `failAt` fails that step. */
export function hostRun(
  host: string,
  startMs: number,
  slow = 1,
  failAt?: string,
): HostReport & { endMs: number } {
  const plan: [string, number][] = [
    ['connect', 310],
    ['lock', 120],
    ['prepare', 240],
    ['upload', 880],
    ['check-release', 150],
    ['backup', 2100],
    ['login', 420],
    ['pull', 6400],
    ['migrate', 3100],
    ['switch', 1900],
    ['health', 2600],
    ['record', 90],
    ['unlock', 60],
  ];
  let t = T0 + startMs;
  const steps: HostReport['steps'] = [];
  for (const [name, ms] of plan) {
    const ok = name !== failAt;
    steps.push({ name, start: t, end: t + Math.round(ms * slow), ok });
    t += Math.round(ms * slow);
    if (!ok) break;
  }
  return {
    host,
    status: failAt ? 'failed' : 'deployed',
    previous: '1.4.2',
    version: failAt ? '1.4.2' : '1.5.0',
    migrated: !failAt,
    backup: failAt ? undefined : `/srv/app/backups/${host}-20261207T091403.sql.gz`,
    error: failAt ? `${failAt}: web answered 502 on http://127.0.0.1:8000/healthz after 20 s` : undefined,
    steps,
    endMs: t - T0,
  };
}

/** `n` hosts deployed in batches of 5; with `failed`, that host is red at its health gate and the others put back. */
export function fleet(n: number, failed?: number): HostReport[] {
  return Array.from({ length: n }, (_, i) => {
    const r = hostRun(
      `web${i + 1}.prod.example.net`,
      Math.floor(i / 5) * 19_000,
      1 + ((i * 7) % 5) / 10,
      i === failed ? 'health' : undefined,
    );
    return failed === undefined || i === failed ? r : { ...r, status: 'rolled-back', version: '1.4.2' };
  });
}

export function remoteDeployMarkdown(reports: HostReport[], outcome: string): string {
  return remoteSummary({ version: '1.5.0', dryRun: false, rollbackTo: false, outcome, reports });
}

export const renderEnvMarkdown = renderEnvSummary({
  template: 'deploy/env.template',
  environment: 'production',
  output: '.deploy/.env',
  written: true,
  dryRun: false,
  keys: [
    { key: 'DEBUG', line: 3, secret: false, sources: ['vars'] },
    { key: 'SECRET_KEY', line: 4, secret: true, sources: ['vault'] },
    { key: 'DATABASE_URL', line: 5, secret: true, sources: ['vars', 'secrets'] },
    { key: 'ALLOWED_HOSTS', line: 6, secret: false, sources: ['vars'] },
  ],
  layers: [
    { source: 'deploy/group_vars/all/vars.yml', namespace: 'vars', encryption: 'none', keys: ['a', 'b'] },
    {
      source: 'deploy/group_vars/production/vault.yml',
      namespace: 'vault',
      encryption: 'file',
      vaultFormat: '1.1',
      keys: ['k'],
    },
  ],
  policy: { name: 'django-production', violations: [] },
  sha256: '3f'.repeat(32),
});

const status = (seen: string, passed = true) => ({ name: 'status', passed, expected: '200', seen });

export const greenChecks: CheckResult[] = [
  { name: 'home', group: 'check', passed: true, attempts: 1, durationMs: 84, assertions: [status('200')] },
  {
    name: 'login page',
    group: 'journey',
    passed: true,
    attempts: 1,
    durationMs: 131,
    assertions: [status('200')],
  },
  {
    name: 'healthz',
    group: 'check',
    passed: true,
    attempts: 2,
    durationMs: 1210,
    assertions: [status('200')],
  },
] as CheckResult[];

export const redChecks: CheckResult[] = [
  greenChecks[0]!,
  {
    name: 'login page',
    group: 'journey',
    passed: false,
    attempts: 1,
    durationMs: 95,
    definitive: true,
    failure: 'status: expected 200, saw 500',
    assertions: [status('500', false)],
  } as CheckResult,
];

export const smokeGreen = smokeSummary(greenChecks, 'https://app.example.net/', 1_420);
export const smokeRed = smokeSummary(redChecks, 'https://app.example.net/', 2_310);

function stage(
  name: StageRecord['stage'],
  startMs: number,
  endMs: number,
  detail: string,
  summary: string,
  st: StageRecord['status'] = 'passed',
): StageRecord {
  return { stage: name, status: st, startMs, endMs, detail, summary, results: {} };
}

const hosts3 = fleet(3);
const deployEnd = 820 + Math.max(...hosts3.map((h) => (h as ReturnType<typeof hostRun>).endMs));

/** The one-step deploy's result: render, deploy to 3 hosts, smoke test green. */
export const deployPassed: PipelineResult = {
  version: '1.5.0',
  previousVersion: '1.4.2',
  rolledBack: false,
  rollbackReason: '',
  stages: [
    stage('render-env', 3, 812, 'wrote .deploy/.env: 4 keys, 2 secret', renderEnvMarkdown),
    stage(
      'remote-deploy',
      820,
      deployEnd,
      '3 hosts on 1.5.0',
      remoteDeployMarkdown(hosts3, 'deployed 1.5.0 to 3 hosts'),
    ),
    stage('smoke-test', deployEnd + 5, deployEnd + 1_425, '3 passed, 0 failed', smokeGreen),
  ],
};

/** The same deploy whose smoke test is red: rolled back to 1.4.2 and verified. */
export const deployRolledBack: PipelineResult = {
  version: '1.4.2',
  previousVersion: '1.4.2',
  rolledBack: true,
  rollbackReason: 'smoke-test',
  stages: [
    ...deployPassed.stages.slice(0, 2),
    stage('smoke-test', deployEnd + 5, deployEnd + 2_315, "check 'login page' failed", smokeRed, 'failed'),
    stage(
      'rollback',
      deployEnd + 2_320,
      deployEnd + 9_800,
      '3 hosts back on 1.4.2',
      remoteSummary({
        version: '1.4.2',
        dryRun: false,
        rollbackTo: true,
        outcome: 'rolled back to 1.4.2 on 3 hosts',
        reports: fleet(3).map((h) => ({
          ...h,
          version: '1.4.2',
          previous: '1.5.0',
          migrated: false,
          backup: undefined,
        })),
      }),
    ),
    stage('rollback-smoke-test', deployEnd + 9_805, deployEnd + 11_200, '3 passed, 0 failed', smokeGreen),
  ],
  failure: new PolicyFailure(
    "The smoke test of 1.5.0 failed (check 'login page': status: expected 200, saw 500); rolled back to 1.4.2 on every host, and its smoke test passed.",
  ),
};
