import * as fs from 'node:fs';
import { describeExit, execSucceeded } from '@deploy-kit/shared/ssh';
import { compose, images as imageCmd, probe } from '../../commands';
import { StepFailed } from '../../model/errors';
import type { Host } from '../host';

/** Getting the release's images onto a host: registry login and pull, or a streamed `docker load`. */

export interface Registry {
  server: string;
  username: string;
  password: string;
}

/** docker login into a per-deploy DOCKER_CONFIG; the password goes on stdin. */
export async function login(host: Host, registry: Registry | undefined): Promise<void> {
  if (!registry) return;
  const { session } = host;
  await session.step('login', async () => {
    // A per-deploy DOCKER_CONFIG: the credentials docker login stores live only until the pull ends.
    const made = await session.run(
      'making a private docker config',
      imageCmd.makeDockerConfig(host.layout.stateDir),
      true,
    );
    host.credentials.use(made.stdout.trim().split('\n').pop() ?? '');
    const r = await (
      await session.shell()
    ).exec(host.credentials.wrap(imageCmd.login(registry.server, registry.username)), {
      stdin: registry.password,
      timeoutMs: 60_000,
    });
    if (!execSucceeded(r))
      throw new StepFailed(
        `docker login to ${registry.server} on ${host.name} ${describeExit(r)}: ${session.tail(r, 5)}`,
      );
    session.log(
      `logged in to ${registry.server} (credentials in a per-deploy DOCKER_CONFIG, removed after the pull)`,
    );
  });
}

export interface PullSettings {
  /** service → image; empty: Compose pulls what the release's files name. */
  images: Record<string, string>;
  services: readonly string[];
  /** rollback-to: the release was made by an earlier run; its files are read back first. */
  rollbackTo?: string;
  commandTimeoutMs: number;
}

/** Pull the release's images; the registry credentials are removed afterwards, whatever happened. */
export async function pull(host: Host, version: string, settings: PullSettings): Promise<void> {
  try {
    await host.session.step('pull', () => pullImages(host, version, settings));
  } finally {
    await host.credentials.drop();
  }
}

async function pullImages(host: Host, version: string, settings: PullSettings): Promise<void> {
  const { session } = host;
  if (settings.rollbackTo) await host.releases.load(version);
  const images = settings.rollbackTo ? [] : [...new Set(Object.values(settings.images))];
  if (images.length === 0) {
    const pullArgv = compose.pull(host.releases.project(version), settings.services);
    await session.run('pulling images', host.releases.inRelease(version, host.credentials.wrap(pullArgv)));
    return;
  }
  // The images are named: `docker pull` each (the Go CLI) instead of starting Compose.
  const shell = await session.shell();
  await Promise.all(
    images.map(async (image) => {
      const r = await shell.exec(host.credentials.wrap(imageCmd.pull(image)), {
        timeoutMs: settings.commandTimeoutMs,
      });
      if (!execSucceeded(r))
        throw new StepFailed(
          `docker pull ${image} on ${host.name} ${describeExit(r)}: ${session.tail(r, 5)}`,
        );
    }),
  );
  session.log(`pulled ${images.join(', ')}`);
}

/** No-registry mode: stream a gzip'd `docker save` made on the runner into `docker load` on the host. */
export async function load(host: Host, archive: string, commandTimeoutMs: number): Promise<void> {
  const { session } = host;
  await session.step('load', async () => {
    const r = await (
      await session.shell()
    ).exec(imageCmd.load(), { stdin: fs.createReadStream(archive), timeoutMs: commandTimeoutMs });
    if (!execSucceeded(r))
      throw new StepFailed(`docker load on ${host.name} ${describeExit(r)}: ${session.tail(r, 10)}`);
    session.log(r.stdout.trim());
  });
}

/** Dry run: which of the images the host has, or its registry has. */
export async function checkImages(host: Host, images: readonly string[]): Promise<void> {
  if (images.length === 0) return;
  const r = await host.session.run('checking images', probe.imagesExist([...images]), true);
  host.state.imageStates = r.stdout.trim().split('\n').filter(Boolean);
  for (const line of host.state.imageStates) host.session.log(`image ${line}`);
}
