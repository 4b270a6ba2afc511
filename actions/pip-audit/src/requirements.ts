/**
 * Just enough of the pip requirements-file format to know, for each package,
 * the file and line that names it (for annotations and SARIF) and whether every
 * requirement is pinned with `==` (then pip-audit can audit the pins as written,
 * without pip). pip-audit itself parses the files for the audit; this never
 * decides what is vulnerable.
 */

export interface Requirement {
  /** PEP 503 normalised name (what pip-audit reports). */
  name: string;
  /** The name as written, for messages and the suggested pin. */
  written: string;
  /** The exact version when pinned with `==` (no wildcard), else undefined. */
  pinned?: string;
  /** 1-based line where the requirement starts. */
  line: number;
  text: string;
  /** Workspace-relative file that names it (set when a file's includes are followed). */
  file?: string;
}

export interface Include {
  /** `-r` pulls in requirements; `-c` pins versions of what is required elsewhere. */
  kind: 'requirement' | 'constraint';
  /** As written (relative to the including file). */
  path: string;
  line: number;
}

export interface RequirementsFile {
  requirements: Requirement[];
  /** Files pulled in with -r / --requirement and -c / --constraint. */
  includes: Include[];
  /** Lines pip would not accept, with why. */
  problems: { line: number; text: string }[];
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;

export function parseRequirements(text: string): RequirementsFile {
  const out: RequirementsFile = { requirements: [], includes: [], problems: [] };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let logical = lines[i] as string;
    // A trailing backslash continues the line (hashes are usually written that way).
    while (logical.endsWith('\\') && i + 1 < lines.length) logical = logical.slice(0, -1) + ' ' + lines[++i];
    const stripped = logical.replace(/(^|\s)#.*$/, '').trim();
    if (stripped === '') continue;
    if (stripped.startsWith('-')) {
      const include = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?<=^-[rc]))(\S+)/.exec(stripped);
      if (include)
        out.includes.push({
          kind: /^-(c|-constraint)$/.test(include[1] as string) ? 'constraint' : 'requirement',
          path: include[2] as string,
          line: start,
        });
      continue;
    }
    // URLs, paths and editable installs are not index packages; pip-audit reports how it treats them.
    if (/^(\.|\/|[a-z+]+:\/\/)/i.test(stripped) || stripped.includes(' @ ')) {
      const direct = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@/.exec(stripped);
      if (direct)
        out.requirements.push({
          name: normalizeName(direct[1] as string),
          written: direct[1] as string,
          line: start,
          text: stripped,
        });
      continue;
    }
    const match = NAME.exec(stripped);
    if (!match) {
      out.problems.push({ line: start, text: stripped });
      continue;
    }
    const written = match[1] as string;
    const spec = (match[3] ?? '')
      .split(';')[0]!
      .replace(/--hash[=\s]\S+/g, '')
      .trim();
    const pin = /^===?\s*([^\s,*]+)$/.exec(spec);
    out.requirements.push({
      name: normalizeName(written),
      written,
      pinned: pin?.[1],
      line: start,
      text: stripped,
    });
  }
  return out;
}

/** True when pip-audit can audit the file as written (`--disable-pip --no-deps`). */
export function fullyPinned(file: RequirementsFile): boolean {
  return file.requirements.length > 0 && file.requirements.every((r) => r.pinned !== undefined);
}
