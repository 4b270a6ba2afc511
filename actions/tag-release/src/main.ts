import * as core from '@actions/core';
import picomatch from 'picomatch';
import { InputError, registerSecret, setOutputs, writeSummary } from '@deploy-kit/shared';
import { classify, parseGitLog } from './commits';
import { authEnv, basicCredentials, Git } from './git';
import { Releases } from './github';
import { readInputs, type Inputs } from './inputs';
import { releaseNotes } from './notes';
import { loadParser } from './parser';
import { makePlan, type Plan } from './plan';
import { planJson, planSteps, summaryMarkdown, type Done } from './summary';
import { ensureTag, moveFloatingTag } from './tag';
import { versionTags } from './versions';

export function notShallowable(detail: string): InputError {
  return new InputError(
    `the checkout is shallow and could not be deepened (${detail}); check out with ` +
      '`fetch-depth: 0` (actions/checkout) so every commit and tag since the last release is there.',
  );
}

/** The floating tags a final release moves: vN, and vN.M with move-minor. */
export function floatingTags(
  inputs: Pick<Inputs, 'moveMajor' | 'moveMinor' | 'tagPrefix'>,
  plan: Plan,
): string[] {
  if (!inputs.moveMajor || plan.prerelease || !plan.version) return [];
  const [major, minor] = plan.version.split('.');
  const names = [`${inputs.tagPrefix}${major}`];
  if (inputs.moveMinor) names.push(`${inputs.tagPrefix}${major}.${minor}`);
  return names;
}

async function identity(git: Git): Promise<Record<string, string>> {
  // An annotated tag needs a tagger; a runner's clone has none configured.
  const name = await git.run(['config', 'user.name'], { allowFail: true });
  if (name.code === 0 && name.stdout.trim() !== '') return {};
  const bot = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' };
  return {
    GIT_AUTHOR_NAME: bot.name,
    GIT_AUTHOR_EMAIL: bot.email,
    GIT_COMMITTER_NAME: bot.name,
    GIT_COMMITTER_EMAIL: bot.email,
  };
}

export async function main(): Promise<void> {
  const inputs = readInputs();
  if (inputs.token !== '') {
    // The token, and the Basic credentials and header git sends it in, reach no log line.
    registerSecret(inputs.token);
    registerSecret(basicCredentials(inputs.token));
    registerSecret(`AUTHORIZATION: basic ${basicCredentials(inputs.token)}`);
  }
  const repoUrl = `${inputs.serverUrl}/${inputs.repository.owner}/${inputs.repository.repo}`;
  const probe = new Git(inputs.workingDirectory, {});
  if (!(await probe.isRepository()))
    throw new InputError(
      `'working-directory' (${inputs.workingDirectory}) is not a git repository; run actions/checkout with fetch-depth: 0 first.`,
    );
  // No token (a dry run may go without) means no header at all: an empty Basic header would be refused.
  const auth = inputs.token === '' ? {} : authEnv(inputs.serverUrl, inputs.token);
  const git = new Git(inputs.workingDirectory, auth, await identity(probe));
  if (!(await git.hasRemote(inputs.remote)))
    throw new InputError(`'remote' names '${inputs.remote}', which this clone does not have.`);

  const { head, tags, merged } = await core.group('Reading the history and tags', async () => {
    if (await git.isShallow()) {
      core.info('The clone is shallow: fetching the whole history and every tag.');
      const r = await git.unshallow(inputs.remote);
      if (r.code !== 0) throw notShallowable(r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`);
    }
    await git.fetchTags(inputs.remote);
    const facts = { head: await git.head(), tags: await git.tags(), merged: await git.mergedTags() };
    core.info(`HEAD ${facts.head}; ${facts.tags.length} tag(s), ${facts.merged.size} reachable from HEAD.`);
    return facts;
  });

  const parse = await loadParser();
  const changesSince = async (from: string | undefined) =>
    classify(parseGitLog(await git.log(from, head)), parse);
  const plan = await makePlan(
    {
      mode: inputs.mode,
      prefix: inputs.tagPrefix,
      initialVersion: inputs.initialVersion,
      preMajor: inputs.preMajor,
      head,
      tags: versionTags(tags, inputs.tagPrefix),
      merged,
    },
    changesSince,
  );
  core.info(plan.reason);

  let notes = '';
  if (plan.tag) {
    const isMigration = picomatch(inputs.migrations, { dot: true });
    const migrations = (await git.addedFiles(plan.previousCommit, head)).filter((f) => isMigration(f)).sort();
    const commits = parseGitLog(await git.log(plan.previousCommit, head)).filter((c) => c.parents.length < 2);
    notes = releaseNotes({
      tag: plan.tag,
      previousTag: plan.previousTag,
      changes: plan.changes,
      commits,
      migrations,
      images: inputs.images,
      links: { repoUrl },
    });
  }
  const floating = floatingTags(inputs, plan);
  const steps = planSteps(plan, { release: inputs.release, floating });
  const json = planJson(plan, steps, notes);
  const done: Done = { moved: [], dryRun: inputs.dryRun };
  const outputs = (): Parameters<typeof setOutputs>[0] => ({
    version: plan.version ?? '',
    tag: plan.tag ?? '',
    'previous-tag': plan.previousTag ?? '',
    bump: plan.bump,
    'release-url': done.release?.url ?? '',
    notes,
    sha: plan.sha,
    plan: json,
  });

  if (inputs.dryRun || !plan.tag) {
    if (inputs.dryRun) core.info(`Dry run, nothing changed. The plan:\n${JSON.stringify(json, null, 2)}`);
    setOutputs(outputs());
    await writeSummary(summaryMarkdown(plan, done, notes, repoUrl));
    return;
  }
  const tag = plan.tag;

  // Whatever step fails, the outputs and the summary say how far the release got (a rerun completes it).
  try {
    done.tag = await core.group(`Tagging ${tag} at ${head.slice(0, 12)}`, async () => {
      const outcome = await ensureTag(git, inputs.remote, tag, head, `${tag}\n\n${plan.reason}`);
      core.info(outcome === 'pushed' ? `Pushed ${tag}.` : `${tag} is already at ${head}: nothing to do.`);
      return outcome;
    });

    const releases = new Releases(inputs.token, inputs.repository, inputs.apiUrl);
    releases.onRetry = (message) => core.info(message);
    if (inputs.release)
      done.release = await core.group(`Publishing the release ${tag}`, async () => {
        const r = await releases.upsert({
          tag,
          sha: head,
          name: tag,
          body: notes,
          prerelease: plan.prerelease,
          latest: !plan.prerelease,
        });
        core.info(`Release ${tag} ${r.outcome}: ${r.url}`);
        return r;
      });

    if (floating.length > 0)
      await core.group(`Moving ${floating.join(', ')} to ${head.slice(0, 12)}`, async () => {
        for (const name of floating) {
          await releases.assertNoRelease(name);
          const outcome = await moveFloatingTag(git, inputs.remote, name, head);
          core.info(`${name}: ${outcome}.`);
          done.moved.push({ name, outcome });
        }
      });
  } finally {
    setOutputs(outputs());
    await writeSummary(summaryMarkdown(plan, done, notes, repoUrl));
  }
  core.info(`${tag} released${done.release ? `: ${done.release.url}` : ''}.`);
}
