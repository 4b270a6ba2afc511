import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '@deploy-kit/harness';

/**
 * Every bundle's licenses.txt lists every npm package whose code is in it, in any chunk (issue 18
 * C8). ncc's own `license` option kept only the last chunk's list: tag-release's named only
 * conventional-commits-parser (its import() chunk) and none of octokit, @actions/core, semver,
 * undici or yaml. Each action is bundled again here (not minified: the same modules, faster) and
 * the packages webpack put in it are looked up in the committed file, which must also be exactly
 * what the build writes (scripts/licenses.js).
 */

jest.setTimeout(600_000);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ncc = require('@vercel/ncc') as (entry: string, options: object) => Promise<{ stats: unknown }>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const licenses = require(path.join(REPO_ROOT, 'scripts', 'licenses.js')) as {
  bundleLicenses(stats: unknown): string;
  bundledPackages(stats: unknown): Map<string, string>;
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { externalsFor } = require(path.join(REPO_ROOT, 'scripts', 'bundle-options.js')) as {
  externalsFor(name: string): Record<string, string> | undefined;
};

const ACTIONS = Object.entries(
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scripts/actions.json'), 'utf8')) as Record<string, string>,
);

test.each(ACTIONS)('%s: licenses.txt lists every package in the bundle', async (name, folder) => {
  const { stats } = await ncc(path.join(REPO_ROOT, 'actions', name, 'src', 'index.ts'), {
    minify: false,
    sourceMap: false,
    quiet: true,
    target: 'es2022',
    transpileOnly: true,
    externals: externalsFor(name),
  });
  const committed = fs.readFileSync(path.join(REPO_ROOT, folder, 'dist', 'licenses.txt'), 'utf8');
  const lines = new Set(committed.split('\n'));
  const packages = [...licenses.bundledPackages(stats).keys()];
  expect(packages.length).toBeGreaterThan(3);
  expect(packages.filter((p) => !lines.has(p))).toEqual([]);
  expect(committed).toBe(licenses.bundleLicenses(stats));
});
