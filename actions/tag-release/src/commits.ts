import type { ParseMessage } from './parser';

/** One commit as `git log` gives it. */
export interface RawCommit {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** The whole message: subject, blank line, body and footers. */
  message: string;
}

export type Bump = 'major' | 'minor' | 'patch' | 'none';

/** One conventional change: a commit's header, or one `* type: …` bullet of a squash-merge body. */
export interface Change {
  sha: string;
  type: string;
  scope?: string;
  subject: string;
  breaking: boolean;
  /** BREAKING CHANGE / BREAKING-CHANGE footer texts: the upgrade notes. */
  notes: string[];
  /** Pull request number from a squash/merge subject's `(#123)`. */
  pr?: number;
  from: 'subject' | 'bullet';
}

export interface Classified {
  changes: Change[];
  /** Commits that carry no conventional header at all (listed under "Other changes"). */
  unconventional: { sha: string; subject: string; pr?: number }[];
}

const PR_SUFFIX = /\s*\(#(\d+)\)\s*$/;
// GitHub's squash-merge body lists each commit of the PR as `* subject`; `- ` is common in hand-written ones.
const BULLET = /^\s*[*-]\s+(\w+(?:\([^)]*\))?!?: \S.*)$/;

function prOf(subject: string): number | undefined {
  const m = PR_SUFFIX.exec(subject);
  return m ? Number(m[1]) : undefined;
}

const BANG_HEADER = /^\w+(?:\([^)]*\))?!: /;
/** A footer: a word token (or BREAKING CHANGE) and `: ` or ` #` (Conventional Commits 1.0 §8-§10, git trailers). */
const FOOTER = /^(?:BREAKING CHANGE|[\w-]+)(?:: | #)/;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE: (.*)$/;

/**
 * Whether a message is breaking, per the Conventional Commits spec (§12-§16) and nothing looser:
 * a `!` before the header's colon, or a footer whose token is `BREAKING CHANGE` or
 * `BREAKING-CHANGE` in upper case followed by `: `. A footer starts a paragraph (a blank line
 * before it) or follows another footer, and its value runs to the next footer. Body prose such as
 * a PR template's `Breaking change: none` or "breaking change avoided by ..." is not breaking
 * (conventional-commits-parser matches its note keywords in any case, anywhere).
 */
export function breakingOf(message: string): { breaking: boolean; notes: string[] } {
  const lines = message.split('\n');
  const footers: string[][] = [];
  let current: string[] | undefined;
  let inFooters = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (FOOTER.test(line) && (inFooters || (lines[i - 1] as string).trim() === '')) {
      inFooters = true;
      const m = BREAKING_FOOTER.exec(line);
      current = m ? [m[1] as string] : undefined;
      if (current) footers.push(current);
    } else if (BULLET.test(line)) {
      // A squash body's next commit: the footer before it has ended.
      inFooters = false;
      current = undefined;
    } else current?.push(line);
  }
  return {
    breaking: BANG_HEADER.test(lines[0] ?? '') || footers.length > 0,
    notes: footers.map((f) => f.join('\n').trim()).filter((t) => t !== ''),
  };
}

function toChange(
  parse: ParseMessage,
  sha: string,
  message: string,
  from: Change['from'],
  pr: number | undefined,
): Change | undefined {
  const parsed = parse(message);
  if (!parsed.type || !parsed.subject) return undefined;
  if (parsed.revert) return undefined;
  const { breaking, notes } = breakingOf(message);
  return {
    sha,
    type: parsed.type.toLowerCase(),
    scope: parsed.scope ?? undefined,
    subject: parsed.subject.replace(PR_SUFFIX, ''),
    breaking,
    notes,
    pr,
    from,
  };
}

