import * as core from '@actions/core';
import { redactSecrets, redactedJson } from './redact';

/**
 * Outputs are strings on the runner; structured values go out as compact JSON.
 * The runner never masks outputs: every value is redacted with the masks of
 * ./redact (strings inside JSON before encoding, then their escaped spellings).
 */
export function setOutputs(
  outputs: Record<string, string | number | boolean | object | null | undefined>,
): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    core.setOutput(name, typeof value === 'string' ? redactSecrets(value) : redactedJson(value));
  }
}
