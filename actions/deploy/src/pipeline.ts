import { InputError, PolicyFailure, ToolError, type ActionError } from '@deploy-kit/shared';
import { messages } from './messages';
import { hostLines, names, putBackByDeploy, type HostLine } from './stage-results';
import type { DeployRun, RenderRun, SmokeRun } from './stage-results';

export { messages } from './messages';

/**
 * The one-step deploy's order of stages, as pure logic over injected stage functions (action.ts
 * wires them to the three actions' `run()`), so every path — success, smoke red and rolled back,
 * rollback not verified, cancelled — is unit-tested without a server:
 *
 *   render-env -> remote-deploy -> smoke-test (expects the new version)
 *     smoke red -> remote-deploy rollback-to <previous> -> smoke-test (expects <previous>)
 *
 * A failure of render-env stops before any host is touched; a failure of remote-deploy is
 * remote-deploy's own (its health gate already put switched hosts back: recorded here as the
 * rollback stage, reason 'health-gate'); only a red smoke test after a healthy switch makes this
 * pipeline roll the fleet back (reason 'smoke-test').
 */

export type StageName = 'render-env' | 'remote-deploy' | 'smoke-test' | 'rollback' | 'rollback-smoke-test';

export type StageStatus = 'passed' | 'failed' | 'skipped' | 'cancelled';

/** Why hosts were put back on the previous release ('' when they were not). */
export type RollbackReason = '' | 'health-gate' | 'smoke-test' | 'cancel';

export interface StageRecord {
  stage: StageName;
  status: StageStatus;
  /** Offsets from the pipeline's start, in ms. */
  startMs: number;
  endMs: number;
  /** One line for the log and the summary's timeline. */
  detail: string;
  /** The stage's own job summary (markdown). */
  summary: string;
  /** The stage's own `results` (what the single action would output). */
  results: unknown;
}

export interface Stages {
  /** undefined: no template, the stage is skipped. A failure is in the result (nothing was touched). */
  render(): Promise<RenderRun | undefined>;
  deploy(): Promise<DeployRun>;
  /** Runs the smoke test expecting `version` (unless the user pinned expect-version). */
  smoke(version: string, phase: 'smoke-test' | 'rollback-smoke-test'): Promise<SmokeRun>;
  rollback(to: string): Promise<DeployRun>;
}

export interface PipelineOptions {
  /** The URL the smoke test checks, for the messages. */
  url: string;
  /** rollback-to was given: this run is itself a rollback, and a red smoke test is not rolled back again. */
  isRollback: boolean;
  /** dry-run: remote-deploy only checks the hosts; nothing to smoke-test. */
  dryRun: boolean;
  /** The runner's cancel signal, once one arrived: no stage starts after it. */
  cancelled?: () => string | undefined;
  now?: () => number;
}

export interface PipelineResult {
  version: string;
  previousVersion: string;
  rolledBack: boolean;
  rollbackReason: RollbackReason;
  stages: StageRecord[];
  failure?: ActionError;
}

/** A failure caused by the runner cancelling the job (a ToolError: the pipeline could not finish). */
export class PipelineCancelled extends ToolError {}

type Kind = 'input' | 'tool' | 'policy';

/** The pipeline's own failures are the shared typed errors; the stage's error travels as `cause`. */
export function pipelineFailure(kind: Kind, message: string, cause?: unknown): ActionError {
  const options = cause === undefined ? undefined : { cause };
  if (kind === 'input') return new InputError(message, options);
  if (kind === 'policy') return new PolicyFailure(message, [], options);
  return new ToolError(message, options);
}

export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}

function isCancelled(run: { outputs: { results: { status?: string } } }): boolean {
  return run.outputs.results.status === 'cancelled';
}

/** The records of one pipeline run, timed from its start. */
class Timeline {
  readonly records: StageRecord[] = [];
  private readonly t0: number;
  constructor(private readonly now: () => number) {
    this.t0 = now();
  }
  offset(): number {
    return this.now() - this.t0;
  }
  add(r: Omit<StageRecord, 'endMs'> & { endMs?: number }): StageRecord {
    const full = { ...r, endMs: r.endMs ?? this.offset() };
    this.records.push(full);
    return full;
  }
  /** A stage that reports its failure or cancel in its result. */
  outcome(stage: StageName, startMs: number, run: DeployRun | SmokeRun | RenderRun, passed: string): void {
    this.add({
      stage,
      status: isCancelled(run) ? 'cancelled' : run.failure ? 'failed' : 'passed',
      startMs,
      detail: run.failure ? errorText(run.failure) : passed,
      summary: run.summary,
      results: run.outputs.results,
    });
  }
}

