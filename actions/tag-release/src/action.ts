import type { ActionDefinition } from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { parseInputs, type Inputs } from './inputs';
import { tagRelease } from './release';
import type { Outputs } from './results';

export type { Inputs } from './inputs';
export type { Outputs, Results } from './results';
export { parseInputs } from './inputs';
export { tagRelease } from './release';

/**
 * tag-release as one typed function (root README, "Conventions"): `parseInputs(raw)` checks the
 * inputs, `run(inputs, context)` cuts the release and returns its outputs, summary and failure.
 */
export const tagReleaseAction: ActionDefinition<Inputs, Outputs> = {
  name: 'tag-release',
  secretInputs: ['token'],
  defaults,
  parseInputs: (raw) => parseInputs(raw),
  run: tagRelease,
};
