import { classify } from '../../../actions/tag-release/src/commits';
import { contributorOf, imageRows, releaseNotes } from '../../../actions/tag-release/src/notes';
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
