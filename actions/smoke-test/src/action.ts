import * as core from '@actions/core';
import type { ActionDefinition } from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { parseInputs, type Inputs } from './inputs';
import { smokeTest, type Outputs } from './smoke';

export type { Inputs } from './inputs';
export type { Outputs, SmokeContext, SmokeResults, SmokeTestResult } from './smoke';
export { parseInputs } from './inputs';
export { maskInputSecrets, planChecks, smokeTest } from './smoke';

/**
 * smoke-test, as the runner, the one-step deploy and the deploy-kit command call it:
 * parseInputs(raw) → warn about inputs of suites that are off → smokeTest(inputs, {signal}):
 * every check retried until it passes or the timeout, a progress line every 30 s meanwhile →
 * outputs (results, passed-count, failed-count), summary, and a red check returned as the failure.
 */
export const smokeTestAction: ActionDefinition<Inputs, Outputs> = {
  name: 'smoke-test',
  secretInputs: ['metrics-token', 'secrets'],
  defaults,
  parseInputs,
  run: (inputs, context) => {
    for (const warning of inputs.warnings) core.warning(warning);
    return smokeTest(inputs, { signal: context.signal });
  },
};
