import * as core from '@actions/core';
import { getRaw, oneSentence, registerSecret, setOutputs, writeSummary } from '@deploy-kit/shared';
import { readInputs as readRenderInputs } from '../../render-env/src/inputs';
import { renderEnv } from '../../render-env/src/render';
import {
  Cancelled,
  remoteDeploy,
  type RemoteDeployResult,
  type SignalSource,
} from '../../remote-deploy/src/deploy';
import {
  parseSecretKeys,
  readInputs as readDeployInputs,
  type Inputs as DeployInputs,
} from '../../remote-deploy/src/inputs';
import { readInputs as readSmokeInputs, unusedSuiteInputs } from '../../smoke-test/src/inputs';
import { maskInputSecrets, planChecks, smokeTest, type SmokeTestResult } from '../../smoke-test/src/smoke';
import { isInputSet, readOneStepInputs, smokeFor, varsWithVersion, withInputs } from './inputs';
import { runPipeline, type DeployOutcome, type SmokeOutcome, type Stages } from './pipeline';
import { resultsJson, summaryMarkdown } from './summary';

/**
 * The one-step deploy (`uses: org/deploy-kit@v1`):
 *   1. mask every secret input, read the smoke test's inputs (a mistake there stops before any deploy);
 *   2. render-env, when a template is given (a policy violation stops before any host is touched);
 *   3. remote-deploy with the rendered env file;
 *   4. smoke-test over the public URL, expecting the version just deployed;
 *   5. red: remote-deploy rollback-to the previous release on every host, smoke-test again expecting it;
 *   6. outputs (version, previous-version, rolled-back, results) and one job summary for all stages.
 */
export async function main(): Promise<void> {
  // Every input that is a secret in one of the three actions, masked before any stage can print.
  for (const value of [
    getRaw('private-key'),
    getRaw('passphrase'),
    getRaw('registry-password'),
    getRaw('vault-password'),
    getRaw('metrics-token'),
  ]) {
    registerSecret(value);
    registerSecret(value.replace(/\r\n?/g, '\n').trim());
  }
  const options = readOneStepInputs();
  const smokeInputs = readSmokeInputs();
  maskInputSecrets(smokeInputs);
  // What the smoke test could not run is found now, before any host is touched.
  planChecks(
    smokeFor(smokeInputs, options.rollbackTo || options.version || 'unknown', false, options.expectVersion),
  );
  for (const warning of unusedSuiteInputs(smokeInputs.suites, isInputSet)) core.warning(warning);

  let deployInputs: DeployInputs | undefined;
  let rendered: { path: string; secretKeys: string[] } | undefined;
  const cancel = cancellation();
  const stages: Stages = {
    async render() {
      if (!options.render) return undefined;
      stageHeader('render-env');
      const inputs = readRenderInputs();
      inputs.vars = varsWithVersion(inputs.vars, options.rollbackTo || options.version);
      const result = await renderEnv(inputs);
      rendered = result;
      return result;
    },
    async deploy() {
      // The rendered file goes up with render-env's secret keys, so remote-deploy masks exactly
      // the values render-env judged secret (plus those the user listed), whatever their length.
      const renderedFile: Record<string, string> = rendered?.path
        ? {
            'env-file': rendered.path,
            'secret-keys': JSON.stringify([
              ...new Set([...rendered.secretKeys, ...parseSecretKeys(getRaw('secret-keys'))]),
            ]),
          }
        : {};
      deployInputs = withInputs(renderedFile, readDeployInputs);
      stageHeader(
        `remote-deploy ${options.rollbackTo ? `rollback-to ${options.rollbackTo}` : options.version}`,
      );
      return deployOutcome(await remoteDeploy(deployInputs, { signals: cancel.source }));
    },
    async rollback(to) {
      const inputs = { ...(deployInputs as DeployInputs), rollbackTo: to, version: to };
      stageHeader(`rollback: remote-deploy rollback-to ${to} on every host`);
      return deployOutcome(await remoteDeploy(inputs, { signals: cancel.source }));
    },
    async smoke(version, phase) {
      const inputs = smokeFor(smokeInputs, version, phase === 'rollback-smoke-test', options.expectVersion);
      stageHeader(
        phase === 'smoke-test' ? `smoke-test of ${version}` : `smoke-test of the rollback to ${version}`,
      );
      return cancel.during((signal) => smokeTest(inputs, { signal }).then(smokeOutcome));
    },
  };

  try {
    const result = await runPipeline(stages, {
      url: options.url,
      isRollback: options.rollbackTo !== '',
      dryRun: options.dryRun,
      cancelled: cancel.received,
    });
    setOutputs({
      version: result.version,
      'previous-version': result.previousVersion,
      'rolled-back': result.rolledBack,
      results: resultsJson(result.stages),
    });
    await writeSummary(summaryMarkdown(result));
    for (const s of result.stages)
      core.info(`${s.stage}: ${s.status} (${((s.endMs - s.startMs) / 1000).toFixed(1)} s) ${s.detail}`);
    if (result.failure && (cancel.received() || result.failure instanceof Cancelled)) {
      // The runner kills the job seconds after its SIGINT: say where the hosts stand and end now,
      // whatever is still unwinding (a cancelled smoke test may still hold sockets open).
      core.setFailed(oneSentence(result.failure.message));
      process.exit(1);
    }
    if (result.failure) throw result.failure;
  } finally {
    cancel.stop();
  }
}

