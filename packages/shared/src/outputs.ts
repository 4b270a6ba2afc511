import * as core from '@actions/core';

/** Outputs are strings on the runner; structured values go out as compact JSON. */
export function setOutputs(
  outputs: Record<string, string | number | boolean | object | null | undefined>,
): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    core.setOutput(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
}
