import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { InputError, ToolError, setOutputs, workspaceRoot, writeSummary } from '@deploy-kit/shared';
import { buildUnit, writeSecretFiles } from './build';
import { Docker, describeBuilder, detectBuilder } from './docker';
import { enforcePolicy } from './enforce-policy';
import { readGitContext } from './git-context';
import { readInputs } from './inputs';
import { decidePush, loadTargets, planBuilds, refuseSecretBuildArgs } from './plan';
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
import { computeTags } from './tags';

/**
 * build-images: targets from Compose (or a list) -> tags from git -> Dockerfile
 * policy -> one build per distinct build definition -> push with retries and
 * verified digests -> outputs (images, digests, tags, compose-override) and summary.
 */
export async function main(): Promise<void> {
  const inputs = readInputs();
  const workspace = workspaceRoot();

  // 1. Targets: from the Compose file or the explicit list, filtered, grouped by build definition.
  const { targets, composeVersion } = loadTargets(inputs, workspace);
  refuseSecretBuildArgs(inputs, targets);
  const units = planBuilds(targets, inputs);

  // 2. Tags and labels from the git context.
  const ctx = await readGitContext(process.env, workspace);
  const tags = computeTags(inputs.tagRules, ctx);
  if (tags.length === 0)
    throw new InputError(
      `'tags' gives no tag for ${ctx.ref || 'this checkout'} (event ${ctx.eventName || 'unknown'}); add a rule that always applies, such as type=sha or type=raw,value=…`,
    );
  const push = decidePush(inputs, ctx, units);
  core.info(`Tags: ${tags.join(', ')}; ${push ? 'pushing' : 'not pushing'}.`);

  // 3. Dockerfile policy, before spending time on builds.
  if (inputs.policy !== 'off')
    await core.group('Dockerfile policy', async () => enforcePolicy(units, inputs, workspace));

  // 4. Builder, private login, builds.
  const docker = new Docker('docker');
  const builder = await detectBuilder(docker, inputs.builder);
  core.info(`Builder: ${describeBuilder(builder)}.`);
  if (Object.keys(inputs.secrets).length > 0 && builder.kind === 'legacy')
    throw new ToolError(
      `'secrets' need BuildKit, but this runner only has the legacy builder (${builder.binary} ${builder.clientVersion}, no buildx); install docker buildx, or remove 'secrets': they are never passed as build args`,
    );
  const loginRegistry = await login(docker, inputs, units);

  const created = new Date();
  const reports: BuildReport[] = [];
  const secretDir = writeSecretFiles(inputs.secrets);
  try {
    for (const unit of units)
      reports.push(await buildUnit(docker, builder, unit, tags, ctx, created, inputs, secretDir));
  } finally {
    if (secretDir) fs.rmSync(secretDir, { recursive: true, force: true });
  }

  // 5. Push with retries, then ask the registry which digest each tag points at.
  const results: ServiceResult[] = [];
  if (push) {
    try {
      await pushAll(docker, units, tags, reports, inputs);
    } catch (error) {
      // The builds happened: the summary still shows them, with what reached the registry.
      await writeSummary(
        summaryMarkdown(reports, describeBuilder(builder)),
        `**Push failed:** ${(error as Error).message}`,
      );
      throw error;
    }
    await verifyDigests(units, tags, reports, inputs, loginRegistry);
  }
  units.forEach((unit, i) => {
    const report = reports[i] as BuildReport;
    for (const [service, repository] of unit.repositories)
      results.push({
        service,
        repository,
        tags,
        digest: push ? report.digest : report.imageId,
        pushed: push,
      });
  });

  let savedTo: string | undefined;
  if (inputs.saveTo) {
    const refs = reports.flatMap((r) => r.repositories.flatMap((repo) => r.tags.map((t) => `${repo}:${t}`)));
    await core.group(`Save ${refs.length} tags to ${path.relative(workspace, inputs.saveTo)}`, () =>
      docker.saveGzip(refs, inputs.saveTo as string),
    );
    savedTo = inputs.saveTo;
  }

  // 6. Outputs and job summary.
  setOutputs({
    images: imagesOutput(results),
    digests: digestsOutput(results),
    tags: tagsOutput(results),
    'compose-override': composeOverride(results, composeVersion),
    builder: builder.kind,
    'saved-to': savedTo,
  });
  await writeSummary(summaryMarkdown(reports, describeBuilder(builder)));
}
