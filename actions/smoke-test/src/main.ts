import * as core from '@actions/core';
import { setOutputs, writeSummary } from '@deploy-kit/shared';
import { readInputs, unusedSuiteInputs } from './inputs';
import { maskInputSecrets, smokeTest } from './smoke';

/** The action's entry: read the inputs, run the smoke test, write outputs and the summary, fail if it failed. */
export async function main(): Promise<void> {
  const inputs = readInputs();
  // Before the first line we print (smokeTest masks them too; registering twice is harmless).
  maskInputSecrets(inputs);
  for (const warning of unusedSuiteInputs(inputs.suites, (name) => core.getInput(name) !== ''))
    core.warning(warning);
  const result = await smokeTest(inputs);
  setOutputs({ results: result.results, passed: result.passed, failed: result.failed });
  await writeSummary(result.summary);
  if (result.failure) throw result.failure;
}
