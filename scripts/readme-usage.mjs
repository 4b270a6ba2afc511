#!/usr/bin/env node
// Each published action's README usage section is generated from its action.yml,
// so the documented inputs can never drift from the real ones.
// Usage: node scripts/readme-usage.mjs [--check]   (--check: exit 1 if any README is stale)
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { parse } = require('yaml');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FOLDERS = Object.values(JSON.parse(fs.readFileSync(path.join(root, 'scripts/actions.json'), 'utf8')));
const START =
  '<!-- usage:start — generated from action.yml by scripts/readme-usage.mjs; edit action.yml instead -->';
const END = '<!-- usage:end -->';

const cell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .trim();

export function usageSection(folder, meta) {
  // Pinned by commit SHA, as the root README's "Pin by commit SHA" asks: the zeros stand for the
  // commit of the release the reader reviewed (zizmor's unpinned-uses holds every example to it).
  const ref = `${folder === '.' ? 'org/deploy-kit' : `org/deploy-kit/${folder}`}@${'0'.repeat(40)} # v1: pin your release's commit SHA`;
  const inputs = Object.entries(meta.inputs ?? {});
  const outputs = Object.entries(meta.outputs ?? {});
  const lines = [START, '', '```yaml', `- uses: ${ref}`];
  if (inputs.length > 0) {
    lines.push('  with:');
    for (const [name, spec] of inputs) {
      for (const line of String(spec.description ?? '')
        .trim()
        .split('\n'))
        lines.push(`    # ${line}`.trimEnd());
      const tail = spec.required
        ? ' (required)'
        : spec.default !== undefined
          ? ` (default: ${JSON.stringify(String(spec.default))})`
          : '';
      lines.push(`    # ${tail.trim() || '(optional)'}`);
      lines.push(`    ${name}: ''`);
    }
  }
  lines.push('```', '');
  if (inputs.length > 0) {
    lines.push('### Inputs', '', '| Name | Required | Default | Description |', '| --- | --- | --- | --- |');
    for (const [name, spec] of inputs)
      lines.push(
        `| \`${name}\` | ${spec.required ? 'yes' : 'no'} | ${spec.default !== undefined && spec.default !== '' ? `\`${cell(spec.default)}\`` : ''} | ${cell(spec.description)} |`,
      );
    lines.push('');
  }
  if (outputs.length > 0) {
    lines.push('### Outputs', '', '| Name | Description |', '| --- | --- |');
    for (const [name, spec] of outputs) lines.push(`| \`${name}\` | ${cell(spec.description)} |`);
    lines.push('');
  }
  lines.push(END);
  return lines.join('\n');
}

function updated(readme, section, meta) {
  const start = readme.indexOf(START.slice(0, 20));
  const end = readme.indexOf(END);
  if (start !== -1 && end !== -1) return readme.slice(0, start) + section + readme.slice(end + END.length);
  // No markers yet: put the usage right after the title line.
  const nl = readme.indexOf('\n');
  const title = nl === -1 ? readme : readme.slice(0, nl);
  const rest = nl === -1 ? '' : readme.slice(nl + 1);
  return `${title}\n\n${meta.description ?? ''}\n\n## Usage\n\n${section}\n${rest}`;
}

const check = process.argv.includes('--check');
let stale = 0;
for (const folder of FOLDERS) {
  const metaFile = path.join(root, folder, 'action.yml');
  if (!fs.existsSync(metaFile)) continue;
  const meta = parse(fs.readFileSync(metaFile, 'utf8'));
  const readmeFile = path.join(root, folder, 'README.md');
  if (folder === '.') continue; // the root README is the project's front page; the root action's usage lives there by hand
  const current = fs.existsSync(readmeFile) ? fs.readFileSync(readmeFile, 'utf8') : `# ${meta.name}\n`;
  const next = updated(current, usageSection(folder, meta), meta);
  if (next !== current) {
    stale++;
    if (check) console.error(`${path.relative(root, readmeFile)} usage section is stale`);
    else fs.writeFileSync(readmeFile, next);
  }
}
if (check && stale > 0) process.exit(1);
