import { mdCode, mdEscape } from '@deploy-kit/shared';
import type { Change, Classified, RawCommit } from './commits';

/** Release notes as markdown. Pure: everything it shows is handed in. */

export interface Links {
  /** https://github.com/owner/repo */
  repoUrl: string;
}

export interface NotesInput {
  tag: string;
  previousTag?: string;
  changes: Classified;
  commits: readonly RawCommit[];
  migrations: readonly string[];
  /** service → image reference (build-images' `images` output). */
  images: Readonly<Record<string, string>>;
  links: Links;
}

const FEATURES = new Set(['feat']);
const FIXES = new Set(['fix', 'perf']);

function refs(sha: string, pr: number | undefined, links: Links): string {
  const commit = `[${sha.slice(0, 7)}](${links.repoUrl}/commit/${sha})`;
  return pr === undefined ? commit : `[#${pr}](${links.repoUrl}/pull/${pr}) (${commit})`;
}

function line(c: Change, links: Links): string {
  const scope = c.scope ? `**${mdEscape(c.scope)}:** ` : '';
  return `- ${scope}${c.subject} ${refs(c.sha, c.pr, links)}`;
}

/** GitHub's no-reply addresses carry the login: `123+octocat@users.noreply.github.com`. */
export function contributorOf(name: string, email: string): string {
  const m = /^(?:\d+\+)?([A-Za-z0-9-]+(?:\[bot\])?)@users\.noreply\.github\.com$/i.exec(email);
  return m ? `@${m[1]}` : name;
}

export function contributors(commits: readonly RawCommit[]): string[] {
  const seen = new Set<string>();
  for (const c of commits)
    if (c.authorName || c.authorEmail) seen.add(contributorOf(c.authorName, c.authorEmail));
  return [...seen].sort((a, b) => a.localeCompare(b));
}

/** Image references with a digest first, then the rest; `registry/name:tag@sha256:…`. */
export function imageRows(images: Readonly<Record<string, string>>): string[] {
  return Object.entries(images)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, ref]) => {
      const at = ref.indexOf('@sha256:');
      const digest = at >= 0 ? ref.slice(at + 1) : 'not pushed (no digest)';
      const name = at >= 0 ? ref.slice(0, at) : ref;
      return `| ${mdEscape(service)} | ${mdCode(name)} | ${mdCode(digest)} |`;
    });
}

export function releaseNotes(input: NotesInput): string {
  const { changes, links } = input;
  const sections: string[] = [];
  const breaking = changes.changes.filter((c) => c.breaking);
  if (breaking.length > 0) {
    const items = breaking.map((c) => {
      const notes = c.notes.map((n) => `  ${n.replace(/\n/g, '\n  ')}`);
      return [line(c, links), ...notes].join('\n');
    });
    sections.push(['### ⚠ Breaking changes and upgrade notes', ...items].join('\n'));
  }
  const rest = changes.changes.filter((c) => !c.breaking);
  const feats = rest.filter((c) => FEATURES.has(c.type));
  const fixes = rest.filter((c) => FIXES.has(c.type));
  const others = rest.filter((c) => !FEATURES.has(c.type) && !FIXES.has(c.type));
  if (feats.length > 0) sections.push(['### Features', ...feats.map((c) => line(c, links))].join('\n'));
  if (fixes.length > 0) sections.push(['### Fixes', ...fixes.map((c) => line(c, links))].join('\n'));
  const otherLines = [
    ...others.map((c) => line({ ...c, subject: `${c.type}: ${c.subject}` }, links)),
    ...changes.unconventional.map((u) => `- ${u.subject} ${refs(u.sha, u.pr, links)}`),
  ];
  if (otherLines.length > 0) sections.push(['### Other changes', ...otherLines].join('\n'));
  if (input.migrations.length > 0)
    sections.push(
      [
        '### Database migrations',
        'New Django migrations in this release (applied by the deploy; check them before a rollback past this version):',
        ...input.migrations.map((m) => `- ${mdCode(m)}`),
      ].join('\n'),
    );
  const images = imageRows(input.images);
  if (images.length > 0)
    sections.push(
      ['### Images', '| Service | Image | Digest |', '| --- | --- | --- |', ...images].join('\n'),
    );
  const people = contributors(input.commits);
  if (people.length > 0) sections.push(['### Contributors', people.join(', ')].join('\n'));
  sections.push(
    input.previousTag
      ? `**Full changelog:** ${links.repoUrl}/compare/${input.previousTag}...${input.tag}`
      : `**Full changelog:** ${links.repoUrl}/commits/${input.tag}`,
  );
  return sections.join('\n\n') + '\n';
}
