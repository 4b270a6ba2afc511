import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as core from '@actions/core';
import { PolicyFailure, sleep, ToolError } from '@deploy-kit/shared';
import {
  describeExit,
  execSucceeded,
  lastLines,
  SshConnection,
  type ExecResult,
  type ParsedClientKey,
  type SshTarget,
} from '@deploy-kit/shared/ssh';
import {
  backupInService,
  describeBackup,
  MYSQL_OPTION_FILE,
  mysqlOptionFile,
  PGPASS_FILE,
  pgpassFile,
  type MysqlSettings,
} from './backup';
import type { HostSpec } from './hosts';
import type { Inputs } from './inputs';
import { decideHeldLock, ownerJson, parseLockAnswer, type LockOwner } from './lock';
import {
  composeArgv,
  oneOffArgv,
  releaseDir,
  remoteLayout,
  type ComposeKind,
  type RemoteLayout,
} from './plan';
import { findDeployed, formatRecord, parseReleaseLog, type ReleaseRecord } from './releaselog';
import { nginxFailureMessage, type NginxMode } from './reload';
import * as S from './scripts';

export interface StepTiming {
  name: string;
  start: number;
  end: number;
  ok: boolean;
}

export interface HostFacts {
  previous: string;
  releaseExists: boolean;
  compose: ComposeKind | 'none';
  freeKb: number;
  locked: boolean;
}

const TIMED_OUT: unique symbol = Symbol('timed out');

export type HostStatus =
  'pending' | 'prepared' | 'deployed' | 'failed' | 'rolled-back' | 'rollback-failed' | 'planned';

/** The run's identity, written into lock owner files and release records. */
export interface RunContext {
  token: string;
  actor: string;
  repository: string;
  run: string;
  runner: string;
}

export function runContext(): RunContext {
  return {
    token: randomUUID(),
    actor: process.env.GITHUB_ACTOR ?? 'unknown',
    repository: process.env.GITHUB_REPOSITORY ?? 'unknown',
    run: `${process.env.GITHUB_RUN_ID ?? '0'}.${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`,
    runner: process.env.RUNNER_NAME ?? 'unknown',
  };
}

class StepFailed extends ToolError {}
class HealthRed extends PolicyFailure {}
class Cancelled extends ToolError {}

/** Steps that still start once the run is cancelled: putting hosts back and releasing locks. */
const STEPS_AFTER_CANCEL = new Set(['cancel-rollback', 'unlock']);

/**
 * Everything done on one host, over one reused connection. Each public method
 * is a phase of the deploy; failures are recorded on the host and rethrown.
 */
