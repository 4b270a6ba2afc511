import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@deploy-kit/harness';

// Two wiring rules the runner-driven tests cannot see from one workflow at a time:
// - GitHub's own actions in what we ship and document run on Node 24 releases, pinned by the
//   release's commit SHA (a Node 20 release prints a deprecation warning on every run and stops
//   working when the runners drop Node 20);
// - a `needs.<job>.outputs.<name>` in a README example reads an output that exists: one the job
//   declares when the block has the job, else one of our actions' outputs (a job passes those on).

/** Node 24 releases (runs.using: node24), SHA -> tag. Update together with the pins. */
const NODE24_RELEASES: Record<string, Record<string, string>> = {
  'actions/checkout': { '3d3c42e5aac5ba805825da76410c181273ba90b1': 'v7.0.1' },
  'actions/setup-python': { '5fda3b95a4ea91299a34e894583c3862153e4b97': 'v7.0.0' },
};

const SKIP = new Set(['node_modules', '.git', '.sandbox', 'dist', 'coverage', '__tests__']);

function files(dir = REPO_ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory())
      return SKIP.has(e.name) || (e.name.startsWith('.') && e.name !== '.github')
        ? []
        : files(path.join(dir, e.name));
    return /\.(ya?ml|md)$/.test(e.name) ? [path.join(dir, e.name)] : [];
  });
}

test('actions/checkout and actions/setup-python are pinned to a Node 24 release by commit SHA everywhere', () => {
  const wrong: string[] = [];
  for (const file of files()) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/uses:\s*(actions\/(?:checkout|setup-python))@(\S+)(?:\s*#\s*(\S+))?/g)) {
      const [, action = '', ref = '', comment] = m;
      const tag = NODE24_RELEASES[action]?.[ref];
      if (!tag || comment !== tag) wrong.push(`${path.relative(REPO_ROOT, file)}: ${m[0]}`);
    }
  }
  expect(wrong).toEqual([]);
});

function ourOutputs(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['.', ...fs.readdirSync(REPO_ROOT)]) {
    const file = path.join(REPO_ROOT, dir, 'action.yml');
    if (!fs.existsSync(file)) continue;
    const meta = parse(fs.readFileSync(file, 'utf8')) as { outputs?: Record<string, unknown> };
    for (const name of Object.keys(meta.outputs ?? {})) names.add(name);
  }
  return names;
}

test('README examples read only job outputs that exist', () => {
  const outputs = ourOutputs();
  const wrong: string[] = [];
  for (const file of files().filter((f) => f.endsWith('.md'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const block of text.matchAll(/```ya?ml\n([\s\S]*?)```/g)) {
      const yaml = block[1] ?? '';
      let jobs: Record<string, { outputs?: Record<string, unknown> }> | undefined;
      try {
        jobs = (parse(yaml) as { jobs?: typeof jobs } | null)?.jobs;
      } catch {
        jobs = undefined;
      }
      for (const m of yaml.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        const [ref, job = '', name = ''] = m;
        const ok = jobs?.[job] ? name in (jobs[job]?.outputs ?? {}) : outputs.has(name);
        if (!ok) wrong.push(`${path.relative(REPO_ROOT, file)}: ${ref}`);
      }
    }
  }
  expect(wrong).toEqual([]);
});
