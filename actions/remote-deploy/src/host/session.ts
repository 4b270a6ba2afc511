import * as core from '@actions/core';
import { Masker, redactSecrets } from '@deploy-kit/shared';
import {
  describeExit,
  execSucceeded,
  lastLines,
  type ExecResult,
  type HostKeyPolicy,
  type ParsedClientKey,
} from '@deploy-kit/shared/ssh';
import type { RemoteScript } from '../commands';
import { cancelledStep } from '../messages';
import { Cancelled, StepFailed } from '../model/errors';
import type { StepTiming } from '../model/host-state';
import { sshTarget, type HostSpec } from '../model/hosts';
import type { JumpHost } from '../model/ssh-inputs';
import { withCutHook } from './cut-hook';
import { openSsh, type OpenShell, type RemoteShell } from './remote-shell';

/** Steps that still start once the run is cancelled: putting hosts back and releasing locks. */
const STEPS_AFTER_CANCEL = new Set(['cancel-rollback', 'unlock']);

/** What a session needs to reach its host and to run commands there. */
export interface SessionSettings {
  key: ParsedClientKey;
  hostKeys: ReadonlyMap<string, ParsedClientKey>;
  hostKeyPolicy: HostKeyPolicy;
  jump?: JumpHost;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Every form of this run's secrets, longest first (Inputs.secrets). */
  secrets: readonly string[];
}

/**
 * One host's connection and everything said about it: the shell (reconnected when lost), remote
 * commands that throw StepFailed with the last lines of output, the log (redacted), the timed
 * steps of the summary's timeline, and the cancel flag that stops new steps.
 */
export class HostSession {
  readonly steps: StepTiming[] = [];
  /** The step running now (settled, never rejecting): a cancel-rollback waits for it. */
  inFlight: Promise<unknown> = Promise.resolve();
  /** The step running now, for progress lines. */
  current?: { name: string; start: number };
  private conn?: RemoteShell;
  /** This run's secrets, compiled once (an env file of 1,000 keys gives ~14,000 forms). */
  private masker?: Masker;
  private cancelled = false;
  /** Remote commands sent to this host so far (the cut-at-every-step test hook counts them). */
  private readonly commandCount: { n: number; cut?: boolean } = { n: 0 };

  constructor(
    readonly spec: HostSpec,
    private readonly settings: SessionSettings,
    private readonly openShell: OpenShell = openSsh,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Whether the host's connection is open now (false after a lost connection, until the next command reconnects). */
  get connected(): boolean {
    return this.conn?.isOpen ?? false;
  }

  /** The runner cancelled the job: no new step starts here, loops stop waiting. */
  cancel(): void {
    this.cancelled = true;
  }

  checkCancelled(what: string): void {
    if (this.cancelled) throw new Cancelled(cancelledStep(what, this.name));
  }

  /**
   * Remote output is redacted here as well as by the runner's masker: a secret
   * echoed by a remote command never reaches stdout in clear, even split oddly.
   */
  log(message: string): void {
    for (const line of this.redact(message).split('\n')) core.info(`[${this.name}] ${line}`);
  }

  /** This run's secrets, then every form in the shared mask registry and its JSON-escaped spelling. */
  redact(text: string): string {
    this.masker ??= new Masker(this.settings.secrets);
    return redactSecrets(this.masker.redact(text));
  }

  tail(result: ExecResult, n: number): string {
    return this.redact(lastLines(result, n));
  }

  /** A named, timed step of the summary's timeline; refused once the run is cancelled (but for the way back). */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!STEPS_AFTER_CANCEL.has(name)) this.checkCancelled(name);
    const start = Date.now();
    this.current = { name, start };
    try {
      const running = fn();
      this.inFlight = running.catch(() => undefined);
      const result = await running;
      this.steps.push({ name, start, end: Date.now(), ok: true });
      return result;
    } catch (error) {
      this.steps.push({ name, start, end: Date.now(), ok: false });
      throw error;
    } finally {
      if (this.current?.start === start && this.current.name === name) this.current = undefined;
    }
  }

  /** The host's shell, (re)connected when needed (after a lost connection, unlock reconnects). */
  async shell(): Promise<RemoteShell> {
    if (this.conn?.isOpen) return this.conn;
    const { key, hostKeys, hostKeyPolicy, jump, connectTimeoutMs } = this.settings;
    const opened = await this.openShell(sshTarget(this.spec, hostKeys.get(this.name) ?? key, hostKeyPolicy), {
      jump: jump
        ? sshTarget(
            { ...jump, name: `jump host ${jump.host}:${jump.port}`, fingerprints: [] },
            key,
            hostKeyPolicy,
          )
        : undefined,
      connectDeadlineMs: connectTimeoutMs,
      onRetry: (m) => this.log(m),
      onWarning: (m) => core.warning(m),
    });
    this.conn = withCutHook(opened, this.name, this.commandCount);
    return this.conn;
  }

  /** Run a script; a non-zero exit, a signal or a missing exit status throws with the last lines of output. */
  async run(what: string, command: RemoteScript, quiet = false): Promise<ExecResult> {
    const shell = await this.shell();
    const result = await shell.script(command.script, command.args, {
      timeoutMs: this.settings.commandTimeoutMs,
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

  close(): void {
    this.conn?.close();
  }
}
