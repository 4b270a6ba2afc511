import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@deploy-kit/harness';
import { parseDuration } from '@deploy-kit/shared';

/**
 * The written conventions (root README, "Conventions") enforced over every action.yml: one name
 * per concept, one meaning per output. A new input or output that breaks them fails here, with
 * the rule it breaks.
 */

const ACTIONS = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scripts/actions.json'), 'utf8')) as Record<
  string,
  string
>;

interface Meta {
  inputs?: Record<string, { description?: string; default?: unknown; required?: boolean }>;
  outputs?: Record<string, { description?: string }>;
}

/** Names retired for the one name of their concept (the replacement is said in the failure). */
const RETIRED: Record<string, string> = {
  username: 'registry-username',
  password: 'registry-password',
  concurrency: 'parallel',
  'max-parallel': 'parallel',
  check: 'dry-run',
  'tool-timeout': 'timeout',
  'retry-deadline': 'timeout (or <part>-timeout)',
};

/** Output names that must not be used: their meaning differed between actions. */
const RETIRED_OUTPUTS: Record<string, string> = {
  passed: "results.status (or 'passed-count')",
  failed: "results.status (or 'failed-count', 'failed-tools')",
  plan: 'results',
  vulnerabilities: 'vulnerability-count',
  fixable: 'fixable-count',
};

function meta(folder: string): Meta {
  return parse(fs.readFileSync(path.join(REPO_ROOT, folder, 'action.yml'), 'utf8')) as Meta;
}

describe.each(Object.entries(ACTIONS))('%s follows the conventions', (name, folder) => {
  const m = meta(folder);
  const inputs = m.inputs ?? {};
  const outputs = m.outputs ?? {};

  test('input names: kebab-case, none retired', () => {
    const problems: string[] = [];
    for (const input of Object.keys(inputs)) {
      if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(input)) problems.push(`${input}: not kebab-case`);
      if (input in RETIRED) problems.push(`${input}: retired, use '${RETIRED[input]}'`);
      if (/deadline/.test(input)) problems.push(`${input}: a time limit is '<part>-timeout'`);
      if (/(^|-)(username|password)$/.test(input) && !/^registry-/.test(input) && input !== 'vault-password')
        problems.push(`${input}: registry credentials are registry-username / registry-password`);
    }
    expect(problems).toEqual([]);
  });

  test('every action has working-directory, default "."', () => {
    expect(inputs['working-directory']?.default).toBe('.');
  });

  test('time limits are durations named *timeout', () => {
    const problems: string[] = [];
    for (const [input, spec] of Object.entries(inputs)) {
      if (!/(^|-)timeout$/.test(input) || spec.default === undefined) continue;
      try {
        parseDuration(input, String(spec.default));
      } catch {
        problems.push(`${input}: default '${String(spec.default)}' is not a duration`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('yes/no inputs default to true or false; dry-run is one', () => {
    // pip-audit's `fail-on` is a threshold (any, low, medium, high, critical), not a yes/no.
    const THRESHOLDS = ['fail-on'];
    for (const [input, spec] of Object.entries(inputs)) {
      if (THRESHOLDS.includes(input)) continue;
      if (input === 'dry-run' || /^(allow|fail|insecure|strict|move|fixable)-/.test(input))
        expect([`${input}=true`, `${input}=false`]).toContain(`${input}=${String(spec.default)}`);
    }
  });

  test('python defaults to python3 wherever it is an input', () => {
    if (inputs.python) expect(inputs.python.default).toBe('python3');
  });

  test('results: a JSON object with status, in every action', () => {
    const description = outputs.results?.description ?? '';
    expect(description).toMatch(/^JSON object/);
    expect(description).toMatch(/\bstatus\b/);
  });

  test('output names: kebab-case, counts end in -count, none retired', () => {
    const problems: string[] = [];
    for (const [output, spec] of Object.entries(outputs)) {
      if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(output)) problems.push(`${output}: not kebab-case`);
      if (output in RETIRED_OUTPUTS) problems.push(`${output}: retired, use ${RETIRED_OUTPUTS[output]}`);
      const description = spec.description ?? '';
      if (/^(The )?(number|count) of\b/i.test(description) && !output.endsWith('-count'))
        problems.push(`${output}: a count is named *-count`);
      if (output.endsWith('-count') && !/number|count/i.test(description))
        problems.push(`${output}: *-count says what it counts ("Number of ...")`);
    }
    expect(problems).toEqual([]);
  });

  test('every input and output is described', () => {
    for (const [n, spec] of [...Object.entries(inputs), ...Object.entries(outputs)])
      expect(`${n}: ${(spec.description ?? '').trim().length > 10 ? 'described' : 'missing'}`).toBe(
        `${n}: described`,
      );
  });

  test(`${name}'s typed entry point exports secretInputs that action.yml declares`, () => {
    const file = path.join(REPO_ROOT, 'actions', name, 'src', 'action.ts');
    expect(fs.existsSync(file)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as Record<string, { secretInputs?: readonly string[] }>;
    const definition = Object.values(mod).find((v) => v && typeof v === 'object' && 'secretInputs' in v);
    expect(definition).toBeDefined();
    for (const secret of definition?.secretInputs ?? []) expect(Object.keys(inputs)).toContain(secret);
  });
});
