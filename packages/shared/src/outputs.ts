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

/**
 * Outputs that hold only names the repository itself wrote (render-env's keys, read from the
 * template), never a value: written as they are. Redacting them would let a short secret blank
 * part of a key name (a password "JANGO" turned DJANGO_SECRET_KEY into D***_SECRET_KEY) and
 * break the next step that reads the list, such as remote-deploy's secret-keys.
 */
export function setNameListOutputs(outputs: Record<string, readonly string[]>): void {
  for (const [name, list] of Object.entries(outputs)) core.setOutput(name, JSON.stringify(list));
}
