import * as core from '@actions/core';
import {
  errorMessage,
  failureMessage,
  isActionError,
  ToolError,
  statusOf,
  type ActionContext,
  type ActionDefinition,
  type RawInputs,
} from '@deploy-kit/shared';
import { renderEnvAction } from '../../render-env/src/action';
import { parseInputs as parseDeployInputs, remoteDeployAction } from '../../remote-deploy/src/action';
import { parseSecretKeys } from '../../remote-deploy/src/model/input-parsers';
import { smokeTestAction } from '../../smoke-test/src/action';
import { planChecks, smokeTest, type Inputs as SmokeInputs } from '../../smoke-test/src/action';
import defaults from './action-defaults.json';
import {
  parseOneStepOptions,
  rootNameOf,
  smokeFor,
  stageInputs,
  varsWithVersion,
  type OneStepOptions,
} from './inputs';
import { runPipeline, type PipelineResult, type Stages } from './pipeline';
import type { DeployRun } from './stage-results';
import { resultsJson, summaryMarkdown } from './summary';

type RenderInputs = ReturnType<typeof renderEnvAction.parseInputs>;
type DeployInputs = ReturnType<typeof parseDeployInputs>;

export interface OneStepInputs {
  options: OneStepOptions;
  /** render-env's inputs, when a template is given. */
  render?: RenderInputs;
  smoke: SmokeInputs;
  /** remote-deploy's raw inputs: parsed when the env file exists (render-env writes it). */
  deployRaw: Record<string, string>;
}

export interface OneStepOutputs {
  version: string;
  'previous-version': string;
  'rolled-back': boolean;
  'rollback-reason': string;
  results: ReturnType<typeof resultsJson>;
}

/**
 * The one-step deploy (`uses: org/deploy-kit@v1`), composed of three actions' typed entry points:
 *   1. parse every stage's inputs (a mistake in any stops before any host is touched);
 *   2. render-env, when a template is given (a policy violation stops before any host is touched);
 *   3. remote-deploy with the rendered env file and render-env's secret keys;
 *   4. smoke-test over the public URL, expecting the version just deployed;
 *   5. red: remote-deploy rollback-to the previous release on every host, smoke-test again expecting it;
 *   6. outputs (version, previous-version, rolled-back, rollback-reason, results) and one summary.
 */
export const deployAction: ActionDefinition<OneStepInputs, OneStepOutputs> = {
  name: 'deploy',
  secretInputs: [
    ...new Set([
      ...renderEnvAction.secretInputs.map((n) => rootNameOf('render-env', n)),
      ...remoteDeployAction.secretInputs.map((n) => rootNameOf('remote-deploy', n)),
      ...smokeTestAction.secretInputs.map((n) => rootNameOf('smoke-test', n)),
    ]),
  ].filter((n): n is string => n !== undefined),
  defaults,
  parseInputs,
  run: runOneStep,
};

/** Every stage's inputs parsed by the stage's own parseInputs, from plain objects cut from the root's. */
function parseInputs(raw: RawInputs): OneStepInputs {
  const options = parseOneStepOptions(raw);
  const version = options.rollbackTo || options.version;
  const smoke = smokeTestAction.parseInputs(stageInputs('smoke-test', raw));
  // What the smoke test could not run is found now, before any host is touched.
  planChecks(smokeFor(smoke, version || 'unknown', false, options.expectVersion));
  const render = options.render
    ? renderEnvAction.parseInputs(
        stageInputs('render-env', raw, { vars: varsWithVersion(raw.vars ?? '', version) }),
      )
    : undefined;
  const deployRaw = stageInputs('remote-deploy', raw);
  // Without a template the env file is the user's: remote-deploy's inputs are checked now.
  if (!options.render) parseDeployInputs(deployRaw);
  return { options, render, smoke, deployRaw };
}

async function runOneStep(inputs: OneStepInputs, context: ActionContext) {
  for (const warning of inputs.smoke.warnings) core.warning(warning);
  const { options } = inputs;
  let rendered: { path: string; secretKeys: readonly string[] } | undefined;
  let deployInputs: DeployInputs | undefined;
  const stages: Stages = {
    async render() {
      if (!inputs.render) return undefined;
      stageHeader('render-env');
      const result = await renderEnvAction.run(inputs.render, context);
      if (!result.failure)
        rendered = { path: result.outputs.path, secretKeys: result.outputs['secret-keys'] };
      return result;
    },
    async deploy() {
      stageHeader(
        `remote-deploy ${options.rollbackTo ? `rollback-to ${options.rollbackTo}` : options.version}`,
      );
      try {
        deployInputs = parseDeployInputs(
          rendered ? withRendered(inputs.deployRaw, rendered) : inputs.deployRaw,
        );
      } catch (error) {
        return unparsed(error);
      }
      return remoteDeployAction.run(deployInputs, context);
    },
    async rollback(to) {
      stageHeader(`rollback: remote-deploy rollback-to ${to} on every host`);
      return remoteDeployAction.run(
        { ...(deployInputs as DeployInputs), rollbackTo: to, version: to },
        context,
      );
    },
    async smoke(version, phase) {
      const smoke = smokeFor(inputs.smoke, version, phase === 'rollback-smoke-test', options.expectVersion);
      stageHeader(
        phase === 'smoke-test' ? `smoke-test of ${version}` : `smoke-test of the rollback to ${version}`,
      );
      return smokeTest(smoke, context);
    },
  };
  const result = await runPipeline(stages, {
    url: options.url,
    isRollback: options.rollbackTo !== '',
    dryRun: options.dryRun,
    cancelled: () => (context.signal.aborted ? String(context.signal.reason) : undefined),
  });
  for (const s of result.stages)
    core.info(`${s.stage}: ${s.status} (${((s.endMs - s.startMs) / 1000).toFixed(1)} s) ${s.detail}`);
  return { outputs: outputsOf(result, context), summary: summaryMarkdown(result), failure: result.failure };
}

function outputsOf(result: PipelineResult, context: ActionContext): OneStepOutputs {
  return {
    version: result.version,
    'previous-version': result.previousVersion,
    'rolled-back': result.rolledBack,
    'rollback-reason': result.rollbackReason,
    results: resultsJson(result, {
      status: statusOf(result.failure, context.signal.aborted),
      ...(result.failure ? { failure: failureMessage(result.failure) } : {}),
    }),
  };
}

/**
 * remote-deploy's inputs with the file render-env wrote, and render-env's secret keys added to
 * the user's, so remote-deploy masks exactly the values render-env judged secret, whatever their
 * length. (`secret-keys` takes key names one per line: names from the template, never values.)
 */
function withRendered(
  raw: Record<string, string>,
  rendered: { path: string; secretKeys: readonly string[] },
): Record<string, string> {
  const keys = new Set([...rendered.secretKeys, ...parseSecretKeys(raw['secret-keys'] ?? '')]);
  return { ...raw, 'env-file': rendered.path, 'secret-keys': [...keys].join('\n') };
}

/** remote-deploy's inputs did not parse once the env file existed: the stage fails as an input error. */
function unparsed(error: unknown): DeployRun {
  const failure = isActionError(error) ? error : new ToolError(errorMessage(error));
  return {
    outputs: {
      version: '',
      'previous-version': '',
      results: { status: statusOf(failure) },
    },
    summary: '',
    failure,
  };
}

/** The stages' own log groups cannot nest in another group: a line between them says which stage runs. */
function stageHeader(text: string): void {
  core.info(`▶ ${text}`);
}
