import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  actionHelp,
  deployKitMain,
  isSecretInput,
  mainHelp,
  parseCli,
  REPO_ROOT,
  secretInputsOf,
  wrap,
} from '@deploy-kit/harness';

const ACTIONS = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'actions.json'), 'utf8'),
) as Record<string, string>;

interface Meta {
  description: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
}
function meta(folder: string): Meta {
  return parse(fs.readFileSync(path.join(REPO_ROOT, folder, 'action.yml'), 'utf8')) as Meta;
}
/** Help text with its wrapping undone, to look for whole sentences in it. */
const flat = (text: string): string => text.replace(/\s+/g, ' ');

/** What a CLI call printed and returned. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await deployKitMain(argv, {
    out: { write: (t: string) => (out += t) },
    err: { write: (t: string) => (err += t) },
  });
  return { code, out, err };
}

test('deploy-kit --help lists all eight actions, each with its description from action.yml', async () => {
  expect(Object.keys(ACTIONS)).toHaveLength(8);
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const { code, out, err } = await cli(argv);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toBe(mainHelp());
  }
  const help = mainHelp();
  for (const [name, folder] of Object.entries(ACTIONS)) {
    expect(help).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(flat(help)).toContain(flat(meta(folder).description));
  }
  expect(help).toContain('exit status: 0 the action passed, 1 it failed');
});

test('deploy-kit <action> --help shows the description and every input: default, required, secret', async () => {
  for (const [name, folder] of Object.entries(ACTIONS)) {
    const { code, out } = await cli([name, '--help']);
    expect(code).toBe(0);
    expect(out).toBe(actionHelp(name));
    const m = meta(folder);
    expect(flat(out)).toContain(flat(m.description));
    const secrets = secretInputsOf(name, Object.keys(m.inputs ?? {})).names;
    for (const [input, spec] of Object.entries(m.inputs ?? {})) {
      const head = new RegExp(`^  ${input}(  \\((.*)\\))?$`, 'm').exec(out);
      expect([input, head !== null]).toEqual([input, true]);
      const facts = head?.[2] ?? '';
      expect([input, facts.includes('required')]).toEqual([input, spec.required === true]);
      expect([input, facts.includes('secret')]).toEqual([input, secrets.includes(input)]);
      const shown =
        spec.default === undefined || String(spec.default) === '' ? undefined : String(spec.default);
      if (shown !== undefined && !/\n/.test(shown)) expect(facts).toContain(`default: ${shown}`);
      else if (shown === undefined) expect(facts).not.toContain('default:');
      if (spec.description) expect(flat(out)).toContain(flat(spec.description));
    }
  }
});

test('an action help is exact where it matters: render-env', () => {
  const help = actionHelp('render-env');
  expect(help.startsWith('deploy-kit render-env\n  Render a dotenv file ')).toBe(true);
  expect(help).toContain('\n  template  (required)\n      Path (inside the repository) of the env template:');
  expect(help).toContain('\n  vault-password  (secret: --input-file or --input-env only)\n');
  expect(help).toContain('\n  output  (default: .env)\n');
  expect(help).toContain('usage: deploy-kit render-env [--workspace DIR]');
});

test('help after other flags still helps; help for an unknown action is a usage error', async () => {
  expect(parseCli(['smoke-test', '--input', 'url=x', '--help'])).toEqual({ help: actionHelp('smoke-test') });
  expect(parseCli(['help', 'lint-gate'])).toEqual({ help: actionHelp('lint-gate') });
  const { code, out, err } = await cli(['nope', '--help']);
  expect({ code, out }).toEqual({ code: 2, out: '' });
  expect(err).toMatch(/^deploy-kit: unknown action 'nope'; one of: deploy, lint-gate, /);
  expect(err).toContain('usage: deploy-kit <action>');
});

test('usage errors exit 2 and print to stderr only', async () => {
  for (const argv of [[], ['deploy', '--frob'], ['render-env', '--input', 'vault-password=x']]) {
    const { code, out, err } = await cli(argv);
    expect({ argv, code, out }).toEqual({ argv, code: 2, out: '' });
    expect(err).toMatch(/^deploy-kit: /);
  }
});

test('wrap fills lines up to the width with a hanging indent', () => {
  expect(wrap('aa bb cc dd ee', 10, 2)).toBe('  aa bb cc\n  dd ee');
  expect(wrap('aa bb cc', 8, 4, 0)).toBe('aa bb cc');
  expect(wrap('averyveryverylongword x', 10, 2)).toBe('  averyveryverylongword\n  x');
});

test('secret inputs: the action’s own list when it declares one, else the name rule', () => {
  const declared = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, 'packages/harness/src/secret-inputs.json'), 'utf8'),
  ) as Record<string, string[]>;
  for (const [name, folder] of Object.entries(ACTIONS)) {
    const inputs = Object.keys(meta(folder).inputs ?? {});
    const result = secretInputsOf(name, inputs);
    if (declared[name])
      expect(result).toEqual({
        names: inputs.filter((i) => declared[name]?.includes(i)),
        source: 'action.ts',
      });
    else expect(result).toEqual({ names: inputs.filter(isSecretInput), source: 'name rule' });
  }
});

test('the committed secret-inputs.json is what the actions declare now', () => {
  const check = spawnSync(process.execPath, ['scripts/secret-inputs.mjs', '--check'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
}, 60_000); // loads every action's module graph: seconds on a busy machine

test('the generator reads secretInputs from the definition an action.ts exports', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-secret-inputs-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'action.ts'),
      [
        "import { InputReader, type ActionDefinition, type RawInputs } from '@deploy-kit/shared';",
        "import defaults from './action-defaults.json';",
        "const SECRET = ['vault-password', 'secrets'] as const;",
        'export interface Inputs { template: string }',
        'export const fooAction: ActionDefinition<Inputs, { results: object }> = {',
        "  name: 'foo', secretInputs: SECRET, defaults,",
        "  parseInputs(raw: RawInputs) { const read = new InputReader(raw, defaults); return { template: read.string('template') }; },",
        "  async run() { return { outputs: { results: { status: 'passed' } }, summary: '' }; },",
        '};',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'action-defaults.json'), '{"template": "x"}\n');
    fs.writeFileSync(path.join(dir, 'broken.ts'), 'export const x: number = ;\n');
    const run = spawnSync(
      process.execPath,
      ['scripts/secret-inputs.mjs', '--collect', `foo=${dir}/action.ts`, `bar=${dir}/broken.ts`],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ foo: ['secrets', 'vault-password'] });
    expect(run.stderr).toMatch(/^secret-inputs: bar: .*broken\.ts not used/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
