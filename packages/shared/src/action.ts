import type { ActionError, FailureKind } from './errors';
import type { RawInputs } from './inputs';
import type { SignalSource } from './cancel';

/**
 * The one contract every action implements (DESIGN.md, root README "Conventions"):
 *
 *   parseInputs(raw) → Inputs            pure: names, forms and defaults checked, nothing run
 *   run(inputs, context) → ActionResult  the work; a policy failure is returned, never thrown
 *
 * The runner edge (`runOnRunner`, ./run-action-edge) reads INPUT_*, masks the secret inputs,
 * calls these two and writes outputs, the job summary and the failure. The root action and the
 * `deploy-kit` command call the same two functions with objects. Model: actions/cache's
 * `restoreImpl(stateProvider)`.
 */

/** What every action's `results` output says first: how the run ended. */
export type RunStatus = 'passed' | 'failed' | 'could-not-run' | 'invalid-input' | 'cancelled';

/** The envelope every `results` output starts with; each action adds its own fields after it. */
export interface ResultsEnvelope {
  status: RunStatus;
  /** The failure's one sentence, when the run did not pass. */
  failure?: string;
}

/** The status a failure of this kind gives (none: passed). */
export function statusOf(failure: { kind: FailureKind } | undefined, cancelled = false): RunStatus {
  if (cancelled) return 'cancelled';
  if (!failure) return 'passed';
  return { input: 'invalid-input', tool: 'could-not-run', policy: 'failed' }[failure.kind] as RunStatus;
}

/** An output's value: strings as they are, anything else as compact JSON. */
export type OutputValue = string | number | boolean | object | null | undefined;

export interface ActionContext {
  /** Aborted when the runner cancels the step (reason: the signal's name). */
  signal: AbortSignal;
  /** Every cancel signal (SIGINT, then SIGTERM 7.5 s later), for work that acts on each. */
  signals: SignalSource;
}

export interface ActionResult<Outputs extends { results: object }> {
  /** Output name (as in action.yml) → value. `results` always carries the envelope. */
  outputs: Outputs;
  /** The job summary, markdown. */
  summary: string;
  /** Set when the run did not pass: its kind and one sentence. Returned, not thrown. */
  failure?: ActionError;
}

export interface ActionDefinition<Inputs, Outputs extends { results: object }> {
  /** The action's name as users know it (its folder; 'deploy' for the root action). */
  name: string;
  /** Inputs whose values are secrets: masked before anything prints, refused on a command line. */
  secretInputs: readonly string[];
  /** The action.yml defaults, applied to inputs a caller leaves out. */
  defaults: RawInputs;
  /**
   * Outputs that hold only names the repository itself wrote (render-env's keys), never a value:
   * written as JSON lists without redaction, so a short secret cannot blank part of a name
   * (see setNameListOutputs). Every other output is redacted.
   */
  nameListOutputs?: readonly (keyof Outputs & string)[];
  parseInputs(raw: RawInputs): Inputs;
  run(inputs: Inputs, context: ActionContext): Promise<ActionResult<Outputs>>;
  /** The runner's post step, for actions that declare one (build-images: log out). */
  post?(): Promise<void>;
}
