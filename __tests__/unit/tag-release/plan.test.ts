import { PolicyFailure } from '@deploy-kit/shared';
import { classify, type RawCommit } from '../../../actions/tag-release/src/commits';
import { makePlan, type Facts } from '../../../actions/tag-release/src/plan';
import { versionTags } from '../../../actions/tag-release/src/versions';
import { parse } from './parser';

const HEAD = 'h'.repeat(40);
const sha = (c: string): string => c.repeat(40);

/** A history as a map: from-commit (or 'root') → the commit messages after it. */
function facts(mode: Facts['mode'], tags: Record<string, string>, merged: string[]): Facts {
  return {
    mode,
    prefix: 'v',
    initialVersion: '0.1.0',
    preMajor: 'minor',
    head: HEAD,
    tags: versionTags(
      Object.entries(tags).map(([name, commit]) => ({ name, commit })),
      'v',
    ),
    merged: new Set(merged),
  };
}

function since(messages: Record<string, string[]>) {
  const asked: (string | undefined)[] = [];
  const fn = async (from: string | undefined) => {
    asked.push(from);
    const list = messages[from ?? 'root'] ?? [];
    const commits: RawCommit[] = list.map((m, i) => ({
      sha: sha(String(i)),
      parents: ['p'],
      authorName: 'a',
      authorEmail: 'e',
      message: m,
    }));
    return classify(commits, parse);
  };
  return Object.assign(fn, { asked });
}

test('auto: the newest reachable final is the base, not the highest tag anywhere', async () => {
  const f = facts('auto', { 'v1.2.0': sha('a'), 'v9.0.0': sha('b'), 'v1.3.0-rc.1': sha('c') }, [
    'v1.2.0',
    'v1.3.0-rc.1',
  ]);
  const plan = await makePlan(f, since({ [sha('a')]: ['feat: x'] }));
  expect(plan).toMatchObject({
    version: '1.3.0',
    tag: 'v1.3.0',
    previousTag: 'v1.2.0',
    bump: 'minor',
    resumed: false,
  });
});

test('auto: HEAD already tagged (a rerun) resumes that version with the previous final for notes', async () => {
  const f = facts('auto', { 'v1.2.0': sha('a'), 'v1.3.0': HEAD }, ['v1.2.0', 'v1.3.0']);
  const plan = await makePlan(f, since({ [sha('a')]: ['feat: x'] }));
  expect(plan).toMatchObject({ version: '1.3.0', previousTag: 'v1.2.0', bump: 'minor', resumed: true });
});

test('rc: next number above every rc of that version; notes from the previous rc', async () => {
  const f = facts('rc', { 'v1.2.0': sha('a'), 'v1.2.1-rc.1': sha('b'), 'v1.2.1-rc.2': sha('c') }, [
    'v1.2.0',
    'v1.2.1-rc.1',
  ]);
  const s = since({ [sha('a')]: ['fix: y'], [sha('b')]: ['fix: y'] });
  const plan = await makePlan(f, s);
  expect(plan).toMatchObject({ version: '1.2.1-rc.3', previousTag: 'v1.2.1-rc.1', prerelease: true });
  expect(s.asked).toEqual([sha('a'), sha('b')]);
});

test('rc: HEAD already carries an rc: resume it', async () => {
  const f = facts('rc', { 'v1.2.0': sha('a'), 'v1.2.1-rc.1': sha('b'), 'v1.2.1-rc.2': HEAD }, [
    'v1.2.0',
    'v1.2.1-rc.1',
    'v1.2.1-rc.2',
  ]);
  const plan = await makePlan(f, since({}));
  expect(plan).toMatchObject({
    tag: 'v1.2.1-rc.2',
    previousTag: 'v1.2.1-rc.1',
    resumed: true,
    prerelease: true,
  });
});

test('promote: the newest rc at HEAD becomes the final; anywhere else is refused', async () => {
  const tags = { 'v1.2.0': sha('a'), 'v1.3.0-rc.1': sha('b'), 'v1.3.0-rc.2': HEAD };
  const plan = await makePlan(facts('promote', tags, Object.keys(tags)), since({}));
  expect(plan).toMatchObject({
    version: '1.3.0',
    tag: 'v1.3.0',
    previousTag: 'v1.2.0',
    bump: 'minor',
    prerelease: false,
  });

  const moved = { ...tags, 'v1.3.0-rc.2': sha('c') };
  await expect(makePlan(facts('promote', moved, Object.keys(moved)), since({}))).rejects.toThrow(
    PolicyFailure,
  );
  await expect(makePlan(facts('promote', moved, Object.keys(moved)), since({}))).rejects.toThrow(
    /HEAD hhhhhhhhhhhh is not the commit of the newest release candidate v1\.3\.0-rc\.2 \(cccccccccccc\)/,
  );
  // An older rc at HEAD was superseded by rc.2: refused too.
  const older = { 'v1.2.0': sha('a'), 'v1.3.0-rc.1': HEAD, 'v1.3.0-rc.2': sha('c') };
  await expect(makePlan(facts('promote', older, Object.keys(older)), since({}))).rejects.toThrow(
    /newest release candidate v1\.3\.0-rc\.2/,
  );
});

test('promote: rerun after the final was tagged on the rc commit resumes it', async () => {
  const tags = { 'v1.2.0': sha('a'), 'v1.3.0-rc.2': HEAD, 'v1.3.0': HEAD };
  const plan = await makePlan(facts('promote', tags, Object.keys(tags)), since({}));
  expect(plan).toMatchObject({ tag: 'v1.3.0', previousTag: 'v1.2.0', resumed: true });
});

test('nothing releasable: bump none with the reason', async () => {
  const f = facts('auto', { 'v1.2.0': sha('a') }, ['v1.2.0']);
  const plan = await makePlan(f, since({ [sha('a')]: ['docs: x', 'chore: y'] }));
  expect(plan).toMatchObject({ bump: 'none', previousTag: 'v1.2.0' });
  expect(plan.tag).toBeUndefined();
  expect(plan.reason).toMatch(/nothing to release/);
});
