import * as core from '@actions/core';
import { redactSecrets } from './redact';

/**
 * Markdown builders for job summaries. Pure: they return strings and are unit-tested.
 * The runner never masks the summary, so every cell and code span is redacted
 * with the masks of ./redact first — before escaping, which would double the
 * backslashes of a JSON-escaped secret so that no mask matches any more.
 */

export function mdEscape(cell: string): string {
  return redactSecrets(cell).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function mdCode(text: string): string {
  const clean = redactSecrets(text).replace(/\r?\n/g, ' ');
  const fence = clean.includes('`') ? '``' : '`';
  return `${fence}${clean.includes('`') ? ` ${clean} ` : clean}${fence}`;
}

export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `| ${headers.map(mdEscape).join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  const body = rows.map((row) => `| ${row.map(mdEscape).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

export function mdHeading(text: string, level = 3): string {
  return `${'#'.repeat(level)} ${redactSecrets(text)}`;
}

export function mdList(items: readonly string[]): string {
  return items.map((item) => `- ${redactSecrets(item)}`).join('\n');
}

/** Append markdown sections to the job summary file (redacted once more as a whole: not every line goes through a cell). */
export async function writeSummary(...sections: string[]): Promise<void> {
  await core.summary
    .addRaw(redactSecrets(sections.filter((s) => s !== '').join('\n\n')) + '\n', true)
    .write();
}
