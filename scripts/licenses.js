// The licenses.txt of a bundle: every npm package whose code is in it, in any of its chunks.
//
// ncc's own `license` option runs license-webpack-plugin with its default perChunkOutput: true,
// and passes only a file name without [name]: every chunk writes its own list to that one name,
// and the last chunk written wins. tag-release's bundle (index.js + the chunk of the ESM-only
// conventional-commits-parser, loaded with import()) listed only that parser, and none of octokit,
// @actions/core, semver, undici or yaml. So the build writes licenses.txt itself from webpack's
// stats (every module of every chunk), in the plugin's format: per package, sorted by name, its
// name, its license type (package.json) and its license file's text.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** Every module's file, concatenated modules opened up. */
function moduleFiles(stats) {
  const files = [];
  const visit = (m) => {
    if (m.modules) for (const inner of m.modules) visit(inner);
    else if (m.rootModule) visit(m.rootModule);
    if (typeof m.resource === 'string') files.push(m.resource.split('?')[0]);
  };
  for (const m of stats.compilation.modules) visit(m);
  return files;
}

/** The package a file belongs to: its directory under the last node_modules, and its name. */
function packageOf(file) {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const scoped = parts[at + 1].startsWith('@');
  const name = scoped ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
  const directory = parts.slice(0, at + (scoped ? 3 : 2)).join(path.sep);
  return { name, directory };
}

/** The packages bundled, by name (one directory per name: the first met). */
function bundledPackages(stats) {
  const packages = new Map();
  for (const file of moduleFiles(stats)) {
    const p = packageOf(file);
    if (p && !packages.has(p.name)) packages.set(p.name, p.directory);
  }
  return packages;
}

function licenseType(meta) {
  if (meta.license) return typeof meta.license === 'string' ? meta.license : meta.license.type;
  if (Array.isArray(meta.licenses) && meta.licenses.length > 0) return meta.licenses[0].type;
  return undefined;
}

function licenseText(directory, type) {
  const read = (file) => fs.readFileSync(path.join(directory, file), 'utf8').replace(/\r\n/g, '\n');
  if (type && type.startsWith('SEE LICENSE IN ')) {
    const file = type.split(' ')[3];
    return fs.existsSync(path.join(directory, file)) ? read(file) : undefined;
  }
  const file = fs
    .readdirSync(directory)
    .find((f) => /^licen[cs]e/i.test(f) && !fs.statSync(path.join(directory, f)).isDirectory());
  return file ? read(file) : undefined;
}

/** licenses.txt for a bundle, from ncc's webpack stats. */
function bundleLicenses(stats) {
  const entries = [...bundledPackages(stats)].map(([name, directory]) => {
    const meta = JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8'));
    const type = licenseType(meta);
    return { name, type, text: licenseText(directory, type) };
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  const text = entries
    .map((e) => `${e.name}${e.type ? `\n${e.type}` : ''}${e.text ? `\n${e.text}` : ''}\n\n`)
    .join('')
    .trim();
  return `${text}\n`;
}

module.exports = { bundleLicenses, bundledPackages };
