import {
  breakingOf,
  cancelledByRevert,
  classify,
  decideBump,
  parseGitLog,
  type RawCommit,
} from '../../../actions/tag-release/src/commits';
import { parse } from './parser';

let n = 0;
function commit(message: string, parents = 1): RawCommit {
  n += 1;
  const sha = n.toString(16).padStart(40, '0');
  return {
    sha,
    parents: Array.from({ length: parents }, (_, i) => `p${i}`),
    authorName: 'A',
    authorEmail: 'a@x',
    message,
  };
}

describe('classify and decideBump', () => {
  test.each([
    ['feat: add search', 'minor'],
    ['fix(api): null body', 'patch'],
    ['perf: faster', 'patch'],
    ['feat(api)!: drop v1 endpoints', 'major'],
    ['refactor: x\n\nBREAKING CHANGE: settings renamed', 'major'],
    ['chore: x\n\nBREAKING-CHANGE: hyphenated footer', 'major'],
    ['docs: readme', 'none'],
    ['Update README', 'none'],
    ['FEAT: upper-case type', 'minor'],
  ])('%j → %s', (message, bump) => {
    expect(decideBump(classify([commit(message)], parse).changes).bump).toBe(bump);
  });

  test('squash merge: the PR title and its `* type:` bullets count; duplicates of the title are dropped', () => {
    const c = classify(
      [
        commit(
          'fix(api): handle empty payloads (#12)\n\n* fix(api): handle empty payloads\n* feat(api): accept gzip\n* wip\n- perf: cache',
        ),
      ],
      parse,
    );
    expect(c.changes.map((x) => [x.type, x.subject, x.pr, x.from])).toEqual([
      ['fix', 'handle empty payloads', 12, 'subject'],
      ['feat', 'accept gzip', 12, 'bullet'],
      ['perf', 'cache', 12, 'bullet'],
    ]);
    expect(decideBump(c.changes)).toMatchObject({
      bump: 'minor',
      deciding: [expect.objectContaining({ subject: 'accept gzip' })],
    });
  });

  test('a squash whose title is not conventional still counts its bullets', () => {
    const c = classify([commit('Orders overhaul (#40)\n\n* feat!: new order states\n* fix: totals')], parse);
    expect(decideBump(c.changes).bump).toBe('major');
    expect(c.unconventional).toEqual([]);
  });

  test('merge commits are not counted (their branch commits are in the range already)', () => {
    const c = classify(
      [commit('Merge pull request #5 from x/y\n\nfeat: the PR title', 2), commit('fix: from the branch')],
      parse,
    );
    expect(c.changes.map((x) => x.subject)).toEqual(['from the branch']);
    expect(decideBump(c.changes).bump).toBe('patch');
  });

  test('upgrade notes keep the footer text; the `!` alone adds none', () => {
    const [a, b] = classify(
      [commit('feat!: new auth'), commit('fix: x\n\nBREAKING CHANGE: rotate SECRET_KEY before deploying')],
      parse,
    ).changes;
    expect(a).toMatchObject({ breaking: true, notes: [] });
    expect(b).toMatchObject({ breaking: true, notes: ['rotate SECRET_KEY before deploying'] });
  });

  test('a revert of a commit outside the range (released) is a patch; non-conventional commits do not bump and are others', () => {
    const c = classify(
      [commit('Revert "feat: x"\n\nThis reverts commit abc1234def.'), commit('Bump deps')],
      parse,
    );
    expect(decideBump(c.changes)).toMatchObject({ bump: 'patch' });
    expect(c.changes).toEqual([expect.objectContaining({ type: 'revert', subject: 'feat: x' })]);
    expect(c.unconventional.map((u) => u.subject)).toEqual(['Bump deps']);
  });

  test('a revert of a commit in the range takes both out (by hash, or by subject for a squash-merged revert PR)', () => {
    const feat = commit('feat: x');
    const fix = commit('fix: y');
    const revert = commit(`Revert "feat: x"\n\nThis reverts commit ${feat.sha}.`);
    // git log order: newest first.
    expect(cancelledByRevert([revert, fix, feat], parse)).toEqual(new Set([revert.sha, feat.sha]));
    const c = classify([revert, fix, feat], parse);
    expect(c.changes.map((x) => x.subject)).toEqual(['y']);
    expect(c.unconventional).toEqual([]);
    expect(decideBump(c.changes).bump).toBe('patch');

    const pr = commit('feat: z (#11)');
    const squash = commit('Revert "feat: z (#11)" (#13)\n\nReverts example/app#11');
    expect(decideBump(classify([squash, pr], parse).changes).bump).toBe('none');
  });

  test('a revert of a revert brings the change back', () => {
    const feat = commit('feat: x');
    const revert = commit(`Revert "feat: x"\n\nThis reverts commit ${feat.sha}.`);
    const again = commit(`Revert "Revert "feat: x""\n\nThis reverts commit ${revert.sha}.`);
    const c = classify([again, revert, feat], parse);
    expect(c.changes.map((x) => `${x.type}: ${x.subject}`)).toEqual(['feat: x']);
    expect(decideBump(c.changes).bump).toBe('minor');
  });
});

test('parseGitLog splits records with multi-line bodies', () => {
  const out =
    `${'a'.repeat(40)}\x1f${'b'.repeat(40)} ${'c'.repeat(40)}\x1fAlice\x1fa@x\x1fMerge x\n\nbody\n\x1e\n` +
    `${'d'.repeat(40)}\x1f\x1fBob\x1fb@x\x1ffeat: root\n\x1e\n`;
  expect(parseGitLog(out)).toEqual([
    {
      sha: 'a'.repeat(40),
      parents: ['b'.repeat(40), 'c'.repeat(40)],
      authorName: 'Alice',
      authorEmail: 'a@x',
      message: 'Merge x\n\nbody',
    },
    { sha: 'd'.repeat(40), parents: [], authorName: 'Bob', authorEmail: 'b@x', message: 'feat: root' },
  ]);
});

describe('breaking, per the spec only (issue 18 C2)', () => {
  test.each([
    ['fix: x\n\nBreaking change: none', false],
    ['fix: x\n\nbreaking change avoided by keeping the alias', false],
    ['fix: x\n\nBREAKING CHANGE avoided by keeping the alias', false],
    ['fix: x\n\nbreaking-change: lower case token', false],
    ['fix: x\nBREAKING CHANGE: not after a blank line, so body text', false],
    ['fix: x\n\nsome body\n\nBREAKING CHANGE: real', true],
    ['fix: x\n\nRefs: #12\nBREAKING-CHANGE: after another footer', true],
    ['fix!: bang', true],
    ['fix(api)!: bang with scope', true],
  ])('%j → %s', (message, breaking) => {
    expect(breakingOf(message).breaking).toBe(breaking);
  });

  test('the note runs to the next footer, over lines and paragraphs', () => {
    const { notes } = breakingOf(
      'feat: x\n\nBREAKING CHANGE: rename A\nto B\n\nand run migrate\nReviewed-by: Z\nBREAKING-CHANGE: second',
    );
    expect(notes).toEqual(['rename A\nto B\n\nand run migrate', 'second']);
  });

  test('a squash body with a PR-template line is a patch, not a major', () => {
    const { changes } = classify(
      [
        commit(
          'fix(api): handle empty payloads (#12)\n\n* fix(api): handle empty payloads\n\nBreaking change: none',
        ),
      ],
      parse,
    );
    expect(decideBump(changes).bump).toBe('patch');
  });
});