/** What a revert commit undoes: the reverted commit's hash (git revert's body) and/or its subject line. */
export function revertTarget(
  message: string,
  parse: ParseMessage,
): { hash?: string; header: string } | undefined {
  const parsed = parse(message).revert;
  if (parsed?.header) return { hash: parsed.hash || undefined, header: parsed.header };
  // GitHub's "Revert" button, squash-merged: `Revert "feat: x (#11)" (#13)`, no "This reverts commit".
  const m = /^Revert "(.+)"(?:\s*\(#\d+\))?\s*$/.exec(message.split('\n')[0] ?? '');
  return m ? { header: m[1] as string } : undefined;
}

/**
 * The commits a range leaves out because a later commit of the same range reverts them: the
 * revert and the reverted commit both (conventional-changelog does the same). Newest first, as
 * `git log` lists them, so a revert of a revert brings the first change back. A revert of a
 * commit outside the range (a released change) stays: it is a change of its own.
 */
export function cancelledByRevert(commits: readonly RawCommit[], parse: ParseMessage): Set<string> {
  const cancelled = new Set<string>();
  commits.forEach((commit, i) => {
    if (cancelled.has(commit.sha) || commit.parents.length > 1) return;
    const target = revertTarget(commit.message, parse);
    if (!target) return;
    const older = commits.slice(i + 1).find((c) => {
      if (cancelled.has(c.sha) || c.parents.length > 1) return false;
      if (target.hash && target.hash.length >= 7) return c.sha.startsWith(target.hash);
      return (c.message.split('\n')[0] ?? '').trim() === target.header.trim();
    });
    if (!older) return;
    cancelled.add(commit.sha);
    cancelled.add(older.sha);
  });
  return cancelled;
}

/** A revert of a released change: `revert: <the reverted subject>`, a patch (the released behaviour changes back). */
function revertChange(commit: RawCommit, header: string, pr: number | undefined): Change {
  return {
    sha: commit.sha,
    type: 'revert',
    subject: header,
    breaking: false,
    notes: [],
    pr,
    from: 'subject',
  };
}

/**
 * The conventional changes of a range. Merge commits are skipped: `git log base..HEAD` lists the
 * merged branch's own commits too, so counting the merge would count them twice. A squash merge is
 * one commit whose subject is the PR title; the `* type: …` bullets of its body count as well, so
 * a `feat:` inside a PR titled `fix:` still bumps the minor. A change reverted within the range
 * is left out with its revert (see cancelledByRevert).
 */
export function classify(commits: readonly RawCommit[], parse: ParseMessage): Classified {
  const changes: Change[] = [];
  const unconventional: Classified['unconventional'] = [];
  const cancelled = cancelledByRevert(commits, parse);
  for (const commit of commits) {
    if (commit.parents.length > 1 || cancelled.has(commit.sha)) continue;
    const reverted = revertTarget(commit.message, parse);
    if (reverted) {
      changes.push(revertChange(commit, reverted.header, prOf(commit.message.split('\n')[0] ?? '')));
      continue;
    }
    const [subjectLine = ''] = commit.message.split('\n');
    const pr = prOf(subjectLine);
    const own: Change[] = [];
    const head = toChange(parse, commit.sha, commit.message.trim(), 'subject', pr);
    if (head) own.push(head);
    const seen = new Set(own.map((c) => `${c.type}\0${c.subject}`));
    for (const line of commit.message.split('\n').slice(1)) {
      const m = BULLET.exec(line);
      if (!m) continue;
      const bullet = toChange(parse, commit.sha, m[1] as string, 'bullet', pr);
      if (!bullet) continue;
      const key = `${bullet.type}\0${bullet.subject}`;
      if (seen.has(key)) continue;
      seen.add(key);
      own.push(bullet);
    }
    if (own.length === 0)
      unconventional.push({ sha: commit.sha, subject: subjectLine.replace(PR_SUFFIX, ''), pr });
    changes.push(...own);
  }
  return { changes, unconventional };
}

const RANK: Record<Bump, number> = { none: 0, patch: 1, minor: 2, major: 3 };

export function bumpOf(change: Change): Bump {
  if (change.breaking) return 'major';
  if (change.type === 'feat') return 'minor';
  if (change.type === 'fix' || change.type === 'perf' || change.type === 'revert') return 'patch';
  return 'none';
}

/** The release type the changes call for, and the changes that decided it (for the summary's "why"). */
export function decideBump(changes: readonly Change[]): { bump: Bump; deciding: Change[] } {
  let bump: Bump = 'none';
  for (const c of changes) if (RANK[bumpOf(c)] > RANK[bump]) bump = bumpOf(c);
  return { bump, deciding: bump === 'none' ? [] : changes.filter((c) => bumpOf(c) === bump) };
}

/** Split `git log --format=%H%x1f%P%x1f%an%x1f%ae%x1f%B%x1e` output. */
export function parseGitLog(output: string): RawCommit[] {
  return output
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record.trim() !== '')
    .map((record) => {
      const [sha = '', parents = '', authorName = '', authorEmail = '', message = ''] = record.split('\x1f');
      return {
        sha,
        parents: parents.split(' ').filter(Boolean),
        authorName,
        authorEmail,
        message: message.replace(/\s+$/, ''),
      };
    });
}