export class HostRun {
  readonly layout: RemoteLayout;
  readonly steps: StepTiming[] = [];
  status: HostStatus = 'pending';
  facts?: HostFacts;
  error?: string;
  rollbackError?: string;
  switched = false;
  /** What this host reloaded (a rollback reloads the same again, for the previous release). */
  private hupSent = false;
  private nginxReloaded = false;
  migrated = false;
  backup?: string;
  imageStates: string[] = [];
  private conn?: SshConnection;
  private locked = false;
  private cancelled = false;
  /** The step running now (settled, never rejecting): a cancel-rollback waits for it. */
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    readonly spec: HostSpec,
    private readonly inputs: Inputs,
    private readonly ctx: RunContext,
  ) {
    this.layout = remoteLayout(spec.projectDir);
  }

  get name(): string {
    return this.spec.name;
  }

  get previous(): string {
    return this.facts?.previous ?? '';
  }

  get holdsLock(): boolean {
    return this.locked;
  }

  /**
   * Remote output is redacted here as well as by the runner's masker: a secret
   * echoed by a remote command never reaches stdout in clear, even split oddly.
   */
  log(message: string): void {
    for (const line of this.redact(message).split('\n')) core.info(`[${this.name}] ${line}`);
  }

  redact(text: string): string {
    return this.inputs.secrets.reduce((t, secret) => t.split(secret).join('***'), text);
  }

  private tail(result: ExecResult, n: number): string {
    return this.redact(lastLines(result, n));
  }

  /** The runner cancelled the job: no new step starts here, loops stop waiting (see rollbackOnCancel). */
  cancel(): void {
    this.cancelled = true;
  }

  private checkCancelled(what: string): void {
    if (this.cancelled) throw new Cancelled(`${what} on ${this.name} stopped: the run was cancelled`);
  }

  private async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!STEPS_AFTER_CANCEL.has(name)) this.checkCancelled(name);
    const start = Date.now();
    try {
      const running = fn();
      this.inFlight = running.catch(() => undefined);
      const result = await running;
      this.steps.push({ name, start, end: Date.now(), ok: true });
      return result;
    } catch (error) {
      this.steps.push({ name, start, end: Date.now(), ok: false });
      throw error;
    }
  }

  private target(
    spec: { host: string; port: number; user: string; name?: string },
    key: ParsedClientKey,
  ): SshTarget {
    return {
      name: spec.name,
      host: spec.host,
      port: spec.port,
      user: spec.user,
      key,
      hostKeys: {
        ...this.inputs.hostKeyPolicy,
        fingerprints: [
          ...this.inputs.hostKeyPolicy.fingerprints,
          ...('fingerprints' in spec ? (spec as HostSpec).fingerprints : []),
        ],
      },
    };
  }

  private async connection(): Promise<SshConnection> {
    if (this.conn?.isOpen) return this.conn;
    const key = this.inputs.hostKeys.get(this.name) ?? this.inputs.key;
    const jump = this.inputs.jump;
    this.conn = await SshConnection.connect(this.target(this.spec, key), {
      jump: jump
        ? this.target({ ...jump, name: `jump host ${jump.host}:${jump.port}` }, this.inputs.key)
        : undefined,
      connectDeadlineMs: this.inputs.connectTimeoutMs,
      onRetry: (m) => this.log(m),
      onWarning: (m) => core.warning(m),
    });
    return this.conn;
  }

  /** Run a script; a non-zero exit, a signal or a missing exit status throws with the last lines of output. */
  private async script(what: string, script: string, args: string[], quiet = false): Promise<ExecResult> {
    const conn = await this.connection();
    const result = await conn.script(script, args, { timeoutMs: this.inputs.commandTimeoutMs });
    if (!quiet && result.stdout.trim() !== '')
      this.log(result.stdout.trimEnd().split('\n').slice(-40).join('\n'));
    if (!execSucceeded(result)) {
      const tail = this.tail(result, 20);
      throw new StepFailed(
        `${what} on ${this.name} ${describeExit(result)}${tail ? `; last output:\n${tail}` : ''}`,
      );
    }
    return result;
  }

  private inRelease(version: string, argv: string[]): [string, string[]] {
    return [S.IN_DIR, [releaseDir(this.layout, version), this.spec.host, version, ...argv]];
  }

  private compose(version: string): string[] {
    const kind = this.facts?.compose === 'v2' ? 'v2' : 'v1';
    return composeArgv(kind, this.spec.projectName, this.fileNamesFor(version), this.hasEnvFile(version));
  }

  private releaseFiles = new Map<string, { files: string[]; env: boolean }>();

  private fileNamesFor(version: string): string[] {
    return this.releaseFiles.get(version)?.files ?? this.inputs.composeFileNames;
  }

  private hasEnvFile(version: string): boolean {
    return this.releaseFiles.get(version)?.env ?? this.inputs.envFile !== undefined;
  }

  /** Learn which files an existing release dir holds (rollback and rollback-to use releases made by earlier runs). */
  private async loadReleaseFiles(version: string): Promise<void> {
    if (this.releaseFiles.has(version)) return;
    const r = await this.script(
      'reading release files',
      'cat "$1/files" 2>/dev/null || true',
      [releaseDir(this.layout, version)],
      true,
    );
    const lines = r.stdout.split('\n').filter((l) => /^[A-Za-z0-9_.@+-]+$/.test(l));
    const files = lines.filter((l) => l !== '.env');
    if (files.length === 0)
      throw new StepFailed(`release ${version} on ${this.name} has no recorded compose files`);
    this.releaseFiles.set(version, { files, env: lines.includes('.env') });
  }

  async connect(): Promise<void> {
    await this.step('connect', async () => {
      const conn = await this.connection();
      this.log(`connected as ${this.spec.user} (${this.spec.host}:${this.spec.port}), host key verified`);
      return conn;
    });
  }

  async probe(mode: 'deploy' | 'probe'): Promise<HostFacts> {
    return this.step('prepare', async () => {
      const r = await this.script(
        'checking the host',
        S.PREPARE,
        [this.spec.projectDir, this.inputs.version, mode],
        true,
      );
      const kv = Object.fromEntries(
        r.stdout
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const facts: HostFacts = {
        previous: kv.previous ?? '',
        releaseExists: kv.release_exists === 'yes',
        compose: kv.compose === 'v2' ? 'v2' : kv.compose === 'v1' ? 'v1' : 'none',
        freeKb: Number(kv.free_kb ?? 0),
        locked: kv.locked === 'yes',
      };
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

  /** Take the lock, waiting up to lock-timeout; take over an expired deploy-kit lock with a warning. */
  async lock(): Promise<void> {
    await this.step('lock', async () => {
      const owner: LockOwner = {
        tool: 'deploy-kit',
        token: this.ctx.token,
        actor: this.ctx.actor,
        repository: this.ctx.repository,
        run: this.ctx.run,
        version: this.inputs.version,
        runner: this.ctx.runner,
        pid: process.pid,
        time: new Date().toISOString(),
      };
      const started = Date.now();
      let announced = false;
      for (;;) {
        const r = await this.script(
          'taking the deploy lock',
          S.LOCK,
          [this.layout.lockDir, ownerJson(owner)],
          true,
        );
        let answer: ReturnType<typeof parseLockAnswer>;
        try {
          answer = parseLockAnswer(r.stdout);
        } catch (error) {
          throw new StepFailed(`taking the deploy lock on ${this.name}: ${(error as Error).message}`);
        }
        if (answer.acquired) {
          this.locked = true;
          this.log(`lock taken (${this.layout.lockDir})`);
          return;
        }
        const decision = decideHeldLock(
          answer.owner,
          answer.ageSeconds,
          Math.round(this.inputs.lockExpiryMs / 1000),
          Date.now() - started,
          this.inputs.lockTimeoutMs,
        );
        if (decision.action === 'take-over' && answer.owner) {
          core.warning(`${this.name}: taking over an expired deploy lock held by ${decision.holder}.`);
          const t = await this.script('taking over the expired lock', S.TAKE_OVER, [
            this.layout.lockDir,
            ownerJson(owner),
            answer.owner.token,
          ]);
          if (t.stdout.includes('ACQUIRED')) {
            this.locked = true;
            return;
          }
          continue;
        }
        if (decision.action === 'refuse')
          throw new StepFailed(
            `${this.name} is locked by ${decision.holder}; waited ${Math.round((Date.now() - started) / 1000)}s (lock-timeout). Wait for that deploy, or remove ${this.layout.lockDir} on the host if it is stale`,
          );
        if (!announced) {
          this.log(
            `locked by ${decision.holder}; waiting up to ${Math.round(this.inputs.lockTimeoutMs / 1000)}s`,
          );
          announced = true;
        }
        await sleep(Math.min(1000, Math.max(50, this.inputs.lockTimeoutMs - (Date.now() - started))));
        this.checkCancelled('waiting for the lock');
      }
    });
  }

  /** Release our lock; reconnects if the connection was lost. Never throws: it reports. */
  async unlock(): Promise<void> {
    if (!this.locked) return;
    try {
      await this.step('unlock', async () => {
        const r = await this.script(
          'releasing the lock',
          S.UNLOCK,
          [this.layout.lockDir, this.ctx.token],
          true,
        );
        this.locked = false;
        if (!r.stdout.includes('RELEASED'))
          core.warning(`${this.name}: the lock was no longer ours when releasing it.`);
      });
    } catch (error) {
      core.warning(`${this.name}: could not release the deploy lock: ${(error as Error).message}`);
    }
  }

  async upload(): Promise<void> {
    await this.step('upload', async () => {
      const conn = await this.connection();
      const dir = releaseDir(this.layout, this.inputs.version);
      const all = [...this.inputs.composeFiles, ...(this.inputs.envFile ? [this.inputs.envFile] : [])];
      await Promise.all(all.map((f) => conn.upload(`${dir}/${f.name}`, f.content, 0o600)));
      const list =
        [...this.inputs.composeFileNames, ...(this.inputs.envFile ? ['.env'] : [])].join('\n') + '\n';
      await conn.upload(`${dir}/files`, list, 0o600);
      this.releaseFiles.set(this.inputs.version, {
        files: this.inputs.composeFileNames,
        env: !!this.inputs.envFile,
      });
      this.log(`uploaded ${all.length} file(s) to ${dir} (mode 0600)`);
    });
  }

  async login(): Promise<void> {
    const registry = this.inputs.registry;
    if (!registry) return;
    await this.step('login', async () => {
      const conn = await this.connection();
      const r = await conn.exec(
        ['docker', 'login', '--username', registry.username, '--password-stdin', registry.server],
        {
          stdin: registry.password,
          timeoutMs: 60_000,
        },
      );
      if (!execSucceeded(r))
        throw new StepFailed(
          `docker login to ${registry.server} on ${this.name} ${describeExit(r)}: ${this.tail(r, 5)}`,
        );
      this.log(`logged in to ${registry.server}`);
    });
  }

  async pull(): Promise<void> {
    const version = this.inputs.version;
    await this.step('pull', async () => {
      if (this.inputs.rollbackTo) await this.loadReleaseFiles(version);
      const images = this.inputs.rollbackTo ? [] : [...new Set(Object.values(this.inputs.images))];
      if (images.length === 0) {
        const [script, args] = this.inRelease(version, [
          ...this.compose(version),
          'pull',
          ...this.inputs.services,
        ]);
        await this.script('pulling images', script, args);
        return;
      }
      // The images are named: `docker pull` each (the Go CLI) instead of starting Compose.
      const conn = await this.connection();
      await Promise.all(
        images.map(async (image) => {
          const r = await conn.exec(['docker', 'pull', '--quiet', image], {
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
      const conn = await this.connection();
      const r = await conn.exec(S.LOAD_IMAGES, {
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
    const r = await this.script('checking images', S.IMAGES_EXIST, images, true);
    this.imageStates = r.stdout.trim().split('\n').filter(Boolean);
    for (const line of this.imageStates) this.log(`image ${line}`);
  }

  /**
   * The pre-deploy backup on this host: in the current release's database service (postgres,
   * mysql), or on the host itself (postgres-host, mysql-host). Any failure throws before the
   * deploy changes anything.
   */
  async runBackup(): Promise<void> {
    const preset = this.inputs.backup;
    if (preset === 'none') return;
    const stamp = `${new Date().toISOString().replace(/[:.]/g, '-')}-before-${this.inputs.version}`;
    const keep = String(this.inputs.backupKeep);
    const what = `pre-deploy backup '${preset}' (${describeBackup(preset, this.inputs.backupService)})`;
    if (backupInService(preset) && !this.previous) {
      this.log('no current release: nothing to back up');
      return;
    }
    await this.step('backup', async () => {
      let r: ExecResult;
      if (preset === 'postgres-host') {
        const settings = this.inputs.postgres ?? {};
        // The password travels as a 0600 password file over SFTP; the script removes it.
        let passFile = '';
        if (settings.password !== undefined) {
          passFile = `${releaseDir(this.layout, this.inputs.version)}/${PGPASS_FILE}`;
          await (await this.connection()).upload(passFile, pgpassFile(settings.password), 0o600);
        }
        r = await this.script(what, S.BACKUP_POSTGRES_HOST, [
          passFile,
          this.layout.backupsDir,
          stamp,
          keep,
          settings.host ?? '',
          settings.port === undefined ? '' : String(settings.port),
          settings.user ?? '',
          settings.database ?? '',
        ]);
      } else if (preset === 'mysql-host') {
        const settings = this.inputs.mysql as MysqlSettings;
        // The connection (password included) travels as a 0600 option file over SFTP; the script removes it.
        const cnf = `${releaseDir(this.layout, this.inputs.version)}/${MYSQL_OPTION_FILE}`;
        const conn = await this.connection();
        await conn.upload(cnf, mysqlOptionFile(settings), 0o600);
        r = await this.script(what, S.BACKUP_MYSQL_HOST, [
          cnf,
          this.layout.backupsDir,
          stamp,
          keep,
          settings.database,
        ]);
      } else {
        await this.loadReleaseFiles(this.previous);
        const [dump, trailer] =
          preset === 'mysql' ? [S.MYSQL_DUMP_IN_SERVICE, S.MYSQL_DUMP_TRAILER] : [S.PG_DUMP_IN_SERVICE, ''];
        r = await this.script(what, S.BACKUP_IN_SERVICE, [
          releaseDir(this.layout, this.previous),
          this.spec.host,
          this.previous,
          this.layout.backupsDir,
          stamp,
          keep,
          this.inputs.backupService,
          dump,
          trailer,
          this.spec.projectName,
          ...this.compose(this.previous),
        ]);
      }
      this.backup = /backup=(\S+)/.exec(r.stdout)?.[1];
    });
  }

  async hook(which: 'pre-hook' | 'post-hook', text: string, version: string): Promise<void> {
    if (text.trim() === '') return;
    await this.step(which, async () => {
      const header = 'cd "$1"\nexport DEPLOY_HOST="$2" DEPLOY_VERSION="$3" DEPLOY_PREVIOUS_VERSION="$4"\n';
      await this.script(`the ${which}`, header + text, [
        releaseDir(this.layout, version),
        this.spec.host,
        version,
        this.previous,
      ]);
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
    const version = this.inputs.version;
    await this.step(stepName, async () => {
      // docker-compose v1 links a one-off container to the running containers of its
      // service, which Docker refuses with host networking; a separate project name
      // avoids the links, and with host networking the project network does not matter.
      const hostNet = this.inputs.hostNetworkServices.includes(this.inputs.migrateService);
      const compose = this.compose(version);
      if (hostNet) compose[compose.indexOf('--project-name') + 1] = `${this.spec.projectName}-oneoff`;
      const argv = [...compose, ...oneOffArgv(this.inputs.migrateService, command)];
      this.log(`${what}: ${argv.join(' ')}`);
      const [script, args] = this.inRelease(version, argv);
      await this.script(what, script, args);
    });
  }

  private async up(version: string): Promise<void> {
    const [script, args] = this.inRelease(version, [
      ...this.compose(version),
      'up',
      '-d',
      '--remove-orphans',
      ...this.inputs.services,
    ]);
    await this.script(`compose up of ${version}`, script, args);
    await this.script(
      'pointing current at the release',
      S.SWITCH_LINK,
      [this.spec.projectDir, version],
      true,
    );
  }

  async switchTo(): Promise<void> {
    const version = this.inputs.version;
    await this.step('switch', async () => {
      // Marked before `up`: a half-finished up is still a host that must go back.
      this.switched = true;
      await this.up(version);
      this.log(`switched to ${version}`);
    });
  }

  /**
   * Wait until every container is running and healthy (if it has a healthcheck) and the URL answers, or time out.
   * `expect: false` skips health-expect: before a reload the running processes still serve what they
   * loaded, so only the check after the reload can ask for the new release's text.
   */
  async health(version: string, stepName = 'health', expect = true): Promise<void> {
    const { healthUrl, healthTimeoutMs, healthcheck } = this.inputs;
    // {version} names the release being checked; a fixed expectation belongs to the new
    // release, so when checking a rollback only a {version} expectation still applies.
    const rawExpect = expect ? this.inputs.healthExpect : '';
    const healthExpect =
      stepName.startsWith('rollback-') && !rawExpect.includes('{version}')
        ? ''
        : rawExpect.replace(/\{version\}/g, version);
    if (healthcheck === 'none' && healthUrl === '') return;
    await this.step(stepName, async () => {
      const deadline = Date.now() + healthTimeoutMs;
      const url = healthUrl.replace(/\{host\}/g, this.spec.host).replace(/\{version\}/g, version);
      let last = '';
      for (;;) {
        let containersOk = true;
        if (healthcheck === 'compose') {
          const r = await this.script(
            'reading container health',
            S.CONTAINER_STATES,
            [this.spec.projectName],
            true,
          );
          const services = this.inputs.services;
          const lines = r.stdout
            .trim()
            .split('\n')
            .filter(Boolean)
            .filter(
              (l) =>
                l === 'NO-CONTAINERS' || services.length === 0 || services.includes(l.split(' ')[3] ?? ''),
            )
            .map((l) => l.split(' ').slice(0, 3).join(' '));
          if (lines[0] === 'NO-CONTAINERS')
            throw new HealthRed(`no containers are running for ${this.spec.projectName} on ${this.name}`);
          const bad = lines.filter((l) => !/ running (healthy|none)$/.test(l));
          // A stopped container will not come back by itself: fail at once. `unhealthy` can
          // turn healthy again (a slow probe on a busy host), so it waits for health-timeout.
          const dead = lines.filter((l) => / (exited|dead) /.test(l));
          if (dead.length > 0) throw new HealthRed(`health check red on ${this.name}: ${dead.join(', ')}`);
          containersOk = bad.length === 0;
          last = bad.join(', ');
        }
        let httpOk = true;
        if (containersOk && url !== '') {
          const conn = await this.connection();
          const r = await conn.script(S.HTTP_GET, [url], { timeoutMs: 15_000, maxOutputBytes: 64 * 1024 });
          httpOk = execSucceeded(r) && (healthExpect === '' || r.stdout.includes(healthExpect));
          last = execSucceeded(r)
            ? `${url} answered without '${healthExpect}'`
            : `${url}: ${this.tail(r, 2) || describeExit(r)}`;
        }
        if (containersOk && httpOk) {
          this.log(`healthy (${version})`);
          return;
        }
        if (Date.now() >= deadline)
          throw new HealthRed(
            `health check red on ${this.name} after ${Math.round(healthTimeoutMs / 1000)}s (health-timeout): ${last || 'not ready'}`,
          );
        await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
        this.checkCancelled('the health gate');
      }
    });
  }

  /**
   * After the health gate: `nginx -t` first (a bad configuration fails the host before anything
   * is signalled), then SIGHUP to hup-services (Gunicorn starts new workers that load the live
   * release, the master stays), then nginx reloads. `what` limits it to the parts a rollback must
   * redo: a reloaded process does not go back by itself when `up` leaves its container running.
   */
  async reload(version = this.inputs.version, prefix = '', what = { hup: true, nginx: true }): Promise<void> {
    const hup = what.hup && this.inputs.hupServices.length > 0;
    const nginx = what.nginx && this.inputs.nginxReload !== 'none';
    if (nginx) await this.step(`${prefix}nginx-test`, () => this.nginx('test', version));
    if (hup)
      await this.step(`${prefix}hup`, async () => {
        const services = this.inputs.hupServices;
        this.hupSent = true;
        const [script, args] = this.inRelease(version, [
          ...this.compose(version),
          'kill',
          '-s',
          'HUP',
          ...services,
        ]);
        await this.script(`SIGHUP to ${services.join(', ')}`, script, args);
        this.log(`SIGHUP sent to ${services.join(', ')}`);
      });
    if (nginx)
      await this.step(`${prefix}nginx-reload`, async () => {
        await this.nginx('reload', version);
        this.nginxReloaded = true;
      });
  }

  /** nginx -t or reload, on the host (NGINX_HOST) or inside the nginx-reload service (NGINX_CONTAINER). */
  private async nginx(mode: NginxMode, version: string): Promise<void> {
    const target = this.inputs.nginxReload;
    const [script, args] =
      target === 'host'
        ? [S.NGINX_HOST, [mode]]
        : this.inRelease(version, [
            ...this.compose(version),
            'exec',
            '-T',
            target,
            'sh',
            '-c',
            S.NGINX_CONTAINER,
            'nginx-reload',
            mode,
          ]);
    const conn = await this.connection();
    const r = await conn.script(script, args, { timeoutMs: this.inputs.commandTimeoutMs });
    const output = this.tail(r, 20);
    if (!execSucceeded(r)) {
      // nginx tells why a reload did not take only in its own log: the container's output.
      let serviceLog: string | undefined;
      if (r.exitCode === 4 && target !== 'host') {
        const [logScript, logArgs] = this.inRelease(version, [
          ...this.compose(version),
          'logs',
          '--no-color',
          '--no-log-prefix',
          '--tail',
          '20',
          target,
        ]);
        const logs = await conn.script(logScript, logArgs, { timeoutMs: 60_000 });
        serviceLog = this.tail(logs, 20);
      }
      throw new StepFailed(
        nginxFailureMessage({
          mode,
          target,
          host: this.name,
          user: this.spec.user,
          exitCode: r.exitCode,
          exit: describeExit(r),
          output,
          serviceLog,
        }),
      );
    }
    if (output !== '') this.log(output);
  }

  /** Go back to the previous release: its files and images, then health-check it. */
  async rollback(): Promise<void> {
    // A cancelled run rolls back from the signal handler (rollbackOnCancel), within the runner's grace time.
    if (this.cancelled) return;
    const previous = this.previous;
    if (!previous) {
      this.status = 'rollback-failed';
      this.rollbackError = `no previous release on ${this.name}: it stays on ${this.inputs.version}, which failed`;
      return;
    }
    try {
      await this.step('rollback', async () => {
        await this.loadReleaseFiles(previous);
        await this.up(previous);
        this.log(`rolled back to ${previous}`);
      });
      // Processes reloaded with the failed release keep it until they are reloaded again; an
      // nginx whose reload did not take still runs the previous configuration.
      const redo = { hup: this.hupSent, nginx: this.nginxReloaded };
      await this.health(previous, 'rollback-health', !redo.hup && !redo.nginx);
      if (redo.hup || redo.nginx) {
        await this.reload(previous, 'rollback-', redo);
        await this.health(previous, 'rollback-reload-health');
      }
      this.status = 'rolled-back';
    } catch (error) {
      this.status = 'rollback-failed';
      this.rollbackError = (error as Error).message;
    }
  }

  /**
   * Cancellation: the runner kills a cancelled job 10 s after SIGINT, too soon for a
   * health-checked rollback. Wait for the step in flight (two `up`s must not race on one
   * project), then put the previous release back with one `up -d`, all before `deadline`.
   * Returns what happened, as a phrase for the one-sentence failure.
   */
  async rollbackOnCancel(deadline: number): Promise<string> {
    const previous = this.previous;
    const fail = (why: string): string => {
      this.status = 'rollback-failed';
      this.rollbackError = why;
      return `${this.name} could NOT be rolled back (${why}): it may still run ${this.inputs.version}`;
    };
    if (!previous) return fail('no previous release');
    const inTime = <T>(p: Promise<T>): Promise<T | typeof TIMED_OUT> =>
      Promise.race([p, sleep(Math.max(0, deadline - Date.now())).then((): typeof TIMED_OUT => TIMED_OUT)]);
    if ((await inTime(this.inFlight)) === TIMED_OUT)
      return fail('the step in progress did not end within the cancellation grace time');
    try {
      const done = await inTime(
        this.step('cancel-rollback', async () => {
          await this.loadReleaseFiles(previous);
          await this.up(previous);
        }),
      );
      if (done === TIMED_OUT) return fail('compose up of the previous release did not finish in time');
      this.status = 'rolled-back';
      this.log(`put back on ${previous} (cancelled run)`);
      return `${this.name} was put back on ${previous}`;
    } catch (error) {
      return fail((error as Error).message);
    }
  }

  async readLog(): Promise<ReleaseRecord[]> {
    const r = await this.script('reading the release log', S.READ_LOG, [this.layout.releaseLog], true);
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
    if (this.cancelled) return; // the grace time goes to rolling back and unlocking
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
        await this.script(
          'appending to the release log',
          S.RECORD,
          [this.layout.releaseLog, formatRecord(record)],
          true,
        );
      });
    } catch (error) {
      core.warning(`${this.name}: could not append to the release log: ${(error as Error).message}`);
    }
  }

  close(): void {
    this.conn?.close();
  }
}
