import * as fs from 'node:fs';
import * as core from '@actions/core';
import { errorMessage } from '@deploy-kit/shared';
import { describeExit, execSucceeded } from '@deploy-kit/shared/ssh';
import { compose, images as imageCmd, probe, release, releaseLog } from '../commands';
import { StepFailed } from '../model/errors';
import { healthGate } from './health';
import { HostCore, type HostFacts } from './core';
import { backupHost } from './backup';
import { reloadHost } from './reload';
import { rollbackHost, rollbackOnCancel } from './rollback';
import { releaseLock, takeLock } from './lock';
import { releaseDir } from '../model/layout';
import { parentDirs } from '../model/release-files';
import { findDeployed, formatRecord, parseReleaseLog, type ReleaseRecord } from '../model/release-log';

export type { HostFacts, HostStatus, StepTiming } from './core';
export { runContext, type RunContext } from '../model/run-context';

/**
 * Everything done on one host, over one reused connection: each public method is a phase of
 * the deploy, in the order deploy.ts calls them. Failures throw typed errors (StepFailed,
 * HealthRed, Cancelled); the bigger phases live in their own modules.
 */
export class HostRun extends HostCore {
  async connect(): Promise<void> {
    await this.step('connect', async () => {
      await this.shell();
      this.log(`connected as ${this.spec.user} (${this.spec.host}:${this.spec.port}), host key verified`);
    });
  }

  async probe(mode: 'deploy' | 'probe'): Promise<HostFacts> {
    return this.step('prepare', async () => {
      const r = await this.run(
        'checking the host',
        probe.prepare(this.spec.projectDir, this.inputs.version, mode),
        true,
      );
      const facts = parseFacts(r.stdout);
      this.facts = facts;
      this.log(
        `compose ${facts.compose}, current release ${facts.previous || '(none)'}, ${Math.round(facts.freeKb / 1024)} MiB free`,
      );
      if (facts.compose === 'none')
        throw new StepFailed(
          `neither 'docker compose' nor 'docker-compose' works on ${this.name} for ${this.spec.user}`,
        );
      return facts;
    });
  }

  async lock(): Promise<void> {
    await this.step('lock', () => takeLock(this));
  }

  /** Release the lock; the per-deploy docker config goes first (a failure or cancel between login and pull end). */
  async unlock(): Promise<void> {
    await this.dropCredentials();
    await releaseLock(this);
  }

  async upload(): Promise<void> {
    await this.step('upload', async () => {
      const shell = await this.shell();
      const { composeFiles, composeFileNames, envFile, shippedFiles, version } = this.inputs;
      const dir = releaseDir(this.layout, version);
      const all = [...composeFiles, ...(envFile ? [envFile] : [])];
      const dirs = parentDirs([...all, ...shippedFiles].map((f) => f.name));
      if (dirs.length > 0) await this.run('making release directories', release.makeDirs(dir, dirs), true);
      await Promise.all(all.map((f) => shell.upload(`${dir}/${f.name}`, f.content, 0o600)));
      // One file at a time over the one SFTP session: a 2000-file config tree must not open 2000 requests at once.
      for (const f of shippedFiles) await shell.upload(`${dir}/${f.name}`, f.content, f.mode);
      const list = [...composeFileNames, ...(envFile ? ['.env'] : [])].join('\n') + '\n';
      await shell.upload(`${dir}/files`, list, 0o600);
      this.rememberReleaseFiles(version, composeFileNames, !!envFile);
      this.log(
        `uploaded ${all.length} file(s) to ${dir} (mode 0600)${shippedFiles.length > 0 ? ` and ${shippedFiles.length} shipped file(s) ('files')` : ''}`,
      );
    });
  }

  async login(): Promise<void> {
    const registry = this.inputs.registry;
    if (!registry) return;
    await this.step('login', async () => {
      // A per-deploy DOCKER_CONFIG: the credentials docker login stores live only until the pull ends.
      const made = await this.run(
        'making a private docker config',
        imageCmd.makeDockerConfig(this.layout.stateDir),
        true,
      );
      this.useDockerConfig(made.stdout.trim().split('\n').pop() ?? '');
      const r = await (
        await this.shell()
      ).exec(this.withCredentials(imageCmd.login(registry.server, registry.username)), {
        stdin: registry.password,
        timeoutMs: 60_000,
      });
      if (!execSucceeded(r))
        throw new StepFailed(
          `docker login to ${registry.server} on ${this.name} ${describeExit(r)}: ${this.tail(r, 5)}`,
        );
      this.log(
        `logged in to ${registry.server} (credentials in a per-deploy DOCKER_CONFIG, removed after the pull)`,
      );
    });
  }

  async pull(): Promise<void> {
    try {
      await this.pullImages();
    } finally {
      await this.dropCredentials();
    }
  }

  private async pullImages(): Promise<void> {
    const version = this.inputs.version;
    await this.step('pull', async () => {
      if (this.inputs.rollbackTo) await this.loadReleaseFiles(version);
      const images = this.inputs.rollbackTo ? [] : [...new Set(Object.values(this.inputs.images))];
      if (images.length === 0) {
        const pull = compose.pull(this.project(version), this.inputs.services);
        await this.run('pulling images', this.inRelease(version, this.withCredentials(pull)));
        return;
      }
      // The images are named: `docker pull` each (the Go CLI) instead of starting Compose.
      const shell = await this.shell();
      await Promise.all(
        images.map(async (image) => {
          const r = await shell.exec(this.withCredentials(imageCmd.pull(image)), {
            timeoutMs: this.inputs.commandTimeoutMs,
          });
          if (!execSucceeded(r))
            throw new StepFailed(
              `docker pull ${image} on ${this.name} ${describeExit(r)}: ${this.tail(r, 5)}`,
            );
        }),
      );
      this.log(`pulled ${images.join(', ')}`);
    });
  }

