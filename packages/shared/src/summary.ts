import * as core from '@actions/core';

/** Markdown builders for job summaries. Pure: they return strings and are unit-tested. */

export function mdEscape(cell: string): string {
  return cell.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function mdCode(text: string): string {
  const clean = text.replace(/\r?\n/g, ' ');
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
  return `${'#'.repeat(level)} ${text}`;
}

export function mdList(items: readonly string[]): string {
  return items.map((item) => `- ${item}`).join('\n');
}

/** Append markdown sections to the job summary file. */
export async function writeSummary(...sections: string[]): Promise<void> {
  await core.summary.addRaw(sections.filter((s) => s !== '').join('\n\n') + '\n', true).write();
}
