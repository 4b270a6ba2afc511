import type { ActionDefinition } from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { remoteDeploy } from './deploy';
import { parseInputs, type Inputs } from './inputs';
import type { Outputs } from './summary';

export { remoteDeploy, type RemoteDeployOptions, type RemoteDeployResult } from './deploy';
export { Cancelled, HealthRed, StepFailed } from './model/errors';
export { parseInputs, type Inputs } from './inputs';
export type { HostResult, Outputs, RemoteDeployResults } from './summary';

/**
 * remote-deploy as a typed action (README "Conventions"): parse the inputs, deploy to every host
 * (prepare all, backup and migrations once, switch in batches behind the health gate, roll every
 * switched host back on a failure or a cancel), and return the outputs, the job summary and the
 * failure. The root action calls `parseInputs` and `remoteDeploy` directly.
 */
export const remoteDeployAction: ActionDefinition<Inputs, Outputs> = {
  name: 'remote-deploy',
  secretInputs: ['private-key', 'passphrase', 'registry-password'],
  defaults,
  parseInputs: (raw) => parseInputs(raw),
  async run(inputs, context) {
    const result = await remoteDeploy(inputs, { signals: context.signals });
    return { outputs: result.outputs, summary: result.summary, failure: result.failure };
  },
};
