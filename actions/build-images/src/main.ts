import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import {
  InputError,
  PolicyFailure,
  RetryGaveUp,
  ToolError,
  retry,
  setOutputs,
  workspaceRoot,
  writeSummary,
} from '@deploy-kit/shared';
import { isRetryableRegistryError, lastErrorLine, buildStats, pushedDigest } from './buildlog';
import { filterServices, parseCompose } from './compose';
import { Docker, describeBuilder, detectBuilder, type Builder } from './docker';
import { parseTargets } from './explicit';
import { readGitContext } from './git-context';
import { readInputs, type Inputs } from './inputs';
import { checkDockerfile, looksSecret, type Finding } from './policy';
import { parseImageName, resolveRepository } from './reference';
import { RegistryClient } from './registry';
import {
  composeOverride,
  digestsOutput,
  imagesOutput,
  summaryMarkdown,
  tagsOutput,
  type BuildReport,
  type ServiceResult,
} from './report';
import { STATE, privateDockerConfig } from './session';
import { computeTags, ociLabels, versionOf, type GitContext } from './tags';
import { groupBuilds, withBuildArgs, type BuildUnit, type ServiceTarget } from './targets';

/** A build unit with the repositories its services push to. */
interface Planned extends BuildUnit {
  repositories: Map<string, string>; // service -> repository
}

