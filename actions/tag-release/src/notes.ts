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
  /** The Validation section's entries (validation.ts); none: no section. */
  validation?: readonly string[];
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

/** GitHub refuses a release body over 125,000 characters (422 "body is too long"). */
export const RELEASE_BODY_LIMIT = 125_000;
/** What the notes aim under: room for GitHub counting a line end as two (\r\n), and for the shortening's own lines. */
export const NOTES_BUDGET = 118_000;

/** One section of the notes: a heading, lines that stay, and the entries that may be left out. */
interface Section {
  lines: string[];
  items: string[];
  /** How the entries are joined (a list: newline; contributors: a comma). */
  join?: string;
  /** Entries left out (said at the list's end, with the full changelog's link). */
  omitted?: number;
  /** The order in which sections give up entries when the notes are too long: lowest first. */
  keep: number;
}

function sections(input: NotesInput): Section[] {
  const { changes, links } = input;
  const breaking = changes.changes.filter((c) => c.breaking);
  const rest = changes.changes.filter((c) => !c.breaking);
  const feats = rest.filter((c) => FEATURES.has(c.type));
  const fixes = rest.filter((c) => FIXES.has(c.type));
  const reverts = rest.filter((c) => c.type === 'revert');
  const others = rest.filter((c) => !FEATURES.has(c.type) && !FIXES.has(c.type) && c.type !== 'revert');
  return [
    // What the pipeline proved about this commit: shortened last.
    { lines: ['### Validation'], items: [...(input.validation ?? [])], keep: 8 },
    {
      lines: ['### ⚠ Breaking changes and upgrade notes'],
      keep: 7,
      items: breaking.map((c) =>
        [line(c, links), ...c.notes.map((n) => `  ${n.replace(/\n/g, '\n  ')}`)].join('\n'),
      ),
    },
    { lines: ['### Features'], items: feats.map((c) => line(c, links)), keep: 3 },
    { lines: ['### Fixes'], items: fixes.map((c) => line(c, links)), keep: 2 },
    // A released change taken back: the reverted commit's subject.
    { lines: ['### Reverts'], items: reverts.map((c) => line(c, links)), keep: 2 },
    {
      lines: ['### Other changes'],
      keep: 1,
      items: [
        ...others.map((c) => line({ ...c, subject: `${c.type}: ${c.subject}` }, links)),
        ...changes.unconventional.map((u) => `- ${u.subject} ${refs(u.sha, u.pr, links)}`),
      ],
    },
    {
      lines: [
        '### Database migrations',
        'New Django migrations in this release (applied by the deploy; check them before a rollback past this version):',
      ],
      items: input.migrations.map((m) => `- ${mdCode(m)}`),
      keep: 6,
    },
    {
      lines: ['### Images', '| Service | Image | Digest |', '| --- | --- | --- |'],
      items: imageRows(input.images),
      keep: 5,
    },
    { lines: ['### Contributors'], items: contributors(input.commits), join: ', ', keep: 4 },
  ].filter((section) => section.items.length > 0);
}

function render(section: Section, changelog: string): string {
  const body = section.items.join(section.join ?? '\n');
  const n = section.omitted ?? 0;
  const more =
    n === 0
      ? ''
      : section.join
        ? `${body ? ', ' : ''}and ${n} more (full changelog: ${changelog})`
        : `${body ? '\n\n' : ''}… and ${n} more in the full changelog: ${changelog}`;
  return [...section.lines, body + more].join('\n');
}

/**
 * Leave entries out, least needed first (other changes, fixes, features, contributors, images,
 * migrations, breaking changes last), from the end of each list, until the notes fit the budget.
 * Each shortened list ends with how many were left out and the full changelog's link.
 */
function fit(all: Section[], fixed: number, changelog: string, budget: number): number {
  const length = (): number => all.reduce((n, s) => n + render(s, changelog).length + 2, fixed);
  let left = 0;
  const drop = (section: Section): void => {
    section.items.pop();
    section.omitted = (section.omitted ?? 0) + 1;
    left += 1;
  };
  for (const section of [...all].sort((a, b) => a.keep - b.keep)) {
    // Subtract as we go (one render per section, not per entry), then settle exactly.
    let over = length() - budget;
    while (over > 0 && section.items.length > 0) {
      over -= (section.items.at(-1) as string).length + (section.join ?? '\n').length;
      drop(section);
    }
    while (length() > budget && section.items.length > 0) drop(section);
  }
  return left;
}

export function releaseNotes(input: NotesInput, budget = NOTES_BUDGET): string {
  const { links } = input;
  const changelog = input.previousTag
    ? `${links.repoUrl}/compare/${input.previousTag}...${input.tag}`
    : `${links.repoUrl}/commits/${input.tag}`;
  const footer = `**Full changelog:** ${changelog}`;
  const all = sections(input);
  const total = all.reduce((n, s) => n + s.items.length, 0);
  const notice = (left: number): string =>
    `> These notes list ${total - left} of ${total} entries: GitHub takes at most ` +
    `${RELEASE_BODY_LIMIT.toLocaleString('en-US')} characters in a release. Everything is in the full changelog: ${changelog}`;
  const left = fit(all, footer.length + notice(total).length + 2, changelog, budget);
  const parts = all.map((s) => render(s, changelog));
  if (left > 0) parts.unshift(notice(left));
  parts.push(footer);
  return parts.join('\n\n') + '\n';
}
