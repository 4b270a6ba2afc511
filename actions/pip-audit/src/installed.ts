import type { ExpectedQuery } from './osv-relay';
import { normalizeName } from './requirements';
import { spawnBounded } from './spawn';

/**
 * The packages an interpreter has installed, as pip-audit will ask the OSV service about them in
 * `mode: environment` (#18 B6): the relay asks them ahead while pip-audit starts, lists them with
 * `pip list` and asks them one at a time. Read from the metadata folders' names on sys.path
 * (NAME-VERSION.dist-info, NAME-VERSION[-pyX.Y].egg-info), the first per name as pip finds
 * them: one interpreter start and no import of importlib.metadata (~70 ms by itself). A package
 * this listing gets wrong is only not asked ahead: pip-audit's own query is sent on as asked.
 */
const LIST_INSTALLED = `
import json, os, sys
found = []
for entry in sys.path:
    try:
        names = sorted(os.listdir(entry or "."))
    except OSError:
        continue
    for d in names:
        for ext in (".dist-info", ".egg-info"):
            if d.endswith(ext):
                found.append(d[: -len(ext)])
print(json.dumps(found))
`;

/** The installed packages from LIST_INSTALLED's output: name (PEP 503) and version, the first of each name. Pure. */
export function parseInstalled(stdout: string): ExpectedQuery[] {
  let names: unknown;
  try {
    names = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    return [];
  }
  if (!Array.isArray(names)) return [];
  const out = new Map<string, string>();
  for (const folder of names) {
    if (typeof folder !== 'string') continue;
    // NAME-VERSION, an egg's NAME-VERSION-pyX.Y; a name written with '-' (older tools) keeps it.
    const base = folder.replace(/-py\d+(\.\d+)*$/, '');
    const cut = base.lastIndexOf('-');
    if (cut <= 0) continue;
    const name = normalizeName(base.slice(0, cut));
    const version = base.slice(cut + 1);
    if (!/^v?\d/i.test(version) || out.has(name)) continue;
    out.set(name, version);
  }
  return [...out].map(([name, version]) => ({ name, version }));
}

/**
 * What `python` has installed, started where pip-audit is (a relative path means the same file);
 * nothing when it cannot tell (pip-audit's own listing then says why).
 */
export async function installedPackages(
  python: string,
  cwd: string,
  signal: AbortSignal,
): Promise<ExpectedQuery[]> {
  try {
    const run = await spawnBounded(python, ['-c', LIST_INSTALLED], { cwd, signal });
    return run.exitCode === 0 ? parseInstalled(run.stdout) : [];
  } catch {
    return [];
  }
}
