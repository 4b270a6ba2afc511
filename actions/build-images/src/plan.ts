import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { InputError } from '@deploy-kit/shared';
import { filterServices, parseCompose } from './compose';
import { parseTargets } from './explicit';
import { placeOf, type Inputs } from './inputs';
import { looksSecret } from './policy';
import { parseImageName, resolveRepository } from './reference';
import type { GitContext } from './tags';
import { groupBuilds, withBuildArgs, type BuildUnit, type ServiceTarget } from './targets';

/** Deciding what to build and where it goes: everything before docker is called. */

/** A build unit with the repositories its services push to. */
export interface Planned extends BuildUnit {
  repositories: Map<string, string>; // service -> repository
}

export function loadTargets(inputs: Inputs): { targets: ServiceTarget[]; composeVersion?: string } {
  const { workspace, workingDirectory } = inputs;
  if (inputs.targets) {
    const all = parseTargets(inputs.targets, (value, what) =>
      resolveIn(workspace, workingDirectory, value, what),
    );
    if (inputs.services.length === 0) return { targets: all };
    return {
      targets: inputs.services.map((s) => {
        const t = all.find((x) => x.service === s);
        if (!t)
          throw new InputError(
            `'services' names '${s}', which is not in 'targets' (${all.map((x) => x.service).join(', ')}).`,
          );
        return t;
      }),
    };
  }
  const file = inputs.composeFile as string;
  const name = path.relative(workspace, file) || file;
  const compose = parseCompose(fs.readFileSync(file, 'utf8'), file, name, process.env);
  if (compose.targets.length === 0)
    throw new InputError(`compose-file '${name}' has no service with build:, so there is nothing to build.`);
  const targets = filterServices(compose, inputs.services);
  for (const t of targets) {
    if (!fs.existsSync(t.build.context))
      throw new InputError(
        `the build context ${path.relative(workspace, t.build.context)} of service '${t.service}' in compose-file '${name}' does not exist.`,
      );
    const rel = path.relative(fs.realpathSync(workspace), fs.realpathSync(t.build.context));
    if (rel.startsWith('..') || path.isAbsolute(rel))
      throw new InputError(
        `the build context of service '${t.service}' in compose-file '${name}' is outside the workspace (${t.build.context}).`,
      );
  }
  return { targets, ...(compose.version ? { composeVersion: compose.version } : {}) };
}

/**
 * Contexts resolve against working-directory, and must exist and stay inside the workspace,
 * symlinks included (the build reads every file in them).
 */
function resolveIn(workspace: string, workingDirectory: string, value: string, what: string): string {
  const resolved = path.resolve(workingDirectory, value);
  if (!fs.existsSync(resolved))
    throw new InputError(
      `'targets' ${what} '${value}' does not exist in ${placeOf(workspace, workingDirectory)}.`,
    );
  const rel = path.relative(fs.realpathSync(workspace), fs.realpathSync(resolved));
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new InputError(`'targets' ${what} '${value}' is outside the workspace.`);
  return resolved;
}

/** Build args end up in the image history: a secret there is readable by anyone who can pull. */
export function refuseSecretBuildArgs(inputs: Inputs, targets: readonly ServiceTarget[]): void {
  for (const name of Object.keys(inputs.buildArgs))
    if (looksSecret(name))
      throw new InputError(
        `'build-args' has ${name}, which looks like a secret; pass it in 'secrets' (it reaches the build as a BuildKit secret, RUN --mount=type=secret,id=${name}) instead of a build arg.`,
      );
  const secretValues = [inputs.registryPassword, ...Object.values(inputs.secrets)].filter(
    (v) => v.length >= 4,
  );
  const all = [
    ...targets.map((t) => ({ args: t.build.args, where: `service '${t.service}' in ${t.source}` })),
    { args: inputs.buildArgs, where: `'build-args'` },
  ];
  for (const { args, where } of all)
    for (const [name, value] of Object.entries(args))
      if (secretValues.some((s) => value.includes(s)))
        throw new InputError(
          `the build arg ${name} of ${where} carries a secret value; pass it in 'secrets' instead of a build arg.`,
        );
}

/**
 * Group targets into builds (one per distinct build definition) and name the
 * repository every service is pushed to. The `network` input applies where
 * the target sets none; `build-args` override the file's.
 */
export function planBuilds(targets: readonly ServiceTarget[], inputs: Inputs): Planned[] {
  const withNetwork = inputs.network
    ? targets.map((t) => ({ ...t, build: { network: inputs.network, ...t.build } }))
    : [...targets];
  const units: Planned[] = groupBuilds(withBuildArgs(withNetwork, inputs.buildArgs)).map((unit) => ({
    ...unit,
    repositories: new Map(
      unit.services.map((t) => [
        t.service,
        resolveRepository({
          service: t.service,
          ...(t.image ? { composeImage: t.image } : {}),
          registry: inputs.registry,
          prefix: inputs.imagePrefix,
          where: t.image
            ? `the image of service '${t.service}' in ${t.source}`
            : `the image name for service '${t.service}'`,
        }),
      ]),
    ),
  }));
  refuseSharedRepositories(units);
  return units;
}

/** Two different builds pushed to one repository would overwrite each other's tags. */
export function refuseSharedRepositories(units: readonly Planned[]): void {
  const owner = new Map<string, { unit: Planned; service: string }>();
  for (const unit of units)
    for (const [service, repo] of unit.repositories) {
      const other = owner.get(repo);
      if (other && other.unit !== unit)
        throw new InputError(
          `services '${other.service}' and '${service}' both push to ${repo} but are built differently (context, Dockerfile, args or target); give them different image names.`,
        );
      owner.set(repo, { unit, service });
    }
}

export function decidePush(inputs: Inputs, ctx: GitContext, units: readonly Planned[]): boolean {
  if (inputs.push === 'false') return false;
  const repos = units.flatMap((u) => [...u.repositories.values()]);
  const bare = repos.filter((r) => parseImageName(r, 'image').domain === '');
  if (inputs.push === 'true') {
    if (bare.length > 0)
      throw new InputError(
        `'push' is true but ${bare.join(', ')} name no registry; set 'registry' (use docker.io explicitly for Docker Hub).`,
      );
    return true;
  }
  if (ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target') {
    core.info(
      `Not pushing: ${ctx.eventName} builds are checked, not published (set push: true to override).`,
    );
    return false;
  }
  if (bare.length > 0) {
    core.info(`Not pushing: ${bare.join(', ')} name no registry (set 'registry' to push).`);
    return false;
  }
  return true;
}
