import * as core from '@actions/core';
import {
  InputError,
  RetryGaveUp,
  ToolError,
  errorMessage,
  retry,
  withProgress,
  type ProgressOptions,
} from '@deploy-kit/shared';
import { isRetryableRegistryError, lastErrorLine, pushedDigest } from './buildlog';
import type { Docker } from './docker';
import type { Inputs } from './inputs';
import type { Planned } from './plan';
import { parseImageName } from './reference';
import { RegistryClient } from './registry';
import type { BuildReport } from './report';
import { STATE, privateDockerConfig } from './session';

/** Talking to the registry: login, push with retries, and digest verification. */

/** A failed docker login/push; its message is docker's output, which decides whether to retry. */
class RegistryCommandError extends Error {}

/** Cancellation and progress for the registry's long work (pushes retry up to push-timeout). */
export interface PublishOptions {
  signal?: AbortSignal;
  progress?: ProgressOptions;
}

function retryOptions(inputs: Inputs, what: string, signal: AbortSignal | undefined) {
  return {
    deadlineMs: inputs.pushTimeoutMs,
    ...(signal ? { signal } : {}),
    initialDelayMs: 500,
    maxDelayMs: 10_000,
    retryable: (error: unknown) =>
      error instanceof RegistryCommandError && isRetryableRegistryError(error.message),
    onRetry: ({ attempt, delayMs, error }: { attempt: number; delayMs: number; error: unknown }) =>
      core.info(
        `${what} attempt ${attempt} failed (${lastErrorLine(errorMessage(error))}); retrying in ${delayMs} ms.`,
      ),
  };
}

/** Log in with --password-stdin under a private DOCKER_CONFIG so the user's config never holds our credentials. */
export async function login(
  docker: Docker,
  inputs: Inputs,
  units: readonly Planned[],
  options: PublishOptions = {},
): Promise<string | undefined> {
  if (!inputs.registryUsername) return undefined;
  const domains = new Set(
    units.flatMap((u) => [...u.repositories.values()].map((r) => parseImageName(r, 'image').domain)),
  );
  const registry = inputs.registry || (domains.size === 1 ? [...domains][0] : '');
  if (!registry)
    throw new InputError(
      `'registry-username' is set but there is no single registry to log in to; set 'registry'.`,
    );
  const config = privateDockerConfig();
  docker.setEnv('DOCKER_CONFIG', config);
  core.saveState(STATE.dockerConfig, config);
  core.saveState(STATE.registry, registry);
  const describe = (): string => `Logging in to ${registry} (retrying up to push-timeout)`;
  await core.group(`Log in to ${registry}`, async () => {
    try {
      const attempt = (): Promise<void> => dockerLogin(docker, inputs, registry);
      await withProgress(
        describe,
        () => retry(attempt, retryOptions(inputs, 'login', options.signal)),
        options.progress,
      );
    } catch (error) {
      const text = errorMessage(error instanceof RetryGaveUp ? error.lastError : error);
      if (/unauthorized|denied|authentication|incorrect|401/i.test(text))
        throw new InputError(
          `registry ${registry} refused the login for '${inputs.registryUsername}' (${lastErrorLine(text)}); check 'registry-username' and 'registry-password'.`,
        );
      throw new ToolError(`could not log in to registry ${registry}: ${lastErrorLine(text)}`);
    }
  });
  return registry;
}

/** One `docker login --password-stdin`; a failure carries docker's output, which decides whether to retry. */
async function dockerLogin(docker: Docker, inputs: Inputs, registry: string): Promise<void> {
  const result = await docker.run(
    ['login', '--username', inputs.registryUsername, '--password-stdin', registry],
    { input: Buffer.from(inputs.registryPassword), silent: false },
  );
  if (result.exitCode !== 0) throw new RegistryCommandError(result.stderr || result.stdout);
  core.info(
    `Logged in to ${registry} as ${inputs.registryUsername} (credentials in a private DOCKER_CONFIG).`,
  );
}

/** Repositories pushed at once: layers are shared, so after the first most pushes are a manifest PUT. */
const PUSH_CONCURRENCY = 3;

/**
 * Push every tag: repositories in parallel, the tags of one repository in
 * order (the first uploads, the rest only add a manifest). After a failure no
 * new repository is started, the ones under way finish, and the error lists
 * which tags made it and which did not. A progress line with the elapsed time
 * says what is still pushing at least every 30 s (a push retries up to push-timeout).
 */
