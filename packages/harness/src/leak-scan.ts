import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Leak scanning, counted the way a reader of a GitHub run would find a secret: every form a
 * secret can be written in (raw, each of its lines, base64, URL- and form-encoded, JSON-escaped), looked
 * for in every place that is not masked or only masked by the runner's line-by-line masker.
 */

/** PEM armour lines are public; lines of only punctuation/whitespace are not secrets either. */
function secretLine(line: string): boolean {
  const t = line.trim();
  return t.length >= 3 && /[\p{L}\p{N}]/u.test(t) && !/^-----(BEGIN|END) [A-Z0-9 ]+-----$/.test(t);
}

/** The forms of one secret to look for. */
export function leakForms(secret: string): string[] {
  const bases = [secret, ...secret.split(/\r?\n|\r/).filter(secretLine)];
  const forms = new Set<string>();
  for (const b of bases) {
    if (b === '') continue;
    forms.add(b);
    forms.add(Buffer.from(b, 'utf8').toString('base64'));
    forms.add(encodeURIComponent(b));
    // Form encoding (a request body, a query string) spells more characters in %XX and space as +.
    forms.add(new URLSearchParams([['', b]]).toString().slice(1));
    forms.add(JSON.stringify(b).slice(1, -1));
  }
  return [...forms].filter((f) => f !== '');
}

/**
 * A short all-digit secret (a PIN) is a leak where it stands as a number of its own, not inside a
 * longer one: "4821" inside an epoch timestamp or a byte count is a coincidence, not the PIN.
 */
function contains(text: string, form: string): boolean {
  if (!/^\d{1,6}$/.test(form)) return text.includes(form);
  return new RegExp(`(?<!\\d)${form}(?!\\d)`).test(text);
}

/** Where each form of each secret shows up: "place: secret #i (form)" lines, empty when clean. */
export function scanForLeaks(places: Record<string, string>, secrets: readonly string[]): string[] {
  const hits: string[] = [];
  secrets.forEach((secret, i) => {
    for (const form of leakForms(secret))
      for (const [where, text] of Object.entries(places))
        if (contains(text, form)) hits.push(`${where}: secret #${i} as ${JSON.stringify(form).slice(0, 60)}`);
  });
  return hits;
}

/** Every regular file under `dir` (for files left behind), except those `keep` accepts. */
export function filesUnder(
  dir: string,
  keep: (file: string) => boolean = () => false,
): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && !keep(full)) out[`file ${full}`] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}
