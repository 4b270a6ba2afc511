import * as core from '@actions/core';
import { statusOf, type ActionDefinition, type OutputValue, type RunStatus } from './action';
import { listenForCancel } from './cancel';
import { errorMessage, isActionError } from './errors';
import { rawInputsFromEnv, type RawInputs } from './inputs';
import { setNameListOutputs, setOutputs } from './outputs';
import { registerSecret } from './secrets';
import { writeSummary } from './summary';

const POST_STATE = 'deploy-kit-is-post';

/** Collapse a message to one line so `setFailed` prints one sentence, not a stack. */
export function oneSentence(message: string): string {
  const flat = message.replace(/\s*\n\s*/g, ' ').trim();
  if (flat === '') return 'The action failed without a message.';
  return /[.!?]$/.test(flat) ? flat : `${flat}.`;
}

export function failureMessage(error: unknown): string {
  if (isActionError(error)) {
    const prefix = { input: 'Invalid input', tool: 'Could not run', policy: 'Policy failed' }[error.kind];
    return oneSentence(`${prefix}: ${error.message}`);
  }
  const text = errorMessage(error);
  return oneSentence(`Unexpected error: ${text}`);
}

/** Register every secret input's value (as given, and trimmed with line ends normalised) with the masker. */
export function maskSecretInputs(raw: RawInputs, names: readonly string[]): void {
  for (const name of names) {
    const value = raw[name] ?? '';
    registerSecret(value, `'${name}'`);
    registerSecret(value.replace(/\r\n?/g, '\n').trim(), `'${name}'`);
  }
}

/** The `results` output of a run that ended before the action could produce its own. */
function envelopeOnly(failure: unknown): { status: RunStatus; failure: string } {
  const kind = isActionError(failure) ? failure.kind : 'tool';
  return { status: statusOf({ kind }), failure: failureMessage(failure) };
}

/** An action's outputs: name lists as they are, everything else redacted. */
function writeOutputs(outputs: Record<string, unknown>, nameLists: readonly string[]): void {
  const redacted: Record<string, OutputValue> = {};
  const names: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(outputs)) {
    if (nameLists.includes(name) && Array.isArray(value)) names[name] = value.map(String);
    else redacted[name] = value as OutputValue;
  }
  setOutputs(redacted);
  setNameListOutputs(names);
}

/**
 * The runner edge of every action's index.ts: `void runOnRunner(definition)`.
 *   INPUT_* → mask the secret inputs → parseInputs → run(inputs, {signal}) →
 *   outputs + job summary → the failure's one sentence and exit code 1.
 * A failure is reported with its kind's prefix (Invalid input / Could not run / Policy failed);
 * `results` is written on every path, so a later step can read how the run ended.
 */
export async function runOnRunner<I, O extends { results: object }>(
  definition: ActionDefinition<I, O>,
): Promise<void> {
  if (definition.post && core.getState(POST_STATE) === 'true') {
    try {
      await definition.post();
    } catch (error) {
      core.setFailed(failureMessage(error));
    }
    return;
  }
  if (definition.post) core.saveState(POST_STATE, 'true');
  const raw = rawInputsFromEnv();
  maskSecretInputs(raw, definition.secretInputs);
  const cancel = listenForCancel();
  try {
    const inputs = definition.parseInputs(raw);
    const result = await definition.run(inputs, { signal: cancel.signal, signals: cancel.source });
    writeOutputs(result.outputs, definition.nameListOutputs ?? []);
    await writeSummary(result.summary);
    if (result.failure) {
      core.setFailed(failureMessage(result.failure));
      // The runner kills a cancelled step seconds after its SIGINT: end now, whatever still unwinds.
      if (cancel.received()) process.exit(1);
    }
  } catch (error) {
    if (error instanceof Error && error.stack && !isActionError(error)) core.debug(error.stack);
    setOutputs({ results: envelopeOnly(error) });
    core.setFailed(failureMessage(error));
  } finally {
    cancel.stop();
  }
}
