/** The runner's log masking, emulated: what a reader of the job's log would see. */

export function maskLog(text: string, masks: readonly string[]): string {
  const kept = text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  // Longest first, as the runner does, so a value containing another is masked whole.
  return [...masks]
    .filter((m) => m !== '')
    .sort((a, b) => b.length - a.length)
    .reduce((acc, m) => acc.split(m).join('***'), kept);
}

/**
 * The runner's masking, emulated: it masks registered strings inside each log line separately
 * (overlapping matches merged, see maskLine), so a value containing a line break never matches,
 * and nothing else is masked.
 */
export function maskLogByLine(text: string, masks: readonly string[]): string {
  const ordered = [...new Set(masks)].filter((m) => m !== '');
  return text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .map((line) => maskLine(line, ordered))
    .join('\n');
}

/**
 * One line as the runner's SecretMasker writes it: every occurrence of every mask marked, and
 * each run of marked characters (overlapping or touching matches merged) replaced by one ***.
 * Written independently of the product's Masker on purpose: this is the oracle it is checked by
 * (and what `deploy-kit`'s terminal log applies, being the runner's behaviour). No empty mask.
 */
export function maskLine(line: string, masks: readonly string[]): string {
  const marked = new Array<boolean>(line.length).fill(false);
  let any = false;
  for (const m of masks)
    for (let at = line.indexOf(m); at !== -1; at = line.indexOf(m, at + 1)) {
      marked.fill(true, at, at + m.length);
      any = true;
    }
  if (!any) return line;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (!marked[i]) out += line[i];
    else if (i === 0 || !marked[i - 1]) out += '***';
  }
  return out;
}
