import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@deploy-kit/harness';
import { InputError } from '@deploy-kit/shared';
import { rootNameOf, smokeFor, stageInputs, varsWithVersion } from '../../../actions/deploy/src/inputs';
import type { Inputs as SmokeInputs } from '../../../actions/smoke-test/src/inputs';

describe('varsWithVersion: the deployed version reaches the template as vars.version', () => {
  test('added to empty, YAML and JSON vars', () => {
    expect(parse(varsWithVersion('', '2.0'))).toEqual({ version: '2.0' });
    expect(parse(varsWithVersion('port: 8000\nhosts:\n  - a\n', '2.0'))).toEqual({
      port: 8000,
      hosts: ['a'],
      version: '2.0',
    });
    expect(JSON.parse(varsWithVersion('{"port": 8000}', '2.0'))).toEqual({ port: 8000, version: '2.0' });
  });

  test('the same version given twice is fine; two different ones are an input error', () => {
    expect(varsWithVersion('version: "2.0"\n', '2.0')).toBe('version: "2.0"\n');
    expect(() => varsWithVersion('version: 1.9\n', '2.0')).toThrow(InputError);
    expect(() => varsWithVersion('version: 1.9\n', '2.0')).toThrow(
      "'vars' sets version to '1.9' but 'version' is '2.0'; give the version once, in 'version'.",
    );
  });

  test('text render-env will reject is left for render-env to report', () => {
    expect(varsWithVersion('- a list', '2.0')).toBe('- a list');
    expect(varsWithVersion('a: [unclosed', '2.0')).toBe('a: [unclosed');
    expect(varsWithVersion('x: 1', '')).toBe('x: 1');
  });
});

describe("stageInputs: each stage gets its own inputs, cut from the root's as a plain object", () => {
  const root = {
    parallel: '4',
    'smoke-parallel': '20',
    'smoke-timeout': '30s',
    'request-timeout': '5s',
    'dry-run': 'true',
    'working-directory': 'app',
    hosts: 'web1',
  };

  test("smoke-test's renamed inputs go back to its own names; remote-deploy's parallel is not its", () => {
    const smoke = stageInputs('smoke-test', root);
    expect(smoke).toMatchObject({
      parallel: '20',
      timeout: '30s',
      'request-timeout': '5s',
      'working-directory': 'app',
    });
    expect('smoke-parallel' in smoke).toBe(false);
  });

  test('remote-deploy keeps parallel and dry-run; render-env gets no dry-run (the root renders on a dry run)', () => {
    expect(stageInputs('remote-deploy', root)).toMatchObject({
      parallel: '4',
      'dry-run': 'true',
      hosts: 'web1',
    });
    expect('smoke-timeout' in stageInputs('remote-deploy', root)).toBe(false);
    expect('dry-run' in stageInputs('render-env', root)).toBe(false);
  });

  test('overrides are what an earlier stage produced', () => {
    expect(stageInputs('remote-deploy', root, { 'env-file': '/w/.env' })['env-file']).toBe('/w/.env');
  });

  test('rootNameOf names a stage input as the root action declares it', () => {
    expect(rootNameOf('smoke-test', 'timeout')).toBe('smoke-timeout');
    expect(rootNameOf('remote-deploy', 'parallel')).toBe('parallel');
    expect(rootNameOf('render-env', 'dry-run')).toBeUndefined();
  });
});

const smoke = {
  url: 'https://app.example.com/',
  suites: ['version', 'https'],
  suite: { version: { expected: undefined, jsonPath: '$.version' } },
} as unknown as SmokeInputs;

test('smokeFor: the deployed version, the pinned one, and the previous one for the rollback', () => {
  expect(smokeFor(smoke, '2.0', false, '').suite.version.expected).toBe('2.0');
  expect(smokeFor(smoke, '2.0', false, 'v2-app').suite.version.expected).toBe('v2-app');
  expect(smokeFor(smoke, '1.0', true, '').suite.version.expected).toBe('1.0');
  // Pinned: what the previous release reports is unknown, so its version suite is left out.
  expect(smokeFor(smoke, '1.0', true, 'v2-app').suites).toEqual(['https']);
  expect(smoke.suite.version.expected).toBeUndefined();
});

describe('the root action.yml', () => {
  const meta = parse(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { description: string; required?: boolean }>;
    outputs: Record<string, unknown>;
  };

  test('is generated from the three actions and up to date', () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/root-action.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('takes every input of render-env, remote-deploy and smoke-test under its root name (stage-inputs.json)', () => {
    for (const stage of ['render-env', 'remote-deploy', 'smoke-test'] as const) {
      const own = parse(fs.readFileSync(path.join(REPO_ROOT, stage, 'action.yml'), 'utf8')) as {
        inputs: Record<string, unknown>;
      };
      for (const name of Object.keys(own.inputs)) {
        const rootName = rootNameOf(stage, name);
        if (rootName === undefined) continue;
        const owner = rootName === 'working-directory' ? 'every stage' : stage;
        expect(meta.inputs[rootName]?.description).toMatch(new RegExp(`^\\(${owner}\\) `));
      }
    }
    expect(meta.inputs.template?.required).toBe(false);
    // The one rule where the composition changes an input, in that input's description.
    const rules: Record<string, RegExp> = {
      template: /Optional here: without it render-env does not run/,
      'env-file': /With 'template', leave this empty/,
      vars: /The deployed 'version' is added as vars\.version/,
      version: /Also the template's vars\.version/,
      'rollback-to': /does not roll back a rollback/,
      url: /Required here \(or 'checks'\)/,
      'expect-version': /Default here: the version this step deploys/,
    };
    for (const [name, rule] of Object.entries(rules)) expect(meta.inputs[name]?.description).toMatch(rule);
    expect(meta.inputs['dry-run']?.description).toMatch(/dry run is not an input here/);
    expect(Object.keys(meta.outputs)).toEqual([
      'version',
      'previous-version',
      'rolled-back',
      'rollback-reason',
      'results',
    ]);
  });
});
