import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@deploy-kit/harness';
import { rootNameOf } from '../../../actions/deploy/src/inputs';

/**
 * Every input name an action's code reads is declared in its action.yml, and every declared
 * input is read: a typo in either place is otherwise an input silently ignored (the runner
 * sets INPUT_<NAME> only for declared names, and warns about nothing).
 */

const ACTIONS = Object.entries(
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scripts/actions.json'), 'utf8')) as Record<string, string>,
);

/** The input readers of packages/shared/src/inputs.ts (the runner's, and an InputReader named `read`) and @actions/core. */
const READER = String.raw`(?:\b(?:get(?:String|Raw|Boolean|List|Enum|Integer|Duration)|getInput|getBooleanInput|getMultilineInput)|\bread\.(?:string|raw|boolean|list|enum|integer|duration|has))(?:<[^>()]*>)?\(`;
const LITERAL_READ = new RegExp(`${READER}\\s*['"\`]([^'"\`]+)['"\`]`, 'g');
const ANY_READ = new RegExp(`${READER}\\s*([^\\s)])`, 'g');

/** Reads by a computed name that are known and checked elsewhere (none today). */
const KNOWN_DYNAMIC: RegExp[] = [];

/**
 * The one-step deploy (the root action) reads its stages' inputs through their own parsers, under
 * the root names of actions/deploy/src/stage-inputs.json (smoke-test's `timeout` is the root's
 * `smoke-timeout`; render-env's `dry-run` is left out: the root's dry run renders).
 */
const STAGES = ['render-env', 'remote-deploy', 'smoke-test'] as const;

function sourcesRead(source: string): { names: Set<string>; dynamic: string[] } {
  if (source !== 'deploy') return inputsRead(sources(path.join(REPO_ROOT, 'actions', source, 'src')));
  const own = inputsRead(sources(path.join(REPO_ROOT, 'actions', 'deploy', 'src')));
  const names = new Set(own.names);
  const dynamic = [...own.dynamic];
  for (const stage of STAGES) {
    const read = inputsRead(sources(path.join(REPO_ROOT, 'actions', stage, 'src')));
    for (const name of read.names) {
      const rootName = rootNameOf(stage, name);
      if (rootName !== undefined) names.add(rootName);
    }
    dynamic.push(...read.dynamic);
  }
  return { names, dynamic };
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Names read in the action's source, and any read whose name is not a literal (which this test cannot check). */
export function inputsRead(files: readonly string[]): { names: Set<string>; dynamic: string[] } {
  const names = new Set<string>();
  const dynamic: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(LITERAL_READ)) names.add(m[1] as string);
    for (const m of text.matchAll(ANY_READ))
      if (!/['"`]/.test(m[1] as string))
        dynamic.push(`${path.relative(REPO_ROOT, file)}: ${text.slice(m.index, (m.index ?? 0) + 60)}`);
  }
  return { names, dynamic };
}

test('the scanner sees literal reads and flags computed ones', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'input-names-'));
  try {
    const file = path.join(tmp, 'x.ts');
    fs.writeFileSync(
      file,
      "getString('a-b');\ncore.getInput(\"c\");\ngetEnum(\n  'd', []);\ngetEnum<Mode>('e', []);\ngetRaw(name);\nread.duration('f');\nread.enum<Mode>('g', []);\n",
    );
    const { names, dynamic } = inputsRead([file]);
    expect([...names].sort()).toEqual(['a-b', 'c', 'd', 'e', 'f', 'g']);
    expect(dynamic).toHaveLength(1);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

describe.each(ACTIONS)('%s', (source, folder) => {
  const meta = parse(fs.readFileSync(path.join(REPO_ROOT, folder, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, unknown>;
  };
  const declared = new Set(Object.keys(meta.inputs ?? {}));
  const { names, dynamic } = sourcesRead(source);

  test('reads every input by a literal name', () => {
    expect(dynamic.filter((d) => !KNOWN_DYNAMIC.some((k) => k.test(d)))).toEqual([]);
  });

  test('every input read is declared in action.yml', () => {
    expect([...names].filter((n) => !declared.has(n)).sort()).toEqual([]);
  });

  test('every input declared in action.yml is read', () => {
    expect([...declared].filter((n) => !names.has(n)).sort()).toEqual([]);
  });
});
