import * as core from '@actions/core';
import { errorMessage, isActionError } from './errors';

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

/**
 * The entrypoint wrapper every action's index.ts calls. Runs `main` on the
 * first invocation and `post` (if given) on the runner's post step, which it
 * recognises by the state saved during main.
 */
export async function run(main: () => Promise<void>, post?: () => Promise<void>): Promise<void> {
  const isPost = core.getState(POST_STATE) === 'true';
  try {
    if (isPost) {
      if (post) await post();
      return;
    }
    if (post) core.saveState(POST_STATE, 'true');
    await main();
  } catch (error) {
    if (error instanceof Error && error.stack && !isActionError(error)) core.debug(error.stack);
    core.setFailed(failureMessage(error));
  }
}
