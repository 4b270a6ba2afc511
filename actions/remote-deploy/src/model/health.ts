import { HealthRed } from './errors';

/** The health gate's decisions (pure): what a poll of the containers says, which text a check expects. */

/** One poll of the containers: problems (empty = all fine), or a HealthRed that will not get better. */
export function containerProblems(
  stdout: string,
  services: readonly string[],
  project: string,
  host: string,
): string[] {
  const lines = stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .filter((l) => l === 'NO-CONTAINERS' || services.length === 0 || services.includes(l.split(' ')[3] ?? ''))
    .map((l) => l.split(' ').slice(0, 3).join(' '));
  if (lines[0] === 'NO-CONTAINERS')
    throw new HealthRed(`no containers are running for ${project} on ${host}`);
  // A stopped container will not come back by itself: fail at once.
  const dead = lines.filter((l) => / (exited|dead) /.test(l));
  if (dead.length > 0) throw new HealthRed(`health check red on ${host}: ${dead.join(', ')}`);
  return lines.filter((l) => !/ running (healthy|none)$/.test(l));
}

/** The text health-expect asks for when checking `version` in step `stepName` ('' = any answer). */
export function expectedText(raw: string, version: string, stepName: string): string {
  // {version} names the release being checked; a fixed expectation belongs to the new
  // release, so when checking a rollback only a {version} expectation still applies.
  return stepName.startsWith('rollback-') && !raw.includes('{version}')
    ? ''
    : raw.replace(/\{version\}/g, version);
}
