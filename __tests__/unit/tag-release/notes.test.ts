import { classify } from '../../../actions/tag-release/src/commits';
import {
  contributorOf,
  imageRows,
  NOTES_BUDGET,
  RELEASE_BODY_LIMIT,
  releaseNotes,
} from '../../../actions/tag-release/src/notes';
import { parse } from './parser';

const commit = (sha: string, message: string, authorName = 'A', authorEmail = 'a@x') => ({
  sha: sha.repeat(40),
  parents: ['p'],
  authorName,
  authorEmail,
  message,
});

test('sections in order, links to commits and PRs, upgrade notes under breaking changes', () => {
  const commits = [
    commit('a', 'feat(api): search (#3)'),
    commit('b', 'fix: crash\n\nBREAKING CHANGE: set DATABASE_URL'),
    commit('c', 'docs: readme'),
    commit('d', 'tidy up'),
  ];
  const notes = releaseNotes({
    tag: 'v2.0.0',
    previousTag: 'v1.0.0',
    changes: classify(commits, parse),
    commits,
    migrations: ['shop/migrations/0002_x.py'],
    images: {},
    links: { repoUrl: 'https://github.com/o/r' },
  });
  expect(notes).toContain(
    '- **api:** search [#3](https://github.com/o/r/pull/3) ([aaaaaaa](https://github.com/o/r/commit/' +
      'a'.repeat(40) +
      '))',
  );
  expect(notes).toContain('  set DATABASE_URL');
  expect(notes).toContain('- docs: readme');
  expect(notes).toContain('- tidy up');
  const order = [
    'Breaking changes',
    '### Features',
    '### Other changes',
    '### Database migrations',
    '### Contributors',
    'compare/v1.0.0...v2.0.0',
  ].map((s) => notes.indexOf(s));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((x, y) => x - y)).toEqual(order);
  expect(notes).not.toContain('### Fixes');
});

test('contributors: GitHub logins from no-reply addresses, names otherwise', () => {
  expect(contributorOf('Alice', '123+alice@users.noreply.github.com')).toBe('@alice');
  expect(contributorOf('Bot', '41898282+github-actions[bot]@users.noreply.github.com')).toBe(
    '@github-actions[bot]',
  );
  expect(contributorOf('Bob', 'bob@example.org')).toBe('Bob');
});

test('image rows: digest split from the reference, or said to be missing', () => {
  expect(imageRows({ web: 'r/app:1@sha256:abc', db: 'r/db:1' })).toEqual([
    '| db | `r/db:1` | `not pushed (no digest)` |',
    '| web | `r/app:1` | `sha256:abc` |',
  ]);
});

test("notes over GitHub's 125,000-character limit are shortened, breaking changes kept, the changelog linked", () => {
  const commits = Array.from({ length: 2500 }, (_, i) =>
    commit(
      (i % 16).toString(16),
      i === 7
        ? 'refactor: rename settings\n\nBREAKING CHANGE: set DATABASE_URL before deploying'
        : `${['feat', 'fix', 'chore'][i % 3]}(area${i % 20}): change number ${i} with a subject of some length (#${i})`,
      `Person ${i % 40}`,
      `p${i % 40}@example.org`,
    ),
  );
  const input = {
    tag: 'v0.1.0',
    changes: classify(commits, parse),
    commits,
    migrations: ['shop/migrations/0001_initial.py'],
    images: {},
    links: { repoUrl: 'https://github.com/o/r' },
  };
  const full = releaseNotes(input, Infinity);
  expect(full.length).toBeGreaterThan(RELEASE_BODY_LIMIT);
  const notes = releaseNotes(input);
  expect(notes.length).toBeLessThanOrEqual(NOTES_BUDGET);
  expect(notes.replace(/\n/g, '\r\n').length).toBeLessThan(RELEASE_BODY_LIMIT);
  expect(notes).toMatch(/^> These notes list \d+ of 2541 entries: GitHub takes at most 125,000 characters/);
  expect(notes).toContain('set DATABASE_URL before deploying');
  expect(notes).toContain('`shop/migrations/0001_initial.py`');
  expect(notes).toMatch(
    /… and \d+ more in the full changelog: https:\/\/github\.com\/o\/r\/commits\/v0\.1\.0/,
  );
  expect(notes).toContain('### Features');
  expect(notes.trimEnd().endsWith('**Full changelog:** https://github.com/o/r/commits/v0.1.0')).toBe(true);
});
