import { setNameListOutputs, setOutputs, writeSummary } from '@deploy-kit/shared';
import { readInputs } from './inputs';
import { renderEnv, RenderPolicyFailure } from './render';

/**
 * render-env's entry: read the inputs (secrets masked first), render (render.ts), then the
 * outputs and the job summary. A policy failure still writes its summary, listing the violations.
 */
export async function main(): Promise<void> {
  const inputs = readInputs();
  let result;
  try {
    result = await renderEnv(inputs);
  } catch (error) {
    if (error instanceof RenderPolicyFailure) await writeSummary(error.summary);
    throw error;
  }
  await writeSummary(result.summary);
  setOutputs({ path: result.path, sha256: result.sha256 });
  setNameListOutputs({ keys: result.keys, 'secret-keys': result.secretKeys });
}
