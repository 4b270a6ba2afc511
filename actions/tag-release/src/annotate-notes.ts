/**
 * mode: annotate — one environment's validation added to an existing rc's release notes. Pure:
 * the environment's lines sit between two HTML comments (invisible on GitHub) inside the
 * Validation section, so a rerun replaces them instead of adding a second copy.
 */

const MARK = 'deploy-kit validation';

export const blockStart = (env: string): string => `<!-- ${MARK}: ${env} -->`;
export const blockEnd = (env: string): string => `<!-- /${MARK}: ${env} -->`;

/** A line that is one of the block markers (left out when a final carries the rc's lines). */
export function isBlockMarker(line: string): boolean {
  return new RegExp(`^<!-- /?${MARK}: [\\w.-]+ -->$`).test(line.trim());
}

/** The environments whose validation annotate added to these notes, in order. */
export function annotatedEnvironments(body: string): string[] {
  return [...body.matchAll(new RegExp(`^<!-- ${MARK}: ([\\w.-]+) -->$`, 'gm'))].map((m) => m[1] as string);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The notes with `items` as the `env` block of the Validation section: the block replaced when it
 * is there, else added at the section's end, else a Validation section added at the top.
 */
export function annotateNotes(body: string, env: string, items: readonly string[]): string {
  const text = body.replace(/\r\n/g, '\n');
  const block = [blockStart(env), items.join('\n'), blockEnd(env)].join('\n');
  const existing = new RegExp(`${escape(blockStart(env))}\\n[\\s\\S]*?${escape(blockEnd(env))}`);
  if (existing.test(text)) return text.replace(existing, () => block);
  const section = /^### Validation\n[\s\S]*?(?=\n\n### |\n\n\*\*Full changelog|\n*$(?![\s\S]))/m.exec(text);
  if (section) {
    const end = section.index + section[0].length;
    // A section ending in a table or paragraph carries its own line end: one blank line, not two.
    return `${text.slice(0, end).replace(/\n+$/, '')}\n\n${block}${text.slice(end)}`;
  }
  return `### Validation\n${block}\n\n${text}`;
}