export async function pushAll(
  docker: Docker,
  units: readonly Planned[],
  tags: readonly string[],
  reports: BuildReport[],
  inputs: Inputs,
  options: PublishOptions = {},
): Promise<void> {
  const repositories = units.flatMap((u) => [...new Set(u.repositories.values())]);
  const all = repositories.flatMap((repo) => tags.map((t) => `${repo}:${t}`));
  const pushed: string[] = [];
  const active = new Set<string>();
  const digests = new Map<string, string>(); // repository -> digest
  let failure: Error | undefined;
  const describe = (): string =>
    `Pushing: ${pushed.length}/${all.length} tags pushed${active.size > 0 ? `; under way: ${[...active].join(', ')}` : ''}`;
  await core.group(`Push ${all.length} tag${all.length === 1 ? '' : 's'}`, () =>
    withProgress(
      describe,
      async () => {
        const queue = [...repositories];
        const worker = async (): Promise<void> => {
          for (let repo = queue.shift(); repo !== undefined && !failure; repo = queue.shift()) {
            active.add(repo);
            try {
              digests.set(repo, await pushRepository(docker, repo, tags, inputs, pushed, options.signal));
            } catch (error) {
              failure ??= error instanceof Error ? error : new Error(errorMessage(error));
            } finally {
              active.delete(repo);
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(PUSH_CONCURRENCY, repositories.length) }, worker));
      },
      options.progress,
    ),
  );
  if (failure) {
    const notPushed = all.filter((ref) => !pushed.includes(ref));
    throw new ToolError(
      `${failure.message}; pushed: ${pushed.join(', ') || 'none'}; not pushed: ${notPushed.join(', ')}`,
    );
  }
  units.forEach((unit, i) => {
    const report = reports[i] as BuildReport;
    report.digest = digests.get([...unit.repositories.values()][0] as string) ?? '';
    report.pushed = true;
  });
}

/** Push the tags of one repository with retries; returns the digest they all point at. */
async function pushRepository(
  docker: Docker,
  repo: string,
  tags: readonly string[],
  inputs: Inputs,
  pushed: string[],
  signal: AbortSignal | undefined,
): Promise<string> {
  let digest: string | undefined;
  for (const tag of tags) {
    const ref = `${repo}:${tag}`;
    let output = '';
    try {
      await retry(
        async () => {
          const result = await docker.run(['push', ref]);
          if (result.exitCode !== 0) throw new RegistryCommandError(result.stderr || result.stdout);
          output = result.stdout;
        },
        retryOptions(inputs, `push of ${ref}`, signal),
      );
    } catch (error) {
      const attempts = error instanceof RetryGaveUp ? ` after ${error.attempts} attempts` : '';
      const reason = errorMessage(error instanceof RetryGaveUp ? error.lastError : error);
      throw new Error(`pushing ${ref} failed${attempts} (${lastErrorLine(reason)})`);
    }
    pushed.push(ref);
    const got =
      pushedDigest(output) ??
      (await docker.imageInfo(ref)).repoDigests.find((d) => d.startsWith(`${repo}@`))?.split('@')[1];
    if (!got)
      throw new Error(`docker push ${ref} reported no digest, and docker image inspect has none for ${repo}`);
    if (digest && digest !== got)
      throw new Error(`the tags of ${repo} were pushed with different digests (${digest}, ${got})`);
    digest = got;
    core.info(`pushed ${ref} ${got}`);
  }
  return digest as string;
}

/** Ask the registry for every pushed tag's manifest digest; it must be the one the push reported. */
export async function verifyDigests(
  units: readonly Planned[],
  tags: readonly string[],
  reports: BuildReport[],
  inputs: Inputs,
  loginRegistry: string | undefined,
  options: PublishOptions = {},
): Promise<void> {
  const describe = (): string => 'Verifying digests with the registry';
  await core.group('Verify digests with the registry', () =>
    withProgress(describe, () => verifyEach(units, tags, reports, inputs, loginRegistry), options.progress),
  );
}

async function verifyEach(
  units: readonly Planned[],
  tags: readonly string[],
  reports: BuildReport[],
  inputs: Inputs,
  loginRegistry: string | undefined,
): Promise<void> {
  const clients = new Map<string, RegistryClient>();
  try {
    for (const [i, unit] of units.entries()) {
      const expected = (reports[i] as BuildReport).digest;
      for (const repo of new Set(unit.repositories.values())) {
        const name = parseImageName(repo, 'image');
        const creds =
          name.domain === loginRegistry
            ? { username: inputs.registryUsername, password: inputs.registryPassword }
            : undefined;
        let client = clients.get(name.domain);
        if (!client) clients.set(name.domain, (client = new RegistryClient(creds, inputs.pushTimeoutMs)));
        for (const tag of tags) {
          let served: string;
          try {
            served = await client.manifestDigest(name.domain, name.path, tag);
          } catch (error) {
            const reason = errorMessage(error instanceof RetryGaveUp ? error.lastError : error);
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
}
