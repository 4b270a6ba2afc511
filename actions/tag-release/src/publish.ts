import * as core from '@actions/core';
import * as semver from 'semver';
import { newerFinal } from './forward';
import type { Git } from './git';
import { Releases } from './github';
import type { Inputs } from './inputs';
import type { Planned } from './results';
import type { Done } from './summary';
import { ensureTag, moveFloatingTag } from './tag';

/**
 * Tag, release, move vN; `done` records how far it got (a rerun completes the rest). "Latest"
 * and the floating tags only move forward: each is decided against the remote's tags as they
 * are at that moment (issue 18 C5), so a backport or a slower concurrent run takes neither.
 */
export async function publish(
  git: Git,
  inputs: Inputs,
  planned: Planned,
  done: Done,
  signal: AbortSignal,
): Promise<void> {
  const { plan } = planned;
  const tag = plan.tag as string;
  const head = plan.sha;
  done.tag = await core.group(`Tagging ${tag} at ${head.slice(0, 12)}`, async () => {
    const outcome = await ensureTag(git, inputs.remote, tag, head, `${tag}\n\n${plan.reason}`);
    core.info(outcome === 'pushed' ? `Pushed ${tag}.` : `${tag} is already at ${head}: nothing to do.`);
    return outcome;
  });

  const releases = new Releases(inputs.token, inputs.repository, inputs.apiUrl, {
    onRetry: (message) => core.info(message),
    signal,
  });
  if (inputs.release)
    await core.group(`Publishing the release ${tag}`, () => release(inputs, planned, done, releases));
  if (planned.floating.length > 0)
    await core.group(`Moving ${planned.floating.map((f) => f.name).join(', ')} to ${head.slice(0, 12)}`, () =>
      moveAll(git, inputs, planned, done, releases),
    );
  core.info(`${tag} released${done.release ? `: ${done.release.url}` : ''}.`);
}

/** The newest published final release above this version, if any (then this release is not Latest). */
async function newerRelease(
  releases: Releases,
  inputs: Inputs,
  version: semver.SemVer,
): Promise<string | undefined> {
  return newerFinal(await releases.finalReleaseTags(), inputs.tagPrefix, version);
}

async function release(inputs: Inputs, planned: Planned, done: Done, releases: Releases): Promise<void> {
  const { plan, notes } = planned;
  const tag = plan.tag as string;
  const version = semver.parse(plan.version) as semver.SemVer;
  const newer = plan.prerelease ? undefined : await newerRelease(releases, inputs, version);
  const latest = !plan.prerelease && !newer;
  if (newer) core.info(`${tag} is published but not marked Latest: ${newer} is newer.`);
  const r = await releases.upsert({
    tag,
    sha: plan.sha,
    name: tag,
    body: notes,
    prerelease: plan.prerelease,
    latest,
  });
  done.release = { url: r.url, outcome: r.outcome };
  done.latest = latest;
  core.info(`Release ${tag} ${r.outcome}: ${r.url}`);
  if (!latest) return;
  // A newer release cut while this one was being published keeps Latest: GitHub gives it to
  // whichever release said make_latest last, so give it back when that was this one.
  const overtaken = await newerRelease(releases, inputs, version);
  if (overtaken && (await releases.markLatest(overtaken))) {
    done.latest = false;
    core.info(`${overtaken} was released meanwhile and is newer: Latest given back to it.`);
  }
}

async function moveAll(
  git: Git,
  inputs: Inputs,
  planned: Planned,
  done: Done,
  releases: Releases,
): Promise<void> {
  const { plan } = planned;
  const version = semver.parse(plan.version) as semver.SemVer;
  for (const floating of planned.floating) {
    await releases.assertNoRelease(floating.name);
    const moved = await moveFloatingTag(git, inputs.remote, floating, {
      version,
      prefix: inputs.tagPrefix,
      sha: plan.sha,
    });
    core.info(
      moved.newer
        ? `${floating.name} stays at ${moved.newer}, which is newer than ${plan.tag}.`
        : `${floating.name}: ${moved.outcome}.`,
    );
    done.moved.push({ name: floating.name, ...moved });
  }
}
