import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, workspaceRoot } from '@deploy-kit/shared';
import { fullyPinned, normalizeName, parseRequirements, type Requirement } from './requirements';

/**
 * A requirements file with everything it pulls in: `-r` files add requirements, `-c` files pin
 * versions of what is required elsewhere (pip's meaning). Every requirement keeps the file and
 * line that name it, so a pin in an included file is reported there. A missing include is an
 * input error: pip would refuse the file, and auditing without it would call its pins clean.
 */

/** A workspace-relative path with forward slashes (annotations, SARIF, reports). */
export function rel(file: string): string {
  return path.relative(workspaceRoot(), file).split(path.sep).join('/');
}

export interface RequirementsTree {
  /** Every requirement of the file and of its -r includes, depth first, each with its `file`. */
  requirements: Requirement[];
  /** Every pin of the -c files (in any file of the tree), each with its `file`. */
  constraints: Requirement[];
  /** Every requirement in the -r tree is pinned with `==`: pip-audit can audit the pins as written. */
  pinned: boolean;
  /** The file pulls in other requirements files with -r. */
  hasIncludes: boolean;
}

export function loadTree(file: string): RequirementsTree {
  const tree: RequirementsTree = { requirements: [], constraints: [], pinned: true, hasIncludes: false };
  const seen = new Set<string>();
  const visit = (current: string, kind: 'requirement' | 'constraint'): void => {
    if (seen.has(`${kind}:${current}`)) return;
    seen.add(`${kind}:${current}`);
    const parsed = parseRequirements(fs.readFileSync(current, 'utf8'));
    const name = rel(current);
    const problem = parsed.problems[0];
    if (problem)
      throw new InputError(
        `'requirements' file ${name} line ${problem.line} ('${problem.text}') is not a requirement pip understands; write name==version, one per line.`,
      );
    const located = parsed.requirements.map((r) => ({ ...r, file: name }));
    if (kind === 'constraint') tree.constraints.push(...located.filter((r) => r.pinned !== undefined));
    else {
      tree.requirements.push(...located);
      if (!fullyPinned(parsed)) tree.pinned = false;
    }
    for (const include of parsed.includes) {
      const child = path.resolve(path.dirname(current), include.path);
      if (!fs.existsSync(child) || !fs.statSync(child).isFile())
        throw new InputError(
          `'requirements' file ${name} line ${include.line} includes '${include.path}' (${include.kind === 'constraint' ? '-c' : '-r'}), which does not exist; fix the path or remove the line.`,
        );
      if (include.kind === 'requirement' && current === file) tree.hasIncludes = true;
      // Requirements pulled in by a constraints file are constraints too (pip reads them so).
      visit(child, kind === 'constraint' ? 'constraint' : include.kind);
    }
  };
  visit(file, 'requirement');
  if (tree.requirements.length === 0) tree.pinned = false;
  return tree;
}

/** Where a package is pinned: its pinned requirement, else a -c pin, else the line that names it. */
export function locate(tree: RequirementsTree, name: string): Requirement | undefined {
  const wanted = normalizeName(name);
  const named = (r: Requirement): boolean => r.name === wanted;
  return (
    tree.requirements.find((r) => named(r) && r.pinned !== undefined) ??
    tree.constraints.find(named) ??
    tree.requirements.find(named)
  );
}

/**
 * The tree's pins as one requirements file for pip-audit's `--disable-pip` mode, which reads a
 * file without its includes. Hashes are left out (that mode does not check them); the same pin
 * twice is written once; two different pins of one package are an input error, as pip's.
 */
export function flatRequirements(tree: RequirementsTree): string {
  const pins = new Map<string, Requirement>();
  for (const r of tree.requirements) {
    const before = pins.get(r.name);
    if (before && before.pinned !== r.pinned)
      throw new InputError(
        `'requirements' pins ${r.written} twice, ${before.pinned} at ${before.file} line ${before.line} and ${r.pinned} at ${r.file} line ${r.line}; pip refuses that, keep one.`,
      );
    if (!before) pins.set(r.name, r);
  }
  return [...pins.values()].map((r) => `${r.text.replace(/\s+--hash[=\s]\S+/g, '')}\n`).join('');
}
