import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '@deploy-kit/harness';

// Docs must not promise inputs that do not exist: the runner only warns about
// an unknown `with:` key and goes on without it (build-images' README once passed
// `compose-override:` to remote-deploy, so nothing was pinned). Every `with:` key
// of every step that uses one of our actions — in every README's code blocks and
// in every workflow we ship — must be declared by the action.yml it references:
//   org/deploy-kit/<name>@ref → <name>/action.yml
//   org/deploy-kit@ref        → action.yml (the root action)
//   ./<name>, ./              → the same files, from this repository's workflows
// Nothing is skipped: a block that cannot be parsed, a reference to a folder
// without action.yml, and a stub action.yml that declares no inputs are all
// reported.

const OWN_ACTION = /^org\/deploy-kit(?:\/([A-Za-z0-9_.-]+))?@\S+$/;
const LOCAL_ACTION = /^\.\/?([A-Za-z0-9_.-]*?)\/?$/;
const SKIP_DIRS = new Set(['node_modules', '.git', '.sandbox', 'dist', 'coverage']);

interface Source {
  /** Repository-relative file, with the code block's first line for READMEs. */
  where: string;
  text: string;
}

function readmes(dir = REPO_ROOT): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.'))
        found.push(...readmes(path.join(dir, entry.name)));
    } else if (entry.name === 'README.md') {
      found.push(path.relative(REPO_ROOT, path.join(dir, entry.name)));
    }
  }
  return found.sort();
}

/** Fenced code blocks that contain a `uses:` (any language tag: an untagged block is still an example). */
export function codeBlocks(file: string, markdown: string): Source[] {
  const blocks: Source[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})/.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[2] as string;
    const indent = (open[1] as string).length;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end] as string).trimStart().startsWith(fence)) end++;
    const text = lines
      .slice(start, end)
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    if (/^\s*-?\s*uses:/m.test(text)) blocks.push({ where: `${file}:${start + 1}`, text });
    i = end;
  }
  return blocks;
}

function workflowFiles(): string[] {
  return ['workflows-examples', '.github/workflows'].flatMap((dir) =>
    fs.existsSync(path.join(REPO_ROOT, dir))
      ? fs
          .readdirSync(path.join(REPO_ROOT, dir))
          .filter((f) => /\.ya?ml$/.test(f))
          .map((f) => path.join(dir, f))
      : [],
  );
}

interface Step {
  uses: string;
  with?: Record<string, unknown> | null;
}

/** Every mapping with a string `uses` anywhere in a parsed document (workflow, job, step list or one step). */
export function stepsIn(value: unknown, out: Step[] = []): Step[] {
  if (Array.isArray(value)) for (const v of value) stepsIn(v, out);
  else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.uses === 'string') out.push({ uses: o.uses, with: o.with as Step['with'] });
    for (const v of Object.values(o)) stepsIn(v, out);
  }
  return out;
}

/** The action.yml a `uses:` names, or undefined for someone else's action. */
export function actionFileFor(uses: string): string | undefined {
  const own = OWN_ACTION.exec(uses);
  if (own) return own[1] ? path.join(own[1], 'action.yml') : 'action.yml';
  const local = LOCAL_ACTION.exec(uses);
  if (local) return local[1] ? path.join(local[1], 'action.yml') : 'action.yml';
  return undefined;
}

const declared = new Map<string, Set<string> | string>();
/** The input names an action.yml declares, or a sentence saying why there are none to compare with. */
function inputsOf(file: string): Set<string> | string {
  const cached = declared.get(file);
  if (cached) return cached;
  let result: Set<string> | string;
  const full = path.join(REPO_ROOT, file);
  if (!fs.existsSync(full)) result = `${file} does not exist`;
  else {
    const meta = parse(fs.readFileSync(full, 'utf8')) as { inputs?: Record<string, unknown> | null };
    result =
      meta?.inputs && Object.keys(meta.inputs).length > 0
        ? new Set(Object.keys(meta.inputs))
        : `${file} declares no inputs (a stub?)`;
  }
  declared.set(file, result);
  return result;
}

/** Every `with:` key that the referenced action does not declare, as one line each. */
export function mismatches(source: Source): string[] {
  const problems: string[] = [];
  let docs: unknown[];
  try {
    docs = parseAllDocuments(source.text).map((d) => {
      if (d.errors.length > 0) throw d.errors[0];
      return d.toJS() as unknown;
    });
  } catch (error) {
    return [
      `${source.where}: a block with uses: that is not valid YAML (${(error as Error).message.split('\n')[0]})`,
    ];
  }
  for (const step of docs.flatMap((d) => stepsIn(d))) {
    const file = actionFileFor(step.uses);
    if (!file) continue;
    const keys = Object.keys(step.with ?? {});
    if (keys.length === 0) continue;
    const inputs = inputsOf(file);
    if (typeof inputs === 'string') {
      problems.push(`${source.where}: ${step.uses} with ${keys.join(', ')}: ${inputs}`);
      continue;
    }
    for (const key of keys.filter((k) => !inputs.has(k)))
      problems.push(`${source.where}: ${step.uses} with '${key}', which ${file} does not declare`);
  }
  return problems;
}

const sources: Source[] = [
  ...readmes().flatMap((file) => codeBlocks(file, fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'))),
  ...workflowFiles().map((file) => ({
    where: file,
    text: fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'),
  })),
];

describe('the checker itself', () => {
  test('finds steps at any depth and maps each kind of reference to its action.yml', () => {
    const doc = parse(
      'jobs:\n  a:\n    steps:\n      - uses: org/deploy-kit/smoke-test@v1\n        with: { url: x }\n',
    );
    expect(stepsIn(doc)).toEqual([{ uses: 'org/deploy-kit/smoke-test@v1', with: { url: 'x' } }]);
    expect(actionFileFor('org/deploy-kit/remote-deploy@v1')).toBe('remote-deploy/action.yml');
    expect(actionFileFor('org/deploy-kit@v1.2.3')).toBe('action.yml');
    expect(actionFileFor('./smoke-test')).toBe('smoke-test/action.yml');
    expect(actionFileFor('./')).toBe('action.yml');
    expect(actionFileFor('actions/checkout@v4')).toBeUndefined();
  });

  test('reports an undeclared key, an unparsable block and a missing action.yml', () => {
    expect(
      mismatches({
        where: 'x',
        text: '- uses: org/deploy-kit/remote-deploy@v1\n  with:\n    compose-override: y\n',
      }),
    ).toEqual([
      "x: org/deploy-kit/remote-deploy@v1 with 'compose-override', which remote-deploy/action.yml does not declare",
    ]);
    expect(mismatches({ where: 'x', text: '- uses: org/deploy-kit/smoke-test@v1\n  with: [\n' })[0]).toMatch(
      /^x: a block with uses: that is not valid YAML/,
    );
    expect(mismatches({ where: 'x', text: 'uses: org/deploy-kit/nope@v1\nwith: { a: 1 }\n' })).toEqual([
      'x: org/deploy-kit/nope@v1 with a: nope/action.yml does not exist',
    ]);
  });

  test('reads every README and shipped workflow', () => {
    expect(sources.some((s) => s.where.startsWith('build-images/README.md:'))).toBe(true);
    expect(sources.some((s) => s.where === 'workflows-examples/deploy.yml')).toBe(true);
  });
});

test.each(sources.map((s) => [s.where, s] as const))(
  '%s: every with: key is an input of the action it uses',
  (_where, source) => {
    expect(mismatches(source)).toEqual([]);
  },
);
