import { InputError, PolicyFailure, ToolError } from '@deploy-kit/shared';
import { messages } from './messages';

export { messages } from './messages';

/**
 * The one-step deploy's order of stages, as pure logic over injected stage functions (the entry
 * wires them to renderEnv, remoteDeploy and smokeTest), so every path — success, smoke red and
 * rolled back, rollback not verified, cancelled — is unit-tested without a server:
 *
 *   render-env -> remote-deploy -> smoke-test (expects the new version)
 *     smoke red -> remote-deploy rollback-to <previous> -> smoke-test (expects <previous>)
 *
 * A failure of render-env stops before any host is touched; a failure of remote-deploy is
 * remote-deploy's own (its health gate already put switched hosts back); only a red smoke test
 * after a healthy switch makes this pipeline roll the fleet back.
 */

export type StageName = 'render-env' | 'remote-deploy' | 'smoke-test' | 'rollback' | 'rollback-smoke-test';

export type StageStatus = 'passed' | 'failed' | 'skipped' | 'cancelled';

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

export interface RenderOutcome {
  path: string;
  keys: string[];
  sha256: string;
  summary: string;
}

export interface DeployOutcome {
  version: string;
  previousVersion: string;
  outcome: string;
  results: unknown[];
  summary: string;
  failure?: Error;
  cancelled?: boolean;
}

export interface SmokeOutcome {
  passed: number;
  failed: number;
  results: unknown[];
  summary: string;
  failure?: Error;
  cancelled?: boolean;
}

export interface Stages {
  /** undefined: no template, the stage is skipped. Throws on any failure (nothing was touched). */
  render(): Promise<RenderOutcome | undefined>;
  deploy(): Promise<DeployOutcome>;
  /** Runs the smoke test expecting `version` (unless the user pinned expect-version). */
  smoke(version: string, phase: 'smoke-test' | 'rollback-smoke-test'): Promise<SmokeOutcome>;
  rollback(to: string): Promise<DeployOutcome>;
}

export interface PipelineOptions {
  /** The URL the smoke test checks, for the messages. */
  url: string;
  /** rollback-to was given: this run is itself a rollback, and a red smoke test is not rolled back again. */
  isRollback: boolean;
  /** dry-run: remote-deploy only checks the hosts; nothing to smoke-test. */
  dryRun: boolean;
  /** The runner's cancel signal, once one arrived: no stage starts after it. */
  cancelled?: () => NodeJS.Signals | undefined;
  now?: () => number;
}

export interface PipelineResult {
  version: string;
  previousVersion: string;
  rolledBack: boolean;
  stages: StageRecord[];
  failure?: Error;
}

/** A failure caused by the runner cancelling the job (a ToolError: the pipeline could not finish). */
export class PipelineCancelled extends ToolError {}

type Kind = 'input' | 'tool' | 'policy';

/** The pipeline's own failures are the shared typed errors; the stage's error travels as `cause`. */
export function pipelineFailure(kind: Kind, message: string, cause?: unknown): Error {
  const options = cause === undefined ? undefined : { cause };
  if (kind === 'input') return new InputError(message, options);
  if (kind === 'policy') return new PolicyFailure(message, [], options);
  return new ToolError(message, options);
}

export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}

interface HostLine {
  host: string;
  status: string;
}

/** Host names and statuses from remote-deploy's `results` (one object per host). */
export function hostLines(results: readonly unknown[]): HostLine[] {
  return results.flatMap((r) => {
    if (!r || typeof r !== 'object') return [];
    const o = r as Record<string, unknown>;
    return typeof o.host === 'string' ? [{ host: o.host, status: String(o.status ?? '') }] : [];
  });
}

function names(lines: readonly HostLine[]): string {
  return lines.map((l) => l.host).join(', ');
}

