import { PolicyFailure, ToolError } from '@deploy-kit/shared';

/**
 * The failures a host can end with, kept as objects from the host to the one-sentence
 * failure: the caller tells them apart with `instanceof`, never by matching text.
 */

/** A remote step ran and failed (non-zero exit, signal, lost connection, unexpected answer). */
export class StepFailed extends ToolError {}

/** The health gate saw the new (or rolled-back) release unhealthy: the policy the user asked for failed. */
export class HealthRed extends PolicyFailure {}

/** The runner cancelled the job (SIGINT, then SIGTERM): no new step starts. */
export class Cancelled extends ToolError {}
