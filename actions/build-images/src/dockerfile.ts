/**
 * Just enough of the Dockerfile grammar for the policy checks: parser
 * directives (escape), comments, line continuations (with comment and blank
 * lines inside them), heredoc bodies (skipped), and instructions with the
 * 1-based line they start on so annotations land on the right line.
 */
export interface Instruction {
  keyword: string;
  /** Arguments with continuations joined by a space. */
  args: string;
  line: number;
}

export interface Stage {
  /** Image or earlier stage name after FROM (flags removed). */
  base: string;
  /** `AS name`, lower-cased (stage names are case-insensitive). */
  name?: string;
  index: number;
  from: Instruction;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  /** ARG instructions before the first FROM (usable in FROM lines). */
  globalArgs: Instruction[];
  stages: Stage[];
  instructions: Instruction[];
}

export function parseInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  // Parser directives are only recognised at the very top, before anything else.
  for (const line of lines) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!m) break;
    if (m[1]?.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
  }
  const out: Instruction[] = [];
  let current: { parts: string[]; line: number } | undefined;
  let heredocs: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (heredocs.length > 0) {
      if (raw.replace(/^\t+/, '') === heredocs[0]) heredocs.shift();
      continue;
    }
    const trimmed = raw.trim();
    if (current === undefined) {
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      current = { parts: [], line: i + 1 };
    } else if (trimmed === '' || trimmed.startsWith('#')) {
      continue;
    }
    const continues = trimmed.endsWith(escape);
    current.parts.push(continues ? trimmed.slice(0, -1).trim() : trimmed);
    if (continues) continue;
    const joined = current.parts.join(' ');
    const m = /^(\S+)\s*(.*)$/s.exec(joined);
    const keyword = (m?.[1] ?? '').toUpperCase();
    const args = m?.[2] ?? '';
    out.push({ keyword, args, line: current.line });
    current = undefined;
    heredocs = [...args.matchAll(/<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/g)].map((h) => h[1] as string);
  }
  if (current) {
    const joined = current.parts.join(' ');
    const m = /^(\S+)\s*(.*)$/s.exec(joined);
    out.push({ keyword: (m?.[1] ?? '').toUpperCase(), args: m?.[2] ?? '', line: current.line });
  }
  return out;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const instructions = parseInstructions(text);
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const base = words[0] ?? '';
      const name = words[1]?.toLowerCase() === 'as' ? words[2]?.toLowerCase() : undefined;
      stages.push({ base, ...(name ? { name } : {}), index: stages.length, from: ins, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') globalArgs.push(ins);
    } else {
      stages[stages.length - 1]?.instructions.push(ins);
    }
  }
  return { globalArgs, stages, instructions };
}

/** Names (and defaults) declared by one ARG or ENV instruction. */
export function declaredNames(ins: Instruction): { name: string; value?: string }[] {
  if (ins.keyword === 'ARG') {
    return ins.args
      .split(/\s+/)
      .filter(Boolean)
      .map((word) => {
        const eq = word.indexOf('=');
        return eq < 0 ? { name: word } : { name: word.slice(0, eq), value: unquote(word.slice(eq + 1)) };
      });
  }
  if (ins.keyword === 'ENV') {
    // `ENV NAME value with spaces` (legacy) vs `ENV A=1 B="two words"`.
    const first = /^([^\s=]+)(\s+|=|$)/.exec(ins.args);
    if (first && first[2] !== '=')
      return [{ name: first[1] as string, value: ins.args.slice(first[0].length) }];
    return [...ins.args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)].map((m) => ({
      name: m[1] as string,
      value: unquote(m[2] as string),
    }));
  }
  return [];
}

function unquote(value: string): string {
  if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
    return value.slice(1, -1);
  return value;
}

/** Substitute `$VAR` / `${VAR}` / `${VAR:-default}` from known values; unknown ones stay as they are. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, a, def, b) => {
      const name = (a ?? b) as string;
      const value = values[name];
      if (value !== undefined && value !== '') return value;
      if (def !== undefined) return def as string;
      return whole;
    },
  );
}
