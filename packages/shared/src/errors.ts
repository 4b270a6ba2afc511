/**
 * Typed failures. A tool that could not run is not the same as a policy that
 * failed: the run wrapper reports each kind with its own prefix so a reader of
 * the log knows at once whether to fix the workflow, the machine, or the code.
 */
export type FailureKind = 'input' | 'tool' | 'policy';

export abstract class ActionError extends Error {
  abstract readonly kind: FailureKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The workflow gave us something we cannot use. The fix is in the workflow file. */
export class InputError extends ActionError {
  readonly kind = 'input' as const;
}

/** A program, server or network call we depend on failed. The fix is on the machine or the remote side. */
export class ToolError extends ActionError {
  readonly kind = 'tool' as const;
}

/** Everything ran, and the result breaks a rule the user asked us to enforce. */
export class PolicyFailure extends ActionError {
  readonly kind = 'policy' as const;
  constructor(
    message: string,
    readonly findings: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isActionError(error: unknown): error is ActionError {
  return error instanceof ActionError;
}

/** The message of anything thrown: an Error's message, else its text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
