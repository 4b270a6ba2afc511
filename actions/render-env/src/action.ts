import type { ActionDefinition } from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { parseInputs, type Inputs } from './inputs';
import { renderEnv, type Outputs } from './render';

export type { Inputs } from './inputs';
export type { Outputs, RenderEnvResult, RenderResults } from './render';
export { parseInputs } from './inputs';
export { renderEnv } from './render';

/**
 * render-env, as the runner, the one-step deploy and the deploy-kit command call it:
 * parseInputs(raw) masks the secrets and checks every path → renderEnv(inputs) loads the values,
 * renders the template, checks the policy and writes the file (unless dry-run) → outputs, summary,
 * and a policy failure returned, never thrown.
 */
export const renderEnvAction: ActionDefinition<Inputs, Outputs> = {
  name: 'render-env',
  secretInputs: ['secrets', 'vault-password'],
  defaults,
  // Key names the repository wrote: a short secret must not blank part of one (outputs.ts).
  nameListOutputs: ['keys', 'secret-keys'],
  parseInputs,
  run: (inputs) => renderEnv(inputs),
};
