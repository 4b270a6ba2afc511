#!/usr/bin/env node
// Bundle every action with @vercel/ncc into its published folder's dist/.
// CommonJS output: ESM + ncc breaks ssh2 at run time (RIG.md).
// Usage: node scripts/build.mjs [name ...]   (default: all)
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeActionDefaults } from './action-defaults.mjs';
import { writeSecretInputs } from './secret-inputs.mjs';

const require = createRequire(import.meta.url);
const ncc = require('@vercel/ncc');
const { bundleLicenses } = require('./licenses.js');
const { externalsFor, extraFilesFor } = require('./bundle-options.js');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// source folder under actions/ -> published folder ('.' is the root one-step action)
export const ACTIONS = JSON.parse(fs.readFileSync(path.join(root, 'scripts/actions.json'), 'utf8'));

// The runner harness is bundled too, so scripts, the demo and benchmarks can run
// actions the way the runner does without a TypeScript toolchain.
const TOOLS = {
  'harness-lib': ['packages/harness/src/index.ts', 'packages/harness/dist/index.js'],
};

async function buildTool(name) {
  const [entry, out] = TOOLS[name];
  // The deploy-kit command's list of each action's secret inputs, from the actions' definitions.
  if (name === 'harness-lib') writeSecretInputs();
  const { code } = await ncc(path.join(root, entry), {
    minify: false,
    sourceMap: false,
    quiet: true,
    target: 'es2022',
    transpileOnly: true,
  });
  fs.mkdirSync(path.dirname(path.join(root, out)), { recursive: true });
  fs.writeFileSync(path.join(root, out), code);
  console.log(`built ${out}`);
}

async function build(name) {
  if (name in TOOLS) return buildTool(name);
  const entry = path.join(root, 'actions', name, 'src', 'index.ts');
  const outDir = path.join(root, ACTIONS[name], 'dist');
  const started = Date.now();
  // No `license` option: ncc's keeps only the last chunk's list (scripts/licenses.js).
  const { code, assets, stats } = await ncc(entry, {
    minify: true,
    sourceMap: false,
    quiet: true,
    target: 'es2022',
    // Type errors are caught by `tsc --noEmit` over the whole project (CI runs it first);
    // transpiling here keeps one action's build independent of another's work in progress.
    transpileOnly: true,
    externals: externalsFor(name),
  });
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'index.js'), code);
  fs.writeFileSync(path.join(outDir, 'licenses.txt'), bundleLicenses(stats));
  for (const [file, text] of Object.entries(extraFilesFor(name)))
    fs.writeFileSync(path.join(outDir, file), text);
  for (const [file, asset] of Object.entries(assets)) {
    const target = path.join(outDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, asset.source);
  }
  const kb = Math.round(Buffer.byteLength(code) / 1024);
  console.log(`built ${ACTIONS[name]}/dist/index.js (${kb} KiB) in ${Date.now() - started} ms`);
}

// The defaults every action's parseInputs applies for an in-process caller (scripts/action-defaults.mjs).
writeActionDefaults();

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : [...Object.keys(ACTIONS), ...Object.keys(TOOLS)]) {
  if (!(name in ACTIONS) && !(name in TOOLS)) {
    console.error(
      `unknown target '${name}'; expected one of ${[...Object.keys(ACTIONS), ...Object.keys(TOOLS)].join(', ')}`,
    );
    process.exit(2);
  }
  try {
    await build(name);
  } catch (error) {
    // ncc errors carry its own minified source in the stack: print only readable lines.
    const text = String(error?.stack ?? error)
      .split('\n')
      .filter((line) => line.length < 400)
      .slice(0, 30)
      .join('\n');
    console.error(`build of ${name} failed:\n${text}`);
    process.exit(1);
  }
}
