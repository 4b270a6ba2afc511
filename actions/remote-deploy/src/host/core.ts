import * as core from '@actions/core';
import { errorMessage, Masker, redactSecrets, ToolError } from '@deploy-kit/shared';
import { describeExit, execSucceeded, lastLines, type ExecResult } from '@deploy-kit/shared/ssh';
import { compose, images, release, type RemoteScript } from '../commands';
import type { ComposeProject } from '../commands/compose';
import { Cancelled, StepFailed } from '../model/errors';
import { sshTarget, type HostSpec } from '../model/hosts';
import type { Inputs } from '../inputs';
import { cancelledStep } from '../messages';
import { ENV_FILE_NAME, releaseDir, remoteLayout, type RemoteLayout } from '../model/layout';
import { isReleasePath } from '../model/release-files';
import { openSsh, type OpenShell, type RemoteShell } from './remote-shell';
import type { RunContext } from '../model/run-context';
import type { HostFacts, HostStatus, StepTiming } from '../model/host-state';

export type { HostFacts, HostStatus, StepTiming } from '../model/host-state';

/** Steps that still start once the run is cancelled: putting hosts back and releasing locks. */
const STEPS_AFTER_CANCEL = new Set(['cancel-rollback', 'unlock']);

/**
 * One host's deploy state and its remote shell: the core every phase (host/host.ts,
 * host/lock.ts, host/health.ts, host/reload.ts, host/rollback.ts, host/backup.ts) works
 * through. State changes are methods here; remote commands come from commands/.
 */
export class HostCore {
  readonly layout: RemoteLayout;
  readonly steps: StepTiming[] = [];
  status: HostStatus = 'pending';
  facts?: HostFacts;
  /** Why this host failed, as the typed error (HealthRed, StepFailed, Cancelled, ...) and as its sentence. */
  failure?: Error;
  error?: string;
  rollbackError?: string;
  switched = false;
  /** What this host reloaded (a rollback reloads the same again, for the previous release). */
  private readonly reloadedParts = { hup: false, nginx: false };
  migrated = false;
  backup?: string;
  imageStates: string[] = [];
  private shellConn?: RemoteShell;
  /** This run's secrets, compiled once (an env file of 1,000 keys gives ~14,000 forms). */
  private runMasker?: Masker;
  private locked = false;
  private cancelled = false;
  /** The step running now (settled, never rejecting): a cancel-rollback waits for it. */
  inFlight: Promise<unknown> = Promise.resolve();
  /** The per-deploy DOCKER_CONFIG on the host while it holds registry credentials (login → end of pull). */
  private dockerConfigDir?: string;
  private readonly releaseFiles = new Map<string, { files: string[]; env: boolean }>();

