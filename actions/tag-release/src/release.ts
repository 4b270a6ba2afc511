import * as core from '@actions/core';
import picomatch from 'picomatch';
import {
  errorMessage,
  InputError,
  isActionError,
  registerSecret,
  ToolError,
  type ActionContext,
  type ActionError,
  type ActionResult,
} from '@deploy-kit/shared';
import * as semver from 'semver';
import { annotate } from './annotate';
import { annotatedEnvironments } from './annotate-notes';
import { classify, parseGitLog } from './commits';
import { newerFinal, type Floating, type Scope } from './forward';
import { authEnv, basicCredentials, Git } from './git';
import type { Inputs } from './inputs';
import { releaseNotes } from './notes';
import { Releases } from './github';
import { publish } from './publish';
import { extractValidation, validationItems, type Promotion } from './validation';
import { loadParser } from './parser';
import { makePlan, type Plan } from './plan';
import { finish, type Outputs, type Planned } from './results';
import { planJson, planSteps, type Done } from './summary';
import { versionTags, type Tag } from './versions';

/**
 * tag-release, as its README tells it: read the history and every tag → decide the version from
 * the Conventional Commits since the base → write the notes → push the annotated tag, publish the
 * GitHub Release, move vN. A dry run stops after the notes. Every step is safe to rerun.
 */
export async function tagRelease(inputs: Inputs, context: ActionContext): Promise<ActionResult<Outputs>> {
  maskToken(inputs.token);
  const repoUrl = `${inputs.serverUrl}/${inputs.repository.owner}/${inputs.repository.repo}`;
  const done: Done = { moved: [], dryRun: inputs.dryRun };
  let planned: Planned | undefined;
  try {
    const git = await openCheckout(inputs, context.signal);
    const history = await readHistory(git, inputs.remote);
    if (inputs.mode === 'annotate') {
      planned = await annotate(inputs, history, done, context.signal);
      return finish({ planned, done, repoUrl });
    }
    planned = await planRelease(git, inputs, history, repoUrl, context.signal);
    core.info(planned.plan.reason);
    if (inputs.dryRun)
      core.info(`Dry run, nothing changed. The plan:\n${JSON.stringify(planned.json, null, 2)}`);
    else if (planned.plan.tag) await publish(git, inputs, planned, done, context.signal);
    return finish({ planned, done, repoUrl });
  } catch (error) {
    return finish({
      planned,
      done,
      repoUrl,
      failure: asFailure(error, context.signal),
      cancelled: context.signal.aborted,
    });
  }
}

/** The token, and the Basic credentials and header git sends it in, reach no log line. */
function maskToken(token: string): void {
  if (token === '') return;
  registerSecret(token);
  registerSecret(basicCredentials(token));
  registerSecret(`AUTHORIZATION: basic ${basicCredentials(token)}`);
}

/** A failure is returned with its kind; anything else thrown is a bug and goes up (unless the step was cancelled). */
function asFailure(error: unknown, signal: AbortSignal): ActionError {
  if (isActionError(error)) return error;
  if (signal.aborted)
    return new ToolError(`the step was cancelled (${String(signal.reason)}): ${errorMessage(error)}`, {
      cause: error,
    });
  throw error;
}

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
): Floating[] {
  if (!inputs.moveMajor || plan.prerelease || !plan.version) return [];
  const [major = 0, minor = 0] = plan.version.split('.').map(Number);
  const names: Floating[] = [{ name: `${inputs.tagPrefix}${major}`, scope: { major } }];
  if (inputs.moveMinor) names.push({ name: `${inputs.tagPrefix}${major}.${minor}`, scope: { major, minor } });
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

/** The checkout as a Git with the token's header (network commands only) and a tagger. */
async function openCheckout(inputs: Inputs, signal: AbortSignal): Promise<Git> {
  const probe = new Git(inputs.workingDirectory, { signal });
  if (!(await probe.isRepository()))
    throw new InputError(
      `'working-directory' (${inputs.workingDirectory}) is not a git repository; run actions/checkout with fetch-depth: 0 first.`,
    );
  // No token (a dry run may go without) means no header at all: an empty Basic header would be refused.
  const auth = inputs.token === '' ? {} : authEnv(inputs.serverUrl, inputs.token);
  const git = probe.with({ auth, identity: await identity(probe) });
  if (!(await git.hasRemote(inputs.remote)))
    throw new InputError(`'remote' names '${inputs.remote}', which this clone does not have.`);
  return git;
}

interface History {
  head: string;
  tags: Tag[];
  merged: Set<string>;
}

async function readHistory(git: Git, remote: string): Promise<History> {
  return core.group('Reading the history and tags', async () => {
    if (await git.isShallow()) {
      core.info('The clone is shallow: fetching the whole history and every tag.');
      const r = await git.unshallow(remote);
      if (r.code !== 0) throw notShallowable(r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`);
    }
    await git.fetchTags(remote);
    const facts = { head: await git.head(), tags: await git.tags(), merged: await git.mergedTags() };
    core.info(`HEAD ${facts.head}; ${facts.tags.length} tag(s), ${facts.merged.size} reachable from HEAD.`);
    return facts;
  });
}

/** The version, the notes and the steps: everything a dry run shows. */
async function planRelease(
  git: Git,
  inputs: Inputs,
  history: History,
  repoUrl: string,
  signal: AbortSignal,
): Promise<Planned> {
  const { head, tags, merged } = history;
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
      validation: validationItems(inputs.evidence, await promotion(inputs, plan, signal)),
    });
  }
  const floating = floatingTags(inputs, plan);
  // What the dry run shows; publish decides again against the remote's tags at that moment.
  const version = plan.version ? semver.parse(plan.version) : null;
  const newer = (scope?: Scope): string | undefined =>
    version
      ? newerFinal(
          tags.map((t) => t.name),
          inputs.tagPrefix,
          version,
          scope,
        )
      : undefined;
  const steps = planSteps(plan, { release: inputs.release, floating, newer });
  return { plan, notes, floating, json: planJson(plan, steps, notes) };
}

/**
 * A promoted final names the rc it is the same commit as, and carries the Validation lines of
 * that rc's own release notes (what ran when the rc was cut). Reading them is best effort: the
 * rc may have no release (release: false), and a dry run may go without a token.
 */
async function promotion(inputs: Inputs, plan: Plan, signal: AbortSignal): Promise<Promotion | undefined> {
  if (!plan.promotedFrom) return undefined;
  const base: Promotion = { rc: plan.promotedFrom, sha: plan.sha };
  if (inputs.token === '') return base;
  try {
    const releases = new Releases(inputs.token, inputs.repository, inputs.apiUrl, { signal });
    const rc = await releases.findByTag(plan.promotedFrom);
    const lines = rc ? extractValidation(rc.body) : undefined;
    const environments = rc ? annotatedEnvironments(rc.body) : [];
    return lines ? { ...base, rcValidation: lines, environments } : base;
  } catch (error) {
    core.warning(
      `Could not read ${plan.promotedFrom}'s release notes for the Validation section: ${errorMessage(error)}`,
    );
    return base;
  }
}
