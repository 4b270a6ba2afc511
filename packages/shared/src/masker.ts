/**
 * Replaces secrets in text the way the GitHub runner's SecretMasker does: every occurrence of
 * every form is found, overlapping or touching matches are merged, and each merged stretch
 * becomes `***` — line by line, as the runner masks. Compiled once per set of forms: the forms
 * are bucketed by their first two characters, so a line is read once, not once per form (a
 * render-env run with 1,000 secret keys registers ~14,000 forms and redacts ~1,000 strings).
 */
export class Masker {
  /** Forms of one character, and longer forms by their first two characters, longest first. */
  private readonly single = new Set<string>();
  private readonly byPrefix = new Map<string, string[]>();
  readonly size: number;

  constructor(forms: Iterable<string>) {
    const unique = new Set<string>();
    for (const form of forms) if (form !== '') unique.add(form);
    this.size = unique.size;
    for (const form of unique) {
      if (form.length === 1) {
        this.single.add(form);
        continue;
      }
      const key = form.slice(0, 2);
      const bucket = this.byPrefix.get(key);
      if (bucket) bucket.push(form);
      else this.byPrefix.set(key, [form]);
    }
    for (const bucket of this.byPrefix.values()) bucket.sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    if (this.size === 0) return text;
    return text
      .split('\n')
      .map((line) => this.redactLine(line))
      .join('\n');
  }

  private redactLine(line: string): string {
    let out = '';
    let copiedTo = 0; // line[0, copiedTo) is in `out`
    let maskStart = -1;
    let maskEnd = -1; // the merged stretch being masked: [maskStart, maskEnd)
    for (let p = 0; p < line.length; p++) {
      const end = p + this.longestAt(line, p);
      if (end === p) continue;
      if (maskStart >= 0 && p <= maskEnd) {
        maskEnd = Math.max(maskEnd, end);
        continue;
      }
      if (maskStart >= 0) {
        out += `${line.slice(copiedTo, maskStart)}***`;
        copiedTo = maskEnd;
      }
      maskStart = p;
      maskEnd = end;
    }
    if (maskStart < 0) return line;
    return `${out}${line.slice(copiedTo, maskStart)}***${line.slice(maskEnd)}`;
  }

  /** The length of the longest form that starts at `p`, or 0. */
  private longestAt(line: string, p: number): number {
    const bucket = this.byPrefix.get(line.slice(p, p + 2));
    if (bucket) for (const form of bucket) if (line.startsWith(form, p)) return form.length;
    return this.single.has(line[p] as string) ? 1 : 0;
  }
}
