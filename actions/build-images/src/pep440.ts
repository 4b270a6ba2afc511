/**
 * PEP 440 versions (Python's), normalised as PEP 440 says: `v1.2.3-rc.1`
 * becomes `1.2.3rc1`, `1.0-alpha2` becomes `1.0a2`. The pattern is the one
 * published in PEP 440 Appendix B, so anything pip accepts parses here.
 */
const VERSION_PATTERN = new RegExp(
  '^\\s*v?' +
    '(?:(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_\\.]?(?<pre_l>(a|b|c|rc|alpha|beta|pre|preview))[-_\\.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_\\.]?(?<post_l>post|rev|r)[-_\\.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_\\.]?(?<dev_l>dev)[-_\\.]?(?<dev_n>[0-9]+)?)?)' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_\\.][a-z0-9]+)*))?\\s*$',
  'i',
);

export interface Pep440 {
  /** Normalised full version. */
  version: string;
  major: number;
  minor: number;
  patch: number;
  /** Has a pre-release or dev segment. */
  prerelease: boolean;
}

const PRE_LABEL: Record<string, string> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc',
};

export function parsePep440(text: string): Pep440 | undefined {
  const m = VERSION_PATTERN.exec(text);
  const g = m?.groups;
  if (!g || !g.release) return undefined;
  const release = g.release.split('.').map((n) => String(Number(n)));
  let version = (g.epoch && Number(g.epoch) !== 0 ? `${Number(g.epoch)}!` : '') + release.join('.');
  if (g.pre_l) version += `${PRE_LABEL[g.pre_l.toLowerCase()]}${Number(g.pre_n ?? 0)}`;
  if (g.post) version += `.post${Number(g.post_n1 ?? g.post_n2 ?? 0)}`;
  if (g.dev) version += `.dev${Number(g.dev_n ?? 0)}`;
  if (g.local) version += `+${g.local.toLowerCase().replace(/[-_]/g, '.')}`;
  const [major = 0, minor = 0, patch = 0] = release.map(Number);
  return { version, major, minor, patch, prerelease: Boolean(g.pre_l || g.dev) };
}