/** Run the stages in order; never throws for a stage failure (it is in `failure`). */
export async function runPipeline(stages: Stages, options: PipelineOptions): Promise<PipelineResult> {
  const timeline = new Timeline(options.now ?? Date.now);
  const none = { version: '', previousVersion: '', rolledBack: false, rollbackReason: '' as const };

  // 1. render-env: local only; any failure stops before any host is touched.
  let start = timeline.offset();
  const rendered = await stages.render();
  if (!rendered)
    timeline.add({
      stage: 'render-env',
      status: 'skipped',
      startMs: start,
      detail: 'no template: env-file is used as given',
      summary: '',
      results: null,
    });
  else {
    const { keys, sha256 } = rendered.outputs;
    timeline.outcome('render-env', start, rendered, `${keys.length} keys, sha256 ${sha256.slice(0, 12)}`);
    if (rendered.failure) {
      const kind = (rendered.failure as { kind?: unknown }).kind;
      const failure = pipelineFailure(
        kind === 'input' || kind === 'policy' ? kind : 'tool',
        messages.renderFailed(errorText(rendered.failure)),
        rendered.failure,
      );
      return { ...none, stages: timeline.records, failure };
    }
  }

  // 2. remote-deploy: its own health gate and fleet rollback.
  const early = options.cancelled?.();
  if (early)
    return {
      ...none,
      stages: timeline.records,
      failure: new PipelineCancelled(messages.cancelledBeforeDeploy(early)),
    };
  start = timeline.offset();
  const deployed = await stages.deploy();
  const hosts = hostLines(deployed.outputs.results);
  timeline.outcome('remote-deploy', start, deployed, messages.deployed(deployed.outputs.version, hosts));
  const base = {
    version: deployed.outputs.version,
    previousVersion: deployed.outputs['previous-version'],
    stages: timeline.records,
  };
  if (deployed.failure) return deployFailed(timeline, base, deployed, hosts);
  if (options.dryRun) return { ...base, rolledBack: false, rollbackReason: '' };
  return smokeAndRollback(stages, options, timeline, base, hosts);
}

/**
 * remote-deploy failed. Hosts it put back itself (its health gate went red, or a cancel arrived
 * after they switched) are a rollback as much as the one this pipeline starts: recorded as the
 * rollback stage, and `rolledBack` says so.
 */
function deployFailed(
  timeline: Timeline,
  base: { version: string; previousVersion: string; stages: StageRecord[] },
  deployed: DeployRun,
  hosts: readonly HostLine[],
): PipelineResult {
  const back = putBackByDeploy(hosts);
  if (back.length === 0) return { ...base, rolledBack: false, rollbackReason: '', failure: deployed.failure };
  const reason: RollbackReason = isCancelled(deployed) ? 'cancel' : 'health-gate';
  const end = timeline.offset();
  const failedBack = back.filter((h) => h.status !== 'rolled-back');
  timeline.add({
    stage: 'rollback',
    status: failedBack.length > 0 ? 'failed' : 'passed',
    startMs: end - Math.max(0, ...back.map((h) => h.rollbackMs)),
    endMs: end,
    detail: messages.putBackByDeploy(reason, base.previousVersion, back, failedBack),
    summary: '',
    results: { by: 'remote-deploy', reason, hosts: back.map((h) => ({ host: h.host, status: h.status })) },
  });
  return { ...base, rolledBack: failedBack.length === 0, rollbackReason: reason, failure: deployed.failure };
}

/** 3–4: the smoke test of the new release; red: every host back on the previous one, then prove it. */
async function smokeAndRollback(
  stages: Stages,
  options: PipelineOptions,
  timeline: Timeline,
  base: { version: string; previousVersion: string; stages: StageRecord[] },
  hostList: readonly HostLine[],
): Promise<PipelineResult> {
  const { version, previousVersion: previous } = base;
  const hosts = names(hostList);
  const notBack = { ...base, rolledBack: false, rollbackReason: '' as const };
  const cancelled = (message: string, state: PipelineResult): PipelineResult => ({
    ...state,
    failure: new PipelineCancelled(message),
  });
  if (options.cancelled?.()) return cancelled(messages.cancelledInSmoke(version, hosts), notBack);
  let start = timeline.offset();
  const smoked = await stages.smoke(version, 'smoke-test');
  timeline.outcome('smoke-test', start, smoked, `${smoked.outputs['passed-count']} check(s) passed`);
  if (isCancelled(smoked)) return cancelled(messages.cancelledInSmoke(version, hosts), notBack);
  if (!smoked.failure) return notBack;
  const smokeText = errorText(smoked.failure);
  const policy = (message: string, state: PipelineResult = notBack): PipelineResult => ({
    ...state,
    failure: pipelineFailure('policy', message, smoked.failure),
  });
  if (options.isRollback) return policy(messages.notRolledBackAgain(version));
  if (!previous) return policy(messages.noPrevious(version));

  if (options.cancelled?.())
    return cancelled(messages.cancelledBeforeRollback(version, previous, hosts), notBack);
  start = timeline.offset();
  const back = await stages.rollback(previous);
  const backHosts = hostLines(back.outputs.results);
  timeline.outcome('rollback', start, back, `every host back on ${previous}`);
  if (back.failure) {
    const bad = names(backHosts.filter((h) => h.status !== 'deployed'));
    // A cancel undoes remote-deploy's own run, the rollback: its switched hosts go back to `version`.
    const failure = isCancelled(back)
      ? new PipelineCancelled(messages.cancelledInRollback(version, previous), { cause: back.failure })
      : pipelineFailure('tool', messages.rollbackFailed(version, previous, bad), back.failure);
    return { ...notBack, failure };
  }
  const backNames = names(backHosts) || hosts;
  // As remote-deploy reports a failed deploy: version is what every host serves now.
  const rolled: PipelineResult = {
    ...base,
    version: previous,
    previousVersion: previous,
    rolledBack: true,
    rollbackReason: 'smoke-test',
  };
  if (options.cancelled?.())
    return cancelled(messages.cancelledInRollbackSmoke(version, previous, backNames), rolled);
  start = timeline.offset();
  const again = await stages.smoke(previous, 'rollback-smoke-test');
  const passed = `${again.outputs['passed-count']} check(s) passed for ${previous}`;
  timeline.outcome('rollback-smoke-test', start, again, passed);
  if (isCancelled(again))
    return cancelled(messages.cancelledInRollbackSmoke(version, previous, backNames), rolled);
  if (again.failure) return policy(messages.rollbackNotVerified(version, previous, options.url), rolled);
  return policy(messages.rolledBackVerified(version, previous, smokeText), rolled);
}