/** Run the stages in order; never throws for a stage failure (it is in `failure`). */
export async function runPipeline(stages: Stages, options: PipelineOptions): Promise<PipelineResult> {
  const now = options.now ?? Date.now;
  const t0 = now();
  const records: StageRecord[] = [];
  const record = (r: Omit<StageRecord, 'endMs'>): StageRecord => {
    const full = { ...r, endMs: now() - t0 };
    records.push(full);
    return full;
  };
  /** A stage that reports its failure or cancel in its result instead of throwing. */
  const recordOutcome = (
    stage: StageName,
    startMs: number,
    outcome: { failure?: unknown; cancelled?: boolean; summary: string; results: unknown },
    passedDetail: string,
  ): StageRecord =>
    record({
      stage,
      status: outcome.cancelled ? 'cancelled' : outcome.failure ? 'failed' : 'passed',
      startMs,
      detail: outcome.failure ? errorText(outcome.failure) : passedDetail,
      summary: outcome.summary,
      results: outcome.results,
    });

  // 1. render-env: local only; any error stops before any host is touched.
  let start = now() - t0;
  try {
    const rendered = await stages.render();
    if (rendered)
      record({
        stage: 'render-env',
        status: 'passed',
        startMs: start,
        detail: `${rendered.keys.length} keys, sha256 ${rendered.sha256.slice(0, 12)}`,
        summary: rendered.summary,
        results: { path: rendered.path, keys: rendered.keys, sha256: rendered.sha256 },
      });
    else
      record({
        stage: 'render-env',
        status: 'skipped',
        startMs: start,
        detail: 'no template: env-file is used as given',
        summary: '',
        results: null,
      });
  } catch (error) {
    const summary = (error as { summary?: unknown }).summary;
    record({
      stage: 'render-env',
      status: 'failed',
      startMs: start,
      detail: errorText(error),
      summary: typeof summary === 'string' ? summary : '',
      results: null,
    });
    const kind = (error as { kind?: unknown }).kind;
    return {
      version: '',
      previousVersion: '',
      rolledBack: false,
      stages: records,
      failure: pipelineFailure(
        kind === 'input' || kind === 'policy' ? kind : 'tool',
        messages.renderFailed(errorText(error)),
        error,
      ),
    };
  }

  const signal = (): NodeJS.Signals | undefined => options.cancelled?.();
  const cancelled = (message: string, base: Omit<PipelineResult, 'failure'>): PipelineResult => ({
    ...base,
    failure: new PipelineCancelled(message),
  });

  // 2. remote-deploy: its own health gate and fleet rollback.
  const early = signal();
  if (early)
    return cancelled(messages.cancelledBeforeDeploy(early), {
      version: '',
      previousVersion: '',
      rolledBack: false,
      stages: records,
    });
  start = now() - t0;
  const deployed = await stages.deploy();
  recordOutcome('remote-deploy', start, deployed, deployed.outcome);
  const base = { version: deployed.version, previousVersion: deployed.previousVersion, stages: records };
  if (deployed.failure) return { ...base, rolledBack: false, failure: deployed.failure };
  if (options.dryRun) return { ...base, rolledBack: false };

  // 3. smoke-test of the new release over the public URL.
  const version = deployed.version;
  const previous = deployed.previousVersion;
  const hosts = names(hostLines(deployed.results));
  if (signal()) return cancelled(messages.cancelledInSmoke(version, hosts), { ...base, rolledBack: false });
  start = now() - t0;
  const smoked = await stages.smoke(version, 'smoke-test');
  recordOutcome('smoke-test', start, smoked, `${smoked.passed} check(s) passed`);
  if (smoked.cancelled)
    return {
      ...base,
      rolledBack: false,
      failure: new PipelineCancelled(messages.cancelledInSmoke(version, hosts)),
    };
  if (!smoked.failure) return { ...base, rolledBack: false };
  const smokeText = errorText(smoked.failure);
  if (options.isRollback)
    return {
      ...base,
      rolledBack: false,
      failure: pipelineFailure('policy', messages.notRolledBackAgain(version, smokeText), smoked.failure),
    };
  if (!previous)
    return {
      ...base,
      rolledBack: false,
      failure: pipelineFailure('policy', messages.noPrevious(version, smokeText), smoked.failure),
    };

  // 4. red: every host back on the previous release, then prove it over HTTP.
  if (signal())
    return cancelled(messages.cancelledBeforeRollback(version, previous, smokeText, hosts), {
      ...base,
      rolledBack: false,
    });
  start = now() - t0;
  const back = await stages.rollback(previous);
  const backHosts = hostLines(back.results);
  recordOutcome('rollback', start, back, `every host back on ${previous}`);
  if (back.failure) {
    const bad = backHosts.filter((h) => h.status !== 'deployed');
    return {
      ...base,
      rolledBack: false,
      failure: back.cancelled
        ? back.failure
        : pipelineFailure(
            'tool',
            messages.rollbackFailed(version, previous, smokeText, errorText(back.failure), names(bad)),
            back.failure,
          ),
    };
  }
  const backNames = names(backHosts) || hosts;
  // As remote-deploy reports a failed deploy: version is what every host serves now.
  const rolled = { ...base, version: previous, previousVersion: previous, rolledBack: true };
  if (signal()) return cancelled(messages.cancelledInRollbackSmoke(version, previous, backNames), rolled);
  start = now() - t0;
  const again = await stages.smoke(previous, 'rollback-smoke-test');
  recordOutcome('rollback-smoke-test', start, again, `${again.passed} check(s) passed for ${previous}`);
  if (again.cancelled)
    return {
      ...rolled,
      failure: new PipelineCancelled(messages.cancelledInRollbackSmoke(version, previous, backNames)),
    };
  if (again.failure)
    return {
      ...rolled,
      failure: pipelineFailure(
        'policy',
        messages.rollbackNotVerified(
          version,
          previous,
          smokeText,
          backNames,
          options.url,
          errorText(again.failure),
        ),
        again.failure,
      ),
    };
  return {
    ...rolled,
    failure: pipelineFailure(
      'policy',
      messages.rolledBackVerified(version, previous, smokeText, backNames, options.url),
      smoked.failure,
    ),
  };
}