export async function main(): Promise<void> {
  const inputs = readInputs();
  const workspace = workspaceRoot();

  // 1. Targets: from the Compose file or the explicit list, filtered, grouped by build definition.
  const { targets, composeVersion } = loadTargets(inputs, workspace);
  refuseSecretBuildArgs(inputs, targets);
  const withNetwork = inputs.network
    ? targets.map((t) => ({ ...t, build: { network: inputs.network, ...t.build } }))
    : targets;
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
    await pushAll(docker, units, tags, reports, inputs);
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

function loadTargets(
  inputs: Inputs,
  workspace: string,
): { targets: ServiceTarget[]; composeVersion?: string } {
  if (inputs.targets) {
    const all = parseTargets(inputs.targets, (value, what) => resolveIn(workspace, value, what));
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
    const rel = path.relative(workspace, t.build.context);
    if (rel.startsWith('..') || path.isAbsolute(rel))
      throw new InputError(
        `the build context of service '${t.service}' in compose-file '${name}' is outside the workspace (${t.build.context}).`,
      );
  }
  return { targets, ...(compose.version ? { composeVersion: compose.version } : {}) };
}

function resolveIn(workspace: string, value: string, what: string): string {
  const resolved = path.resolve(workspace, value);
  const rel = path.relative(workspace, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new InputError(`'targets' ${what} '${value}' is outside the workspace.`);
  return resolved;
}

/** Build args end up in the image history: a secret there is readable by anyone who can pull. */
function refuseSecretBuildArgs(inputs: Inputs, targets: readonly ServiceTarget[]): void {
  for (const name of Object.keys(inputs.buildArgs))
    if (looksSecret(name))
      throw new InputError(
        `'build-args' has ${name}, which looks like a secret; pass it in 'secrets' (it reaches the build as a BuildKit secret, RUN --mount=type=secret,id=${name}) instead of a build arg.`,
      );
  const secretValues = [inputs.password, ...Object.values(inputs.secrets)].filter((v) => v.length >= 4);
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

/** Two different builds pushed to one repository would overwrite each other's tags. */
function refuseSharedRepositories(units: readonly Planned[]): void {
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

function decidePush(inputs: Inputs, ctx: GitContext, units: readonly Planned[]): boolean {
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

function enforcePolicy(units: readonly Planned[], inputs: Inputs, workspace: string): void {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const unit of units) {
    const { dockerfile, target, args } = unit.build;
    const rel = path.relative(workspace, dockerfile);
    if (!fs.existsSync(dockerfile))
      throw new InputError(
        `the Dockerfile ${rel} of service '${unit.services[0]?.service}' (${unit.services[0]?.source}) does not exist.`,
      );
    const found = checkDockerfile({
      file: rel,
      text: fs.readFileSync(dockerfile, 'utf8'),
      ...(target ? { target } : {}),
      args,
      servicesWithoutHealthcheck: unit.services.filter((s) => !s.healthcheck).map((s) => s.service),
    });
    for (const f of found) {
      const key = `${f.file}:${f.line}:${f.rule}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(f);
    }
  }
  for (const f of findings) {
    const props = { file: f.file, startLine: f.line, title: `Dockerfile policy: ${f.rule}` };
    if (inputs.policy === 'strict') core.error(f.message, props);
    else core.warning(f.message, props);
  }
  core.info(`${findings.length} finding${findings.length === 1 ? '' : 's'} (policy: ${inputs.policy}).`);
  if (inputs.policy === 'strict' && findings.length > 0)
    throw new PolicyFailure(
      `${findings.length} Dockerfile finding${findings.length === 1 ? '' : 's'} under policy strict: ${findings.map((f) => `${f.file}:${f.line} ${f.rule}`).join('; ')}`,
      findings.map((f) => `${f.file}:${f.line}: ${f.message}`),
    );
}

/** Log in with --password-stdin under a private DOCKER_CONFIG so the user's config never holds our credentials. */
async function login(docker: Docker, inputs: Inputs, units: readonly Planned[]): Promise<string | undefined> {
  if (!inputs.username) return undefined;
  const domains = new Set(
    units.flatMap((u) => [...u.repositories.values()].map((r) => parseImageName(r, 'image').domain)),
  );
  const registry = inputs.registry || (domains.size === 1 ? [...domains][0] : '');
  if (!registry)
    throw new InputError(`'username' is set but there is no single registry to log in to; set 'registry'.`);
  const config = privateDockerConfig();
  docker.setEnv('DOCKER_CONFIG', config);
  core.saveState(STATE.dockerConfig, config);
  core.saveState(STATE.registry, registry);
  await core.group(`Log in to ${registry}`, async () => {
    try {
      await retry(
        async () => {
          const result = await docker.run(
            ['login', '--username', inputs.username, '--password-stdin', registry],
            {
              input: Buffer.from(inputs.password),
              silent: false,
            },
          );
          if (result.exitCode !== 0) throw new RegistryCommandError(result.stderr || result.stdout);
          core.info(
            `Logged in to ${registry} as ${inputs.username} (credentials in a private DOCKER_CONFIG).`,
          );
        },
        retryOptions(inputs, 'login'),
      );
    } catch (error) {
      const text =
        error instanceof RetryGaveUp ? String((error.lastError as Error).message) : (error as Error).message;
      if (/unauthorized|denied|authentication|incorrect|401/i.test(text))
        throw new InputError(
          `registry ${registry} refused the login for '${inputs.username}' (${lastErrorLine(text)}); check 'username' and 'password'.`,
        );
      throw new ToolError(`could not log in to registry ${registry}: ${lastErrorLine(text)}`);
    }
  });
  return registry;
}

class RegistryCommandError extends Error {}

function retryOptions(inputs: Inputs, what: string) {
  return {
    deadlineMs: inputs.retryDeadlineMs,
    initialDelayMs: 500,
    maxDelayMs: 10_000,
    retryable: (error: unknown) =>
      error instanceof RegistryCommandError && isRetryableRegistryError(error.message),
    onRetry: ({ attempt, delayMs, error }: { attempt: number; delayMs: number; error: unknown }) =>
      core.info(
        `${what} attempt ${attempt} failed (${lastErrorLine((error as Error).message)}); retrying in ${delayMs} ms.`,
      ),
  };
}

function writeSecretFiles(secrets: Record<string, string>): string | undefined {
  if (Object.keys(secrets).length === 0) return undefined;
  const base = process.env.RUNNER_TEMP || os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'build-images-secrets-'));
  fs.chmodSync(dir, 0o700);
  core.saveState(STATE.secretDir, dir);
  for (const [id, value] of Object.entries(secrets))
    fs.writeFileSync(path.join(dir, id), value, { mode: 0o600 });
  return dir;
}

async function buildUnit(
  docker: Docker,
  builder: Builder,
  unit: Planned,
  tags: readonly string[],
  ctx: GitContext,
  created: Date,
  inputs: Inputs,
  secretDir: string | undefined,
): Promise<BuildReport> {
  const { build } = unit;
  const services = unit.services.map((s) => s.service);
  const repositories = [...new Set(unit.repositories.values())];
  const refs = repositories.flatMap((repo) => tags.map((t) => `${repo}:${t}`));
  const title = ctx.repository?.split('/').pop() || services.join(', ');
  const labels = { ...ociLabels(ctx, { title, version: versionOf(ctx, tags), created }), ...inputs.labels };
  const iidFile = path.join(
    fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'build-images-iid-')),
    'iid',
  );

  const argv: string[] = builder.kind === 'buildx' ? ['buildx', 'build', '--load'] : ['build'];
  if (builder.kind !== 'legacy') argv.push('--progress=plain');
  argv.push('--file', build.dockerfile);
  for (const ref of refs) argv.push('--tag', ref);
  for (const [k, v] of Object.entries(labels)) argv.push('--label', `${k}=${v}`);
  for (const [k, v] of Object.entries(build.args)) argv.push('--build-arg', `${k}=${v}`);
  // Inline cache metadata lets the next run's --cache-from use this image straight from the registry.
  if (builder.kind === 'buildkit' && inputs.cacheFrom.length > 0)
    argv.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1');
  if (build.target) argv.push('--target', build.target);
  if (build.network) argv.push('--network', build.network);
  for (const c of inputs.cacheFrom) argv.push('--cache-from', c);
  if (builder.kind === 'buildx') for (const c of inputs.cacheTo) argv.push('--cache-to', c);
  if (secretDir)
    for (const id of Object.keys(inputs.secrets))
      argv.push('--secret', `id=${id},src=${path.join(secretDir, id)}`);
  argv.push('--iidfile', iidFile, build.context);

  const env = { DOCKER_BUILDKIT: builder.kind === 'legacy' ? '0' : '1' };
  return core.group(
    `Build ${services.join(', ')} (${path.relative(workspaceRoot(), build.dockerfile)})`,
    async () => {
      if (builder.kind === 'legacy')
        for (const c of inputs.cacheFrom) {
          // The legacy builder only uses local images as cache; a missing one is a cold cache, not an error.
          const pulled = await docker.run(['pull', c]);
          core.info(pulled.exitCode === 0 ? `cache image ${c} pulled` : `cache image ${c} not available`);
        }
      // Build output is not ours: stop it from issuing workflow commands.
      const token = `build-images-${process.pid}-${Date.now()}`;
      core.info(`::stop-commands::${token}`);
      const started = Date.now();
      let result;
      try {
        result = await docker.run(argv, { silent: false, binary: builder.binary, env });
      } finally {
        core.info(`::${token}::`);
      }
      const buildMs = Date.now() - started;
      if (result.exitCode !== 0) {
        const reason = lastErrorLine(result.stderr || result.stdout);
        // A daemon started with --bridge=none cannot give RUN steps the default network.
        const hint = /network bridge not found/.test(reason)
          ? ` (this Docker daemon has no bridge network; set 'network: host')`
          : '';
        throw new ToolError(
          `building ${services.join(', ')} from ${path.relative(workspaceRoot(), build.dockerfile)} failed: ${reason}${hint}`,
        );
      }
      const imageId = fs.readFileSync(iidFile, 'utf8').trim();
      fs.rmSync(path.dirname(iidFile), { recursive: true, force: true });
      const info = await docker.imageInfo(imageId);
      const stats = buildStats(`${result.stdout}\n${result.stderr}`);
      core.info(
        `Built ${imageId} in ${(buildMs / 1000).toFixed(1)} s (${stats.cacheHits}/${stats.steps} steps cached), tagged ${refs.join(', ')}.`,
      );
      return {
        services,
        repositories,
        tags: [...tags],
        digest: '',
        imageId,
        sizeBytes: info.size,
        buildMs,
        cacheHits: stats.cacheHits,
        steps: stats.steps,
        pushed: false,
      };
    },
  );
}

/** Push every tag; on a failure say which tags made it and which did not. */
async function pushAll(
  docker: Docker,
  units: readonly Planned[],
  tags: readonly string[],
  reports: BuildReport[],
  inputs: Inputs,
): Promise<void> {
  const all = units.flatMap((u) =>
    [...new Set(u.repositories.values())].flatMap((repo) => tags.map((t) => `${repo}:${t}`)),
  );
  const pushed: string[] = [];
  const digests = new Map<string, string>(); // repository -> digest
  await core.group(`Push ${all.length} tag${all.length === 1 ? '' : 's'}`, async () => {
    for (const ref of all) {
      const repo = ref.slice(0, ref.lastIndexOf(':'));
      let output = '';
      try {
        await retry(
          async () => {
            const result = await docker.run(['push', ref]);
            if (result.exitCode !== 0) throw new RegistryCommandError(result.stderr || result.stdout);
            output = result.stdout;
          },
          retryOptions(inputs, `push of ${ref}`),
        );
      } catch (error) {
        const attempts = error instanceof RetryGaveUp ? ` after ${error.attempts} attempts` : '';
        const reason =
          error instanceof RetryGaveUp ? (error.lastError as Error).message : (error as Error).message;
        const rest = all.slice(pushed.length);
        throw new ToolError(
          `pushing ${ref} failed${attempts} (${lastErrorLine(reason)}); pushed: ${pushed.join(', ') || 'none'}; not pushed: ${rest.join(', ')}`,
        );
      }
      pushed.push(ref);
      let digest = pushedDigest(output);
      if (!digest) {
        const info = await docker.imageInfo(ref);
        digest = info.repoDigests.find((d) => d.startsWith(`${repo}@`))?.split('@')[1];
      }
      if (!digest)
        throw new ToolError(
          `docker push ${ref} reported no digest, and docker image inspect has none for ${repo}`,
        );
      const before = digests.get(repo);
      if (before && before !== digest)
        throw new ToolError(
          `the tags of ${repo} were pushed with different digests (${before}, ${digest}); pushed: ${pushed.join(', ')}`,
        );
      digests.set(repo, digest);
      core.info(`pushed ${ref} ${digest}`);
    }
  });
  units.forEach((unit, i) => {
    const report = reports[i] as BuildReport;
    const unitDigests = new Set([...unit.repositories.values()].map((r) => digests.get(r)));
    report.digest = [...unitDigests][0] ?? '';
    report.pushed = true;
  });
}

async function verifyDigests(
  units: readonly Planned[],
  tags: readonly string[],
  reports: BuildReport[],
  inputs: Inputs,
  loginRegistry: string | undefined,
): Promise<void> {
  await core.group('Verify digests with the registry', async () => {
    const clients = new Map<string, RegistryClient>();
    try {
      for (const [i, unit] of units.entries()) {
        const expected = (reports[i] as BuildReport).digest;
        for (const repo of new Set(unit.repositories.values())) {
          const name = parseImageName(repo, 'image');
          const creds =
            name.domain === loginRegistry
              ? { username: inputs.username, password: inputs.password }
              : undefined;
          let client = clients.get(name.domain);
          if (!client) clients.set(name.domain, (client = new RegistryClient(creds, inputs.retryDeadlineMs)));
          for (const tag of tags) {
            let served: string;
            try {
              served = await client.manifestDigest(name.domain, name.path, tag);
            } catch (error) {
              const reason =
                error instanceof RetryGaveUp ? (error.lastError as Error).message : (error as Error).message;
              throw new ToolError(
                `could not read the manifest of ${repo}:${tag} from the registry to verify its digest: ${reason}`,
              );
            }
            if (served !== expected)
              throw new ToolError(
                `the registry serves ${repo}:${tag} as ${served}, but the push reported ${expected}`,
              );
          }
          core.info(`${repo}: ${tags.length} tag${tags.length === 1 ? '' : 's'} -> ${expected} (verified)`);
        }
      }
    } finally {
      for (const client of clients.values()) await client.close();
    }
  });
}
