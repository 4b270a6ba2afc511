import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import {
  InputError,
  ToolError,
  failureMessage,
  isActionError,
  mdHeading,
  statusOf,
  type ActionContext,
  type ActionDefinition,
  type ActionError,
  type ActionResult,
  type ProgressOptions,
  type ResultsEnvelope,
} from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { buildUnit, writeSecretFiles, type BuildRun } from './build';
import { Docker, describeBuilder, detectBuilder, type Builder, type BuilderKind } from './docker';
import { enforcePolicy } from './enforce-policy';
import { readGitContext } from './git-context';
import { parseInputs, type Inputs } from './inputs';
import { decidePush, loadTargets, planBuilds, refuseSecretBuildArgs, type Planned } from './plan';
import { post } from './post';
import { login, pushAll, verifyDigests } from './publish';
import {
  composeOverride,
  digestsOutput,
  imagesOutput,
  summaryMarkdown,
  tagsOutput,
  type BuildReport,
  type ServiceResult,
} from './report';
import { computeTags, type GitContext } from './tags';

export type { Inputs } from './inputs';

/** The `results` output: the envelope, then what was built (maps by service, as the outputs of the same names). */
export interface BuildImagesResults extends ResultsEnvelope {
  builder?: BuilderKind;
  pushed: boolean;
  images: Record<string, string>;
  digests: Record<string, string>;
  tags: Record<string, string[]>;
  savedTo?: string;
}

/** Output name (as in action.yml) → value; only `results` is set when the run did not pass. */
export interface Outputs {
  results: BuildImagesResults;
  images?: Record<string, string>;
  digests?: Record<string, string>;
  tags?: Record<string, string[]>;
  'compose-override'?: string;
  builder?: BuilderKind;
  'saved-to'?: string;
}

export type BuildImagesResult = ActionResult<Outputs>;

/** For tests: progress lines every `everyMs` instead of every 30 s. */
export interface RunOptions {
  progress?: ProgressOptions;
}

/** What a run has done so far: a failure's summary still shows the builds that happened. */
interface Progress {
  builder?: Builder;
  reports: BuildReport[];
  pushed: boolean;
}

/**
 * build-images: targets from Compose (or a list) → tags from git → Dockerfile policy → one
 * build per distinct build definition → push with retries and verified digests → outputs
 * (images, digests, tags, compose-override, results) and the job summary. Failures of every
 * kind are returned as the result's `failure`.
 */
export async function buildImages(
  inputs: Inputs,
  context: ActionContext,
  options: RunOptions = {},
): Promise<BuildImagesResult> {
  const done: Progress = { reports: [], pushed: false };
  try {
    return await buildAndPublish(inputs, context, options, done);
  } catch (error) {
    if (context.signal.aborted)
      return failed(new ToolError(`cancelled by the runner (${String(context.signal.reason)})`), done, true);
    if (!isActionError(error)) throw error;
    return failed(error, done);
  }
}

async function buildAndPublish(
  given: Inputs,
  context: ActionContext,
  options: RunOptions,
  done: Progress,
): Promise<BuildImagesResult> {
  // 1. The git context, then the targets: from the Compose file or the list, grouped by build definition.
  const ctx = await readGitContext(process.env, given.workingDirectory);
  const inputs = { ...given, imagePrefix: given.imagePrefix || (ctx.repository ?? '').toLowerCase() };
  const { targets, composeVersion } = loadTargets(inputs);
  refuseSecretBuildArgs(inputs, targets);
  const units = planBuilds(targets, inputs);

  // 2. Tags from git, and whether to push.
  const tags = tagsFor(inputs, ctx);
  const push = decidePush(inputs, ctx, units);
  core.info(`Tags: ${tags.join(', ')}; ${push ? 'pushing' : 'not pushing'}.`);

  // 3. Dockerfile policy, before spending time on builds.
  if (inputs.policy !== 'off') {
    const policy = await core.group('Dockerfile policy', async () =>
      enforcePolicy(units, inputs, inputs.workspace),
    );
    if (policy) return failed(policy, done);
  }

  // 4. Builder, private login, builds.
  const docker = new Docker('docker');
  const builder = await detectBuilder(docker, inputs.builder);
  done.builder = builder;
  core.info(`Builder: ${describeBuilder(builder)}.`);
  if (Object.keys(inputs.secrets).length > 0 && builder.kind === 'legacy')
    throw new ToolError(
      `'secrets' need BuildKit, but this runner only has the legacy builder (${builder.binary} ${builder.clientVersion}, no buildx); install docker buildx, or remove 'secrets': they are never passed as build args`,
    );
  const publish = { signal: context.signal, ...(options.progress ? { progress: options.progress } : {}) };
  const loginRegistry = await login(docker, inputs, units, publish);
  const run = { docker, builder, tags, ctx, created: new Date(), inputs, progress: options.progress };
  await buildAll(run, units, context.signal, done);

  // 5. Push with retries, then ask the registry which digest each tag points at.
  if (push) {
    await pushAll(docker, units, tags, done.reports, inputs, publish);
    done.pushed = true;
    await verifyDigests(units, tags, done.reports, inputs, loginRegistry, publish);
  }
  const results = serviceResults(units, done.reports, tags, push);
  const savedTo = await saveImages(docker, inputs, done.reports);

  // 6. Outputs and job summary.
  return {
    outputs: {
      results: resultsOf(undefined, done, results, savedTo),
      images: imagesOutput(results),
      digests: digestsOutput(results),
      tags: tagsOutput(results),
      'compose-override': composeOverride(results, composeVersion),
      builder: builder.kind,
      ...(savedTo ? { 'saved-to': savedTo } : {}),
    },
    summary: summaryMarkdown(done.reports, describeBuilder(builder)),
  };
}

