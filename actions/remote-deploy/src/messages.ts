/**
 * The sentences remote-deploy fails and reports with, one named builder each (so a
 * reader finds every wording in one place and a test can pin it).
 */

/** The part of a host that a sentence needs. */
export interface HostLine {
  name: string;
  previous: string;
  error?: string;
  rollbackError?: string;
  status: string;
}

/**
 * A failure sentence names at most this many hosts with their reasons: a fleet of 40 red hosts
 * must still fit an annotation a person reads. The job summary has every host.
 */
export const MAX_HOSTS_NAMED = 5;
/**
 * The remote output quoted after a reason's first line is cut to its last this-many characters
 * (the end of the output is what explains a failure). The first line — our own sentence, which
 * says what failed and what to do — is never cut: a host-key mismatch must keep "possible
 * man-in-the-middle" and an nginx-reload failure its sudoers advice. Reasons are already
 * redacted (see HostCore.redact), so a cut cannot expose part of a secret.
 */
export const MAX_OUTPUT_CHARS = 300;

/**
 * One host's reason on one line: the sentence whole, then its quoted output lines joined with
 * ' | ' (the first straight after a trailing "last output:"), the output bounded from its end.
 */
export function oneLineReason(reason: string | undefined): string {
  const lines = (reason ?? '')
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const [sentence = 'unknown error', ...output] = lines;
  if (output.length === 0) return sentence;
  let quoted = output.join(' | ');
  if (quoted.length > MAX_OUTPUT_CHARS) quoted = `…${quoted.slice(-(MAX_OUTPUT_CHARS - 1))}`;
  return `${sentence}${sentence.endsWith(':') ? ' ' : ' | '}${quoted}`;
}

/** "h1: reason; h2: reason", every failed host with its own reason, bounded, then a pointer to the summary. */
export function hostReasons(bad: readonly HostLine[]): string {
  const named = bad.slice(0, MAX_HOSTS_NAMED).map((r) => `${r.name}: ${oneLineReason(r.error)}`);
  const rest = bad.length - named.length;
  return named.join('; ') + (rest > 0 ? `; and ${rest} more host(s): see the job summary for the rest` : '');
}

export function dryRunProblems(bad: readonly HostLine[]): string {
  return `dry run found problems on ${hostReasons(bad)}`;
}

/** Preparing (connect, lock, upload, pull) failed somewhere: nothing changed anywhere. */
export function preparingFailed(unprepared: readonly HostLine[]): string {
  return `preparing failed on ${unprepared.length} host(s), nothing was changed: ${hostReasons(unprepared)}`;
}

/** Where the switched hosts stand after the fleet rollback of `version`. */
export function rollbackOutcome(version: string, switched: readonly HostLine[]): string {
  if (switched.length === 0) return 'no host had switched';
  const first = switched.filter((r) => r.previous === '');
  const back = switched.filter((r) => r.previous !== '');
  const rolledBack = back.filter((r) => r.status === 'rolled-back');
  const notRolled = back.filter((r) => r.status !== 'rolled-back');
  const parts: string[] = [];
  if (back.length > 0 && notRolled.length === 0)
    parts.push(`rolled back ${rolledBack.map((r) => `${r.name} to ${r.previous}`).join(', ')} (healthy)`);
  else if (back.length > 0)
    parts.push(
      `ROLLBACK FAILED on ${notRolled.map((r) => `${r.name} (${r.rollbackError})`).join('; ')}${rolledBack.length ? `; rolled back ${rolledBack.map((r) => r.name).join(', ')}` : ''}`,
    );
  if (first.length > 0) parts.push(firstRelease(version, first));
  return parts.join('; ');
}

/**
 * Hosts where `version` was the first release (nothing ran there before it): there is nothing to
 * roll back to, so they keep what the start of `version` left (a deploy failure, not a rollback's).
 */
export function firstRelease(version: string, hosts: readonly HostLine[]): string {
  const failed = hosts.filter((r) => r.status !== 'deployed').map((r) => r.name);
  const healthy = hosts.filter((r) => r.status === 'deployed').map((r) => r.name);
  const where = (names: string[]): string =>
    names.length === 1 ? `${names[0]}'s first release` : `the first release of ${names.join(', ')}`;
  const parts: string[] = [];
  if (failed.length > 0)
    parts.push(
      `${version} was ${where(failed)}, so there is nothing to roll back to: ${failed.join(', ')} still ${failed.length === 1 ? 'runs' : 'run'} ${version} as its failed start left it; fix the release and deploy again`,
    );
  if (healthy.length > 0)
    parts.push(
      `${version} was ${where(healthy)} too, so ${healthy.join(', ')} ${healthy.length === 1 ? 'keeps' : 'keep'} running it (healthy there)`,
    );
  return parts.join('; ');
}

/** A fleet failure: every failed host with its own reason (bounded), then where the switched hosts stand. */
export function deployFailed(version: string, bad: readonly HostLine[], rollback: string): string {
  return `deploy of ${version} failed on ${bad.length > 0 ? hostReasons(bad) : 'unknown host: unknown error'}; ${rollback}`;
}

export function deployOutcome(version: string, hosts: number, failure?: Error): string {
  return failure ? `failed: ${failure.message}` : `${version} deployed to ${hosts} host(s)`;
}

/**
 * The runner cancelled the job: where each switched host stands and which locks were released.
 * `rolled` holds one phrase per switched host (from HostRun.rollbackOnCancel).
 */
export function cancelledSentence(options: {
  signal: string;
  rolled: readonly string[];
  released: readonly string[];
  stillHeld: readonly string[];
  undone: boolean;
}): string {
  const hosts =
    options.rolled.length === 0
      ? 'no host had switched'
      : `${options.rolled.join(', ')} (compose up -d, not health-checked: a cancelled job has 10 s)`;
  const locks =
    `released the deploy lock on ${options.released.join(', ') || 'no host'}` +
    (options.stillHeld.length > 0 ? `; could not release it on ${options.stillHeld.join(', ')}` : '');
  return `Cancelled by ${options.signal}; ${hosts}; ${locks}${options.undone ? '. Deploy again, or use rollback-to' : ''}.`;
}

export function cancelledStep(what: string, host: string): string {
  return `${what} on ${host} stopped: the run was cancelled`;
}
