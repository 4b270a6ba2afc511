import * as core from '@actions/core';
import { setOutputs, writeSummary } from '@deploy-kit/shared';
import { Cancelled, remoteDeploy } from './deploy';
import { readInputs } from './inputs';

/**
 * The action's entry: read the inputs (secrets masked first), deploy, write the outputs
 * (version, previous-version, results) and the job summary, then fail with the one sentence.
 */
export async function main(): Promise<void> {
  const inputs = readInputs();
  const result = await remoteDeploy(inputs);
  setOutputs({
    version: result.version,
    'previous-version': result.previousVersion,
    results: result.results,
  });
  await writeSummary(result.summary);
  if (result.failure instanceof Cancelled) {
    // The runner kills the job seconds after its SIGINT: say where the hosts stand and end now,
    // whatever step is still unwinding.
    core.setFailed(result.failure.message);
    process.exit(1);
  }
  if (result.failure) throw result.failure;
}