function smokeOutcome(result: SmokeTestResult): SmokeOutcome {
  return { ...result };
}

function deployOutcome(result: RemoteDeployResult): DeployOutcome {
  return {
    version: result.version,
    previousVersion: result.previousVersion,
    outcome: result.outcome,
    results: result.results,
    summary: result.summary,
    failure: result.failure,
    cancelled: result.failure instanceof Cancelled,
  };
}

interface Cancellation {
  /** For remoteDeploy's `signals`: it handles a cancel during its stages (rolls back switched hosts, unlocks). */
  source: SignalSource;
  /** Runs a smoke test that is aborted (and says so) when the runner cancels the job. */
  during(work: (signal: AbortSignal) => Promise<SmokeOutcome>): Promise<SmokeOutcome>;
  /** The cancel signal, once one arrived: the pipeline starts no stage after it. */
  received(): NodeJS.Signals | undefined;
  stop(): void;
}

/**
 * The runner cancels with SIGINT, then SIGTERM 7.5 s later, then kills. One handler for the whole
 * step hands the signal to the stage that is running: remote-deploy (through its `signals`
 * option) puts switched hosts back and releases its locks; a smoke test is aborted, since no host
 * is changing and no lock is held (rolling the fleet back in the seconds left, without a health
 * gate, would leave it less certain than the healthy release it is on). Between stages the
 * signal is kept, and the pipeline starts nothing more.
 */
function cancellation(): Cancellation {
  let signal: NodeJS.Signals | undefined;
  let owner: ((s: NodeJS.Signals) => void) | undefined;
  const handler = (s: NodeJS.Signals): void => {
    const first = signal === undefined;
    signal ??= s;
    if (owner) owner(s);
    else if (first) core.warning(`Received ${s}: no stage is running; starting no other.`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  const source: SignalSource = (onSignal) => {
    owner = onSignal;
    if (signal) onSignal(signal);
    return () => {
      if (owner === onSignal) owner = undefined;
    };
  };
  return {
    source,
    async during(work) {
      const controller = new AbortController();
      const unsubscribe = source((s) => {
        if (controller.signal.aborted) return; // the runner's SIGTERM after its SIGINT
        core.warning(`Received ${s}: stopping the smoke test (it changes no host).`);
        controller.abort();
      });
      try {
        const result = await work(controller.signal);
        return controller.signal.aborted ? { ...result, cancelled: true } : result;
      } finally {
        unsubscribe();
      }
    },
    received: () => signal,
    stop() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** The stages' own log groups cannot nest in another group: a line between them says which stage runs. */
function stageHeader(text: string): void {
  core.info(`▶ ${text}`);
}
