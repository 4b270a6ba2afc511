/**
 * Which inputs of an action are secrets, for the `deploy-kit` command (marked in its help, refused
 * on its command line). The lists come from the actions themselves: `secretInputs` of the
 * definition each actions/<name>/src/action.ts exports, collected at build time into
 * secret-inputs.json (scripts/secret-inputs.mjs, run by `node scripts/build.mjs harness-lib`).
 * An action not in that file yet is judged by the name rule below.
 */
import declared from './secret-inputs.json';

/** The name rule, for an action that declares no list: passwords, passphrases, tokens, keys, secrets. */
export function isSecretInput(name: string): boolean {
  return /(^|-)(password|passphrase|token|secrets?|private-key)$/.test(name);
}

export interface SecretInputs {
  names: string[];
  /** Where the list comes from: the action's own definition, or the name rule. */
  source: 'action.ts' | 'name rule';
}

/** The secret inputs of an action (by its name in scripts/actions.json) among its declared inputs. */
export function secretInputsOf(action: string, inputs: readonly string[]): SecretInputs {
  const lists = declared as Record<string, string[] | undefined>;
  const list = lists[action];
  if (list) return { names: inputs.filter((name) => list.includes(name)), source: 'action.ts' };
  return { names: inputs.filter(isSecretInput), source: 'name rule' };
}