  /** No-registry mode: stream a gzip'd `docker save` made on the runner into `docker load` on the host. */
  async load(archive: string): Promise<void> {
    await this.step('load', async () => {
      const r = await (
        await this.shell()
      ).exec(imageCmd.load(), {
        stdin: fs.createReadStream(archive),
        timeoutMs: this.inputs.commandTimeoutMs,
      });
      if (!execSucceeded(r))
        throw new StepFailed(`docker load on ${this.name} ${describeExit(r)}: ${this.tail(r, 10)}`);
      this.log(r.stdout.trim());
    });
  }

  async checkImages(images: string[]): Promise<void> {
    if (images.length === 0) return;
    const r = await this.run('checking images', probe.imagesExist(images), true);
    this.imageStates = r.stdout.trim().split('\n').filter(Boolean);
    for (const line of this.imageStates) this.log(`image ${line}`);
  }

  runBackup(): Promise<void> {
    return backupHost(this);
  }

  async hook(which: 'pre-hook' | 'post-hook', text: string, version: string): Promise<void> {
    if (text.trim() === '') return;
    await this.step(which, async () => {
      const dir = releaseDir(this.layout, version);
      await this.run(`the ${which}`, release.hook(dir, this.spec.host, version, this.previous, text));
    });
  }

  async migrate(): Promise<void> {
    if (this.inputs.migrateCommand.length === 0 || this.inputs.rollbackTo) return;
    await this.oneOff('migrate', 'migrations', this.inputs.migrateCommand);
    this.migrated = true;
  }

  /** collectstatic (or any build step that needs the new image), on every host before the switch. */
  async collectStatic(): Promise<void> {
    if (this.inputs.staticCommand.length === 0 || this.inputs.rollbackTo) return;
    await this.oneOff('static', 'the static-command', this.inputs.staticCommand);
  }

  /** A one-off container of the new release's image of migrate-service. */
  private async oneOff(stepName: string, what: string, command: string[]): Promise<void> {
    const { version, migrateService, hostNetworkServices } = this.inputs;
    await this.step(stepName, async () => {
      const hostNet = hostNetworkServices.includes(migrateService);
      const argv = compose.oneOff(this.project(version), migrateService, command, hostNet);
      this.log(`${what}: ${argv.join(' ')}`);
      await this.run(what, this.inRelease(version, argv));
    });
  }

  async switchTo(): Promise<void> {
    const version = this.inputs.version;
    await this.step('switch', async () => {
      this.markSwitched();
      await this.up(version);
      this.log(`switched to ${version}`);
    });
  }

  health(version: string, stepName = 'health', expect = true): Promise<void> {
    return healthGate(this, version, stepName, expect);
  }

  reload(version = this.inputs.version): Promise<void> {
    return reloadHost(this, version);
  }

  rollback(): Promise<void> {
    return rollbackHost(this);
  }

  rollbackOnCancel(deadline: number): Promise<string> {
    return rollbackOnCancel(this, deadline);
  }

  async readLog(): Promise<ReleaseRecord[]> {
    const r = await this.run('reading the release log', releaseLog.read(this.layout.releaseLog), true);
    return parseReleaseLog(r.stdout);
  }

  /** rollback-to: the release must exist on the host and be recorded as once deployed. */
  async checkRollbackTarget(): Promise<void> {
    const version = this.inputs.version;
    await this.step('check-release', async () => {
      const records = await this.readLog();
      if (!findDeployed(records, version) || !this.facts?.releaseExists)
        throw new StepFailed(
          `release ${version} is not recorded as deployed on ${this.name} (known: ${[...new Set(records.map((r) => r.version))].join(', ') || 'none'})`,
        );
    });
  }

  async record(outcome: ReleaseRecord['outcome'], detail?: string): Promise<void> {
    if (this.isCancelled) return; // the grace time goes to rolling back and unlocking
    try {
      await this.step('record', async () => {
        const record: ReleaseRecord = {
          time: new Date().toISOString(),
          host: this.name,
          version: this.inputs.version,
          previous: this.previous || null,
          images: this.inputs.images,
          actor: this.ctx.actor,
          run: `${this.ctx.repository}#${this.ctx.run}`,
          outcome,
          ...(detail ? { detail: detail.split('\n')[0]?.slice(0, 300) } : {}),
        };
        await this.run(
          'appending to the release log',
          releaseLog.append(this.layout.releaseLog, formatRecord(record)),
          true,
        );
      });
    } catch (error) {
      core.warning(`${this.name}: could not append to the release log: ${errorMessage(error)}`);
    }
  }
}

/** The PREPARE script's key=value lines as facts. */
export function parseFacts(stdout: string): HostFacts {
  const kv = Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return {
    previous: kv.previous ?? '',
    releaseExists: kv.release_exists === 'yes',
    compose: kv.compose === 'v2' ? 'v2' : kv.compose === 'v1' ? 'v1' : 'none',
    freeKb: Number(kv.free_kb ?? 0),
    locked: kv.locked === 'yes',
  };
}