  constructor(
    readonly spec: HostSpec,
    readonly inputs: Inputs,
    readonly ctx: RunContext,
    private readonly openShell: OpenShell = openSsh,
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

  get isCancelled(): boolean {
    return this.cancelled;
  }

  // ------------------------------------------------------------ state changes

  /** This host failed: keep the typed error and its sentence; say so in the log unless `verb` is ''. */
  fail(error: unknown, verb = 'failed'): void {
    this.status = 'failed';
    this.failure = error instanceof Error ? error : new ToolError(errorMessage(error));
    this.error = errorMessage(error);
    if (verb !== '') this.log(`${verb}: ${this.error}`);
  }

  markPlanned(): void {
    this.status = 'planned';
  }

  markPrepared(): void {
    this.status = 'prepared';
  }

  markDeployed(): void {
    this.status = 'deployed';
  }

  /** The deploy stopped before this host changed: it never left its previous release. */
  markUntouched(): void {
    if (this.status === 'prepared') this.status = 'pending';
  }

  markLocked(locked: boolean): void {
    this.locked = locked;
  }

  /** Marked before `up`: a half-finished up is still a host that must go back. */
  markSwitched(): void {
    this.switched = true;
  }

  get reloaded(): { hup: boolean; nginx: boolean } {
    return { ...this.reloadedParts };
  }

  markReloaded(part: 'hup' | 'nginx'): void {
    this.reloadedParts[part] = true;
  }

  /** The dump the pre-deploy backup wrote on this host. */
  recordBackup(file: string | undefined): void {
    this.backup = file;
  }

  markRolledBack(): void {
    this.status = 'rolled-back';
  }

  markRollbackFailed(why: string): void {
    this.status = 'rollback-failed';
    this.rollbackError = why;
  }

  /** The runner cancelled the job: no new step starts here, loops stop waiting (see rollbackOnCancel). */
  cancel(): void {
    this.cancelled = true;
  }

  // ------------------------------------------------------------ logging and steps

  /**
   * Remote output is redacted here as well as by the runner's masker: a secret
   * echoed by a remote command never reaches stdout in clear, even split oddly.
   */
  log(message: string): void {
    for (const line of this.redact(message).split('\n')) core.info(`[${this.name}] ${line}`);
  }

  /** This run's secrets, then every form in the shared mask registry and its JSON-escaped spelling. */
  redact(text: string): string {
    this.runMasker ??= new Masker(this.inputs.secrets);
    return redactSecrets(this.runMasker.redact(text));
  }

  tail(result: ExecResult, n: number): string {
    return this.redact(lastLines(result, n));
  }

  checkCancelled(what: string): void {
    if (this.cancelled) throw new Cancelled(cancelledStep(what, this.name));
  }

  /** A named, timed step of the summary's timeline; refused once the run is cancelled (but for the way back). */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
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

  // ------------------------------------------------------------ the remote shell

  /** The host's shell, (re)connected when needed (after a lost connection, unlock reconnects). */
  async shell(): Promise<RemoteShell> {
    if (this.shellConn?.isOpen) return this.shellConn;
    const key = this.inputs.hostKeys.get(this.name) ?? this.inputs.key;
    const jump = this.inputs.jump;
    this.shellConn = await this.openShell(sshTarget(this.spec, key, this.inputs.hostKeyPolicy), {
      jump: jump
        ? sshTarget(
            { ...jump, name: `jump host ${jump.host}:${jump.port}`, fingerprints: [] },
            this.inputs.key,
            this.inputs.hostKeyPolicy,
          )
        : undefined,
      connectDeadlineMs: this.inputs.connectTimeoutMs,
      onRetry: (m) => this.log(m),
      onWarning: (m) => core.warning(m),
    });
    return this.shellConn;
  }

  /** Run a script; a non-zero exit, a signal or a missing exit status throws with the last lines of output. */
  async run(what: string, command: RemoteScript, quiet = false): Promise<ExecResult> {
    const shell = await this.shell();
    const result = await shell.script(command.script, command.args, {
      timeoutMs: this.inputs.commandTimeoutMs,
    });
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

  /** Run argv in a release's dir, with DEPLOY_HOST / DEPLOY_VERSION exported for Compose. */
  inRelease(version: string, argv: readonly string[]): RemoteScript {
    return release.inDir(releaseDir(this.layout, version), this.spec.host, version, argv);
  }

  /** The Compose project of a release: its own files (a rollback uses what an earlier run uploaded). */
  project(version: string): ComposeProject {
    const known = this.releaseFiles.get(version);
    return {
      kind: this.facts?.compose === 'v2' ? 'v2' : 'v1',
      project: this.spec.projectName,
      files: known?.files ?? this.inputs.composeFileNames,
      envFile: known?.env ?? this.inputs.envFile !== undefined,
      dir: releaseDir(this.layout, version),
    };
  }

  /** Learn which files an existing release dir holds (rollback and rollback-to use releases made by earlier runs). */
  async loadReleaseFiles(version: string): Promise<void> {
    if (this.releaseFiles.has(version)) return;
    const r = await this.run(
      'reading release files',
      release.readFiles(releaseDir(this.layout, version)),
      true,
    );
    const lines = r.stdout.split('\n').filter((l) => l === ENV_FILE_NAME || isReleasePath(l));
    const files = lines.filter((l) => l !== '.env');
    if (files.length === 0)
      throw new StepFailed(`release ${version} on ${this.name} has no recorded compose files`);
    this.releaseFiles.set(version, { files, env: lines.includes('.env') });
  }

  rememberReleaseFiles(version: string, files: string[], env: boolean): void {
    this.releaseFiles.set(version, { files, env });
  }

  /** `compose up -d` of a release, then `current` points at it. */
  async up(version: string): Promise<void> {
    await this.run(
      `compose up of ${version}`,
      this.inRelease(version, compose.up(this.project(version), this.inputs.services)),
    );
    await this.run(
      'pointing current at the release',
      release.switchCurrent(this.spec.projectDir, version),
      true,
    );
  }

  /** From login on, registry commands use this private DOCKER_CONFIG (see commands/images.ts). */
  useDockerConfig(dir: string): void {
    if (!/^\/.+\/docker-config\.[A-Za-z0-9]+$/.test(dir))
      throw new StepFailed(`could not make a private docker config on ${this.name} (got '${dir}')`);
    this.dockerConfigDir = dir;
  }

  withCredentials(argv: readonly string[]): string[] {
    return images.withDockerConfig(this.dockerConfigDir, argv);
  }

  /**
   * Remove the per-deploy docker config and the registry credentials in it: after the pull, and
   * again (a no-op by then) on rollback, failure and cancel. Never throws: it warns.
   */
  async dropCredentials(): Promise<void> {
    const dir = this.dockerConfigDir;
    if (!dir) return;
    try {
      await this.run('removing the per-deploy docker config', images.removeDockerConfig(dir), true);
      this.dockerConfigDir = undefined;
    } catch (error) {
      core.warning(
        `${this.name}: could not remove the per-deploy docker config ${dir} (it holds registry credentials; remove it by hand): ${errorMessage(error)}`,
      );
    }
  }

  close(): void {
    this.shellConn?.close();
  }
}