function tagsFor(inputs: Inputs, ctx: GitContext): string[] {
  const tags = computeTags(inputs.tagRules, ctx);
  if (tags.length === 0)
    throw new InputError(
      `'tags' gives no tag for ${ctx.ref || 'this checkout'} (event ${ctx.eventName || 'unknown'}); add a rule that always applies, such as type=sha or type=raw,value=…`,
    );
  return tags;
}

/** Every unit in turn; the secret files exist only while the builds run. */
async function buildAll(
  run: Omit<BuildRun, 'secretDir'>,
  units: readonly Planned[],
  signal: AbortSignal,
  done: Progress,
): Promise<void> {
  const secretDir = writeSecretFiles(run.inputs.secrets);
  try {
    for (const unit of units) {
      if (signal.aborted) throw new ToolError(`cancelled by the runner (${String(signal.reason)})`);
      done.reports.push(await buildUnit({ ...run, secretDir }, unit));
    }
  } finally {
    if (secretDir) fs.rmSync(secretDir, { recursive: true, force: true });
  }
}

function serviceResults(
  units: readonly Planned[],
  reports: readonly BuildReport[],
  tags: readonly string[],
  pushed: boolean,
): ServiceResult[] {
  return units.flatMap((unit, i) => {
    const report = reports[i] as BuildReport;
    return [...unit.repositories].map(([service, repository]) => ({
      service,
      repository,
      tags: [...tags],
      digest: pushed ? report.digest : report.imageId,
      pushed,
    }));
  });
}

/** `save-to`: every built tag in one .tar.gz, for remote-deploy's no-registry mode. */
async function saveImages(
  docker: Docker,
  inputs: Inputs,
  reports: readonly BuildReport[],
): Promise<string | undefined> {
  const file = inputs.saveTo;
  if (!file) return undefined;
  const refs = reports.flatMap((r) => r.repositories.flatMap((repo) => r.tags.map((t) => `${repo}:${t}`)));
  await core.group(`Save ${refs.length} tags to ${path.relative(inputs.workspace, file)}`, () =>
    docker.saveGzip(refs, file),
  );
  return file;
}

function resultsOf(
  failure: ActionError | undefined,
  done: Progress,
  results: readonly ServiceResult[],
  savedTo?: string,
  cancelled = false,
): BuildImagesResults {
  return {
    status: statusOf(failure, cancelled),
    ...(failure ? { failure: failureMessage(failure) } : {}),
    ...(done.builder ? { builder: done.builder.kind } : {}),
    pushed: done.pushed,
    images: imagesOutput(results),
    digests: digestsOutput(results),
    tags: tagsOutput(results),
    ...(savedTo ? { savedTo } : {}),
  };
}

/** A run that ended early: `results` says how, the summary still shows the builds that happened. */
function failed(failure: ActionError, done: Progress, cancelled = false): BuildImagesResult {
  const title = cancelled ? 'build-images was cancelled' : 'build-images failed';
  const lines = [`**${failureMessage(failure)}**`];
  lines.unshift(
    done.reports.length > 0 && done.builder
      ? summaryMarkdown(done.reports, describeBuilder(done.builder), title)
      : mdHeading(title, 2),
  );
  return {
    outputs: { results: resultsOf(failure, done, [], undefined, cancelled) },
    summary: lines.join('\n\n'),
    failure,
  };
}

export const buildImagesAction: ActionDefinition<Inputs, Outputs> = {
  name: 'build-images',
  secretInputs: ['registry-password', 'secrets'],
  defaults,
  parseInputs,
  run: (inputs, context) => buildImages(inputs, context),
  post,
};
