import * as core from '@actions/core';
import { PolicyFailure } from '@deploy-kit/shared';
import { annotateNotes } from './annotate-notes';
import { Releases } from './github';
import type { Inputs } from './inputs';
import { RELEASE_BODY_LIMIT } from './notes';
import type { Plan } from './plan';
import type { Planned } from './results';
import { planJson, type Done, type PlanStep } from './summary';
import { validationItems } from './validation';
import { rcNumber, versionTags, type Tag, type VersionTag } from './versions';

/**
 * mode: annotate (issue 21). The staging deploy of an rc adds what it proved (deploy, smoke
 * journey, images, with `evidence`) to that rc's release notes, so promote carries it into the
 * final's. It touches only the GitHub Release of a release-candidate tag on HEAD (this
 * repository's, a prerelease), and only its notes' Validation section; a rerun replaces its own
 * lines. Nothing is tagged.
 */

const short = (sha: string): string => sha.slice(0, 12);

/** The newest vX.Y.Z-rc.N tag on HEAD, or a refusal. */
export function rcOnHead(tags: readonly Tag[], prefix: string, head: string): VersionTag {
  const rc = versionTags(tags, prefix).find((t) => rcNumber(t.version) !== undefined && t.commit === head);
  if (!rc)
    throw new PolicyFailure(
      `HEAD ${short(head)} carries no release candidate tag (${prefix}X.Y.Z-rc.N); annotate adds validation ` +
        `only to an rc's release: run it on the rc's tag (e.g. the staging deploy dispatched on ${prefix}1.0.0-rc.1).`,
    );
  return rc;
}

function annotatePlan(rc: VersionTag, head: string, env: string, notes: string): Planned {
  const plan: Plan = {
    mode: 'annotate',
    sha: head,
    bump: 'none',
    version: rc.version.version,
    tag: rc.name,
    prerelease: true,
    resumed: true,
    reason: `${rc.name} is on HEAD: its release notes get the validation in ${env}.`,
    deciding: [],
    changes: { changes: [], unconventional: [] },
  };
  const steps: PlanStep[] = [
    { action: 'annotate-release', ref: rc.name, sha: head, detail: `Validation in ${env}` },
  ];
  return { plan, notes, floating: [], json: planJson(plan, steps, notes) };
}

export async function annotate(
  inputs: Inputs,
  history: { head: string; tags: Tag[] },
  done: Done,
  signal: AbortSignal,
): Promise<Planned> {
  const env = inputs.evidence.environment as string; // parseInputs requires it for annotate
  const rc = rcOnHead(history.tags, inputs.tagPrefix, history.head);
  const releases = new Releases(inputs.token, inputs.repository, inputs.apiUrl, {
    onRetry: (message) => core.info(message),
    signal,
  });
  const release = await releases.findByTag(rc.name);
  if (!release)
    throw new PolicyFailure(
      `${rc.name} has no GitHub Release to add the validation to; cut the rc with release: true (the default).`,
    );
  if (!release.prerelease)
    throw new PolicyFailure(
      `${rc.name}'s GitHub Release is not marked pre-release; annotate changes only a release candidate's notes, refusing.`,
    );
  const notes = annotateNotes(release.body, env, validationItems(inputs.evidence));
  if (notes.length > RELEASE_BODY_LIMIT)
    throw new PolicyFailure(
      `${rc.name}'s notes with the validation in ${env} would be ${notes.length} characters, over GitHub's ${RELEASE_BODY_LIMIT}; nothing was changed.`,
    );
  const planned = annotatePlan(rc, history.head, env, notes);
  core.info(planned.plan.reason);
  done.tag = 'present';
  if (inputs.dryRun) {
    core.info(`Dry run, nothing changed. The notes would be:\n${notes}`);
    return planned;
  }
  if (notes === release.body.replace(/\r\n/g, '\n')) {
    done.release = { url: release.url, outcome: 'unchanged' };
    core.info(`${rc.name}'s notes already carry this validation in ${env}: nothing to do.`);
  } else {
    const url = await releases.updateBody(release.id, notes, rc.name);
    done.release = { url, outcome: 'updated' };
    core.info(`Release ${rc.name} updated with the validation in ${env}: ${url}`);
  }
  return planned;
}
