import type { Plan } from '../../../actions/tag-release/src/plan';
import { planJson, planSteps, summaryMarkdown } from '../../../actions/tag-release/src/summary';

const plan: Plan = {
  mode: 'auto',
  sha: 'f'.repeat(40),
  bump: 'minor',
  version: '1.3.0',
  tag: 'v1.3.0',
  previousTag: 'v1.2.0',
  prerelease: false,
  resumed: false,
  reason: '1 change since v1.2.0 calls for a minor release.',
  deciding: [
    {
      sha: 'a'.repeat(40),
      type: 'feat',
      scope: 'api',
      subject: 'search',
      breaking: false,
      notes: [],
      from: 'subject',
    },
  ],
  changes: { changes: [], unconventional: [] },
};

test('plan steps: tag, release, floating tags; none when nothing is released', () => {
  expect(
    planSteps(plan, { release: true, floating: [{ name: 'v1', scope: { major: 1 } }] }).map(
      (s) => `${s.action} ${s.ref}`,
    ),
  ).toEqual(['push-tag v1.3.0', 'create-or-update-release v1.3.0', 'move-tag v1']);
  expect(planSteps({ ...plan, tag: undefined }, { release: true, floating: [] })).toEqual([]);
  expect(planJson(plan, [], 'notes')).toMatchObject({
    version: '1.3.0',
    deciding: [{ bump: 'minor', subject: 'search' }],
    notes: 'notes',
  });
});

test('summary: version, why, the deciding commits, tag state, release link, notes', () => {
  const md = summaryMarkdown(
    plan,
    { tag: 'pushed', release: { url: 'https://x/r', outcome: 'created' }, moved: [], dryRun: false },
    'NOTES',
    'https://github.com/o/r',
  );
  expect(md).toContain('## tag-release: v1.3.0 (minor)');
  expect(md).toContain('**Why:** 1 change since v1.2.0 calls for a minor release.');
  expect(md).toContain(
    '| [aaaaaaa](https://github.com/o/r/commit/' + 'a'.repeat(40) + ') | feat(api): search | minor |',
  );
  expect(md).toContain('`v1.3.0` (pushed)');
  expect(md).toContain('[v1.3.0](https://x/r) (created)');
  expect(md).toContain('NOTES');
  expect(summaryMarkdown(plan, { moved: [], dryRun: false }, '', '')).toContain(
    '(not pushed: the step failed)',
  );
  expect(summaryMarkdown(plan, { moved: [], dryRun: true }, '', '')).toContain('dry run');
});

test('a failed run: the headline says so, the failure sentence right below it; no empty header row', () => {
  const md = summaryMarkdown(plan, { moved: [], dryRun: false }, '', '', 'Policy failed: the tag exists.');
  expect(md).toMatch(
    /^## tag-release failed: v1\.3\.0 \(minor\)\n\n\*\*Failed:\*\* Policy failed: the tag exists\.\n\n\| Version \| `1\.3\.0` \|/,
  );
  expect(md).not.toContain('|  |  |');
});
