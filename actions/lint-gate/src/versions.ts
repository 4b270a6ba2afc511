/**
 * The oldest version of each tool lint-gate reads correctly (lint-gate/README.md, "Tool
 * versions"). The old end is tested with Debian bookworm's packages, the new end with PyPI's
 * newest (the pinned set). A tool older than this is reported, never run and misread.
 */
export const MINIMUM_VERSION: Record<string, string> = {
  black: '22.1',
  flake8: '5.0',
  ruff: '0.1.2',
  pytest: '7.0',
  'pytest-cov': '3.0',
  coverage: '6.0',
};

/** The leading numeric release of a version ('23.1.0', '21.12b0' -> [21, 12], '2.12.1'). */
function release(version: string): number[] {
  const m = /^\d+(\.\d+)*/.exec(version.trim());
  return m ? m[0].split('.').map(Number) : [];
}

/** a < b on their numeric releases (missing parts are 0). */
export function versionLess(a: string, b: string): boolean {
  const x = release(a);
  const y = release(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

/**
 * "pytest-cov 2.12.1 is older than lint-gate supports (3.0 or newer)" when the installed
 * distribution is older than supported; undefined when it is supported or its version unknown.
 */
export function tooOld(dist: string, version: string | undefined): string | undefined {
  const minimum = MINIMUM_VERSION[dist];
  if (!minimum || !version || release(version).length === 0) return undefined;
  return versionLess(version, minimum)
    ? `${dist} ${version} is older than lint-gate supports (${minimum} or newer)`
    : undefined;
}
