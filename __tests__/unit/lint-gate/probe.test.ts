import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probe } from '../../../actions/lint-gate/src/interpreter';

// The interpreter probe reads the tools' versions from their metadata files instead of importing
// importlib.metadata (#18 A10: that import was ~70 ms of the ~95 ms every run spent before the
// first tool started). It must still answer exactly what importlib.metadata answers: here on the
// machine's python3 with a directory first on sys.path that holds every layout the probe reads:
// a wheel's .dist-info, a setuptools/Debian .egg-info directory, an .egg-info file, a module with
// no metadata of its own (importlib.metadata then finds whatever the interpreter has), and a
// dist-info whose METADATA has no Version (importlib.metadata is asked then).

const MODULES = {
  black: 'black',
  flake8: 'flake8',
  ruff: 'ruff',
  pytest: 'pytest',
  'pytest-cov': 'pytest_cov',
  'pytest-django': 'pytest_django',
  coverage: 'coverage',
};

const REFERENCE = `
import importlib.metadata as m, importlib.util as u, json, sys
out = {"versions": {}, "missing": []}
for dist, mod in json.loads(sys.argv[1]).items():
    if u.find_spec(mod) is None:
        out["missing"].append(dist)
        continue
    try:
        out["versions"][dist] = m.version(dist)
    except m.PackageNotFoundError:
        out["versions"][dist] = "?"
print(json.dumps(out))
`;

const write = (file: string, text: string): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

test('the versions and missing tools are what importlib.metadata says, for every metadata layout', async () => {
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-probe-'));
  const saved = process.env.PYTHONPATH;
  try {
    write(path.join(site, 'black', '__init__.py'), '');
    write(
      path.join(site, 'black-99.1.0.dist-info', 'METADATA'),
      'Metadata-Version: 2.1\nName: black\nVersion: 99.1.0\n\nbody\nVersion: 1\n',
    );
    write(path.join(site, 'flake8.py'), '');
    write(
      path.join(site, 'flake8-98.0-py3.11.egg-info'),
      'Metadata-Version: 1.1\nName: flake8\nVersion: 98.0\n',
    );
    write(path.join(site, 'pytest_cov', '__init__.py'), '');
    write(
      path.join(site, 'pytest_cov-97.0.0.egg-info', 'PKG-INFO'),
      'Metadata-Version: 1.2\nName: pytest-cov\nVersion: 97.0.0\n',
    );
    write(path.join(site, 'pytest_django', '__init__.py'), '');
    write(
      path.join(site, 'pytest_django-1.0.dist-info', 'METADATA'),
      'Metadata-Version: 2.1\nName: pytest-django\n',
    );
    write(path.join(site, 'coverage', '__init__.py'), '');
    process.env.PYTHONPATH = site;
    const python = 'python3';
    const got = await probe(python, site);
    const want = JSON.parse(
      execFileSync(python, ['-c', REFERENCE, JSON.stringify(MODULES)], { cwd: site, encoding: 'utf8' }),
    ) as { versions: Record<string, string>; missing: string[] };
    expect(got.versions).toEqual(want.versions);
    expect(got.missing).toEqual(want.missing);
    expect(got.versions).toMatchObject({ black: '99.1.0', flake8: '98.0', 'pytest-cov': '97.0.0' });
  } finally {
    if (saved === undefined) delete process.env.PYTHONPATH;
    else process.env.PYTHONPATH = saved;
    fs.rmSync(site, { recursive: true, force: true });
  }
});
