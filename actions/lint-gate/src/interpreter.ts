import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as io from '@actions/io';
import { InputError, ToolError } from '@deploy-kit/shared';
import { tail } from './parse/common';
import { runProcess } from './process';

/** Import name per distribution, to tell "installed" from "importable by this interpreter". */
const MODULES: Record<string, string> = {
  black: 'black',
  flake8: 'flake8',
  ruff: 'ruff',
  pytest: 'pytest',
  'pytest-cov': 'pytest_cov',
  'pytest-django': 'pytest_django',
  coverage: 'coverage',
};

// One interpreter start for every version and import check (a start per tool would cost more).
// Versions come from the metadata files on sys.path, the first per name (as importlib.metadata
// finds them: NAME-VERSION.dist-info, or NAME-VERSION[-pyX.Y].egg-info from setuptools and
// Debian), read directly: importing importlib.metadata took ~70 ms of a ~95 ms probe, and the
// probe runs before any tool starts (#18 A10). importlib.metadata is still asked when a
// distribution's metadata is not found that way.
const PROBE = `
import json, os, sys
from importlib.util import find_spec
where = {}
for entry in sys.path:
    try:
        names = os.listdir(entry or ".")
    except OSError:
        continue
    for d in names:
        if d.endswith((".dist-info", ".egg-info")):
            where.setdefault(d.split("-", 1)[0].lower().replace(".", "_"), os.path.join(entry or ".", d))
def version_of(dist):
    path = where.get(dist.lower().replace("-", "_").replace(".", "_"))
    if path:
        meta = path if os.path.isfile(path) else os.path.join(path, "METADATA" if path.endswith(".dist-info") else "PKG-INFO")
        try:
            with open(meta, encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():
                        break
        except OSError:
            pass
    import importlib.metadata as m
    try:
        return m.version(dist)
    except m.PackageNotFoundError:
        return "?"
out = {"python": sys.version.split()[0], "executable": sys.executable, "versions": {}, "missing": []}
for dist, mod in json.loads(sys.argv[1]).items():
    if find_spec(mod) is None:
        out["missing"].append(dist)
    else:
        out["versions"][dist] = version_of(dist)
print(json.dumps(out))
`;

export interface Probe {
  python: string;
  executable: string;
  versions: Record<string, string>;
  missing: string[];
}

/**
 * The interpreter the input names: a path (relative to the working directory) or a name on PATH.
 * The default, python3, falls back to python when PATH has no python3 (as before it was a default).
 */
export async function findPython(value: string, cwd: string): Promise<string> {
  const names = value === 'python3' ? ['python3', 'python'] : [value];
  for (const name of names) {
    if (name.includes('/') || name.includes(path.sep)) {
      const file = path.resolve(cwd, name);
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
      continue;
    }
    const found = await io.which(name, false);
    if (found) return found;
  }
  throw new InputError(
    value === 'python3'
      ? `'python' is python3 and neither python3 nor python is on PATH; add actions/setup-python before this step or set python to an interpreter such as .venv/bin/python.`
      : `'python' must name a Python interpreter on PATH or a path to one (such as python3.11 or .venv/bin/python); '${value}' was not found.`,
  );
}

export async function probe(python: string, cwd: string, signal?: AbortSignal): Promise<Probe> {
  const run = await runProcess(python, ['-c', PROBE, JSON.stringify(MODULES)], {
    cwd,
    timeoutMs: 60_000,
    signal,
  });
  if (run.exitCode !== 0)
    throw new InputError(
      `'python' must be a working Python 3 interpreter; '${python}' ${run.spawnError ? `could not start (${run.spawnError})` : `exited ${run.exitCode ?? run.signal}: ${tail(run.stderr, 3).replace(/\n/g, ' ')}`}.`,
    );
  try {
    return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Probe;
  } catch {
    throw new InputError(`'python' must be a Python 3 interpreter; '${python}' did not answer like one.`);
  }
}

// Where the chosen interpreter's packages live (a venv's own site-packages included).
const SITE_PROBE = `
import json, site, sys, sysconfig
paths = [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
paths += site.getsitepackages() if hasattr(site, "getsitepackages") else []
print(json.dumps(list(dict.fromkeys(p for p in paths if p))))
`;

/**
 * `install`: a venv under RUNNER_TEMP with the tools from the pinned, hashed
 * file, which also sees the project's packages: a .pth file appends the chosen
 * interpreter's site-packages (a virtualenv's too, which --system-site-packages
 * alone would miss) after the venv's own, so the pinned tools win, with
 * site.addsitedir, so their .pth files (`pip install -e .`) work too. The user's
 * environment is never changed.
 */
export async function installTools(
  python: string,
  requirements: string,
  cwd: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  const root = process.env.RUNNER_TEMP || fs.mkdtempSync(path.join(os.tmpdir(), 'lint-gate-'));
  const venv = path.join(root, 'lint-gate-venv');
  fs.rmSync(venv, { recursive: true, force: true });
  const sites = await runProcess(python, ['-c', SITE_PROBE], { cwd, timeoutMs: 60_000, signal });
  const create = await runProcess(python, ['-m', 'venv', venv], { cwd, timeoutMs, signal });
  if (create.exitCode !== 0 || sites.exitCode !== 0)
    throw new ToolError(
      `could not create a venv for 'install' with ${python}: ${tail(create.stderr || sites.stderr || create.stdout, 3).replace(/\n/g, ' ')}`,
    );
  const venvPython = path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin', 'python');
  const own = await runProcess(
    venvPython,
    ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
    { cwd, timeoutMs: 60_000, signal },
  );
  // A .pth line starting with "import" runs: site.addsitedir appends each directory AND processes
  // the .pth files in it (an editable install's, coverage's), which a plain path line would not.
  const dirs = JSON.stringify(JSON.parse(sites.stdout) as string[]);
  fs.writeFileSync(
    path.join(own.stdout.trim(), 'lint-gate-project.pth'),
    // (exec'd in site's own scope: a comprehension there would not see `site`)
    `import site; list(map(site.addsitedir, ${dirs}))\n`,
  );
  const pip = await runProcess(
    venvPython,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--require-hashes',
      '-r',
      requirements,
    ],
    { cwd, timeoutMs, signal },
  );
  if (pip.exitCode !== 0) {
    const why = tail(pip.stderr || pip.stdout, 4).replace(/\n/g, ' ');
    if (/hash/i.test(pip.stderr))
      throw new InputError(`'install' must pin every package with == and a --hash (pip said: ${why})`);
    throw new ToolError(`pip could not install '${path.basename(requirements)}': ${why}`);
  }
  return venvPython;
}
