import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * pytest's configuration file for a run in `cwd`, found as pytest finds it: in `cwd`, then each
 * parent up to `stop`, the first of pytest.ini, .pytest.ini, pyproject.toml (with
 * [tool.pytest.ini_options]), tox.ini (with [pytest]), setup.cfg (with [tool:pytest]).
 * Returns that file's addopts, as written ('' when it has none or there is no file).
 */
export function pytestAddopts(cwd: string, stop: string): string {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    for (const [name, section] of CANDIDATES) {
      const file = path.join(dir, name);
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) continue;
      const text = fs.readFileSync(file, 'utf8');
      const body = sectionBody(text, section);
      if (body === undefined && !name.endsWith('pytest.ini')) continue;
      return name === 'pyproject.toml' ? tomlAddopts(body ?? '') : iniAddopts(body ?? '');
    }
    if (dir === stop || path.dirname(dir) === dir || !dir.startsWith(stop)) return '';
  }
}

const CANDIDATES: [string, string][] = [
  ['pytest.ini', 'pytest'],
  ['.pytest.ini', 'pytest'],
  ['pyproject.toml', 'tool.pytest.ini_options'],
  ['tox.ini', 'pytest'],
  ['setup.cfg', 'tool:pytest'],
];

/** The lines of `[section]` up to the next section header; undefined when there is none. */
function sectionBody(text: string, section: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === `[${section}]`);
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^\s*\[[^\]]+\]\s*$/.test(l) && !/^\s*\[\s*["']/.test(l));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

/** An ini value: `addopts = ...` and its indented continuation lines. */
function iniAddopts(body: string): string {
  const lines = body.split('\n');
  const i = lines.findIndex((l) => /^addopts\s*[=:]/.test(l));
  if (i < 0) return '';
  const value = [lines[i]!.replace(/^addopts\s*[=:]\s*/, '')];
  for (const l of lines.slice(i + 1)) {
    if (!/^\s+\S/.test(l)) break;
    value.push(l.trim());
  }
  return value.join(' ').trim();
}

/** A TOML value: a string, or an array of strings (over several lines too). */
function tomlAddopts(body: string): string {
  const m = /^addopts\s*=\s*/m.exec(body);
  if (!m) return '';
  const rest = body.slice(m.index + m[0].length);
  const value = rest.startsWith('[') ? rest.slice(0, rest.indexOf(']') + 1) : rest.split('\n')[0]!;
  const strings = [...value.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((s) => s[1] ?? s[2] ?? '');
  return strings.join(' ');
}

/** An argument list (words, or the raw addopts text) that turns pytest-cov on: `--cov` or `--cov=...`. */
export function selectsCov(args: string): boolean {
  return /(^|\s)--cov(=|\s|$)/.test(args);
}

/**
 * Whether the project already chooses what coverage measures with `--cov` (in its pytest
 * config's addopts, PYTEST_ADDOPTS, or pytest-args). Then lint-gate adds no bare `--cov`: with
 * it, pytest-cov would drop the project's `--cov=pkg` and measure everything, tests included.
 */
export function projectSelectsCov(
  cwd: string,
  workspace: string,
  pytestArgs: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return (
    selectsCov(pytestAddopts(cwd, workspace)) ||
    selectsCov(env.PYTEST_ADDOPTS ?? '') ||
    pytestArgs.some((a) => a === '--cov' || a.startsWith('--cov='))
  );
}
