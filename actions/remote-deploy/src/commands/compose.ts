import { ENV_FILE_NAME } from '../model/layout';

/** Compose command lines (argv), run inside a release dir through release.inDir. */

export type ComposeKind = 'v2' | 'v1';

/** Which Compose, which project, which files: everything before the subcommand. */
export interface ComposeProject {
  kind: ComposeKind;
  project: string;
  files: readonly string[];
  envFile: boolean;
  /**
   * The release dir: `--env-file` is given as an absolute path, because Compose resolves a
   * relative one against the project directory (the first file's directory), which is a
   * subdirectory when the compose file lives in one.
   */
  dir?: string;
}

/** The compose argv prefix run inside a release dir: project name pinned, every file named, env file explicit. */
export function composeArgv(
  kind: ComposeKind,
  project: string,
  files: readonly string[],
  withEnvFile: boolean,
  dir?: string,
): string[] {
  const base = kind === 'v2' ? ['docker', 'compose'] : ['docker-compose'];
  return [
    ...base,
    '--project-name',
    project,
    ...files.flatMap((f) => ['--file', f]),
    ...(withEnvFile ? ['--env-file', dir ? `${dir}/${ENV_FILE_NAME}` : ENV_FILE_NAME] : []),
  ];
}

/** The argv before the subcommand. */
export function base(p: ComposeProject): string[] {
  return composeArgv(p.kind, p.project, p.files, p.envFile, p.dir);
}

/** `run` for a one-off container: no TTY (-T), removed after, dependencies not restarted. */
export function oneOffArgv(service: string, command: readonly string[]): string[] {
  return ['run', '--rm', '--no-deps', '-T', service, ...command];
}

export function pull(p: ComposeProject, services: readonly string[]): string[] {
  return [...base(p), 'pull', ...services];
}

export function up(p: ComposeProject, services: readonly string[]): string[] {
  return [...base(p), 'up', '-d', '--remove-orphans', ...services];
}

/**
 * A one-off container of `service`. With host networking, docker-compose v1 links a one-off to
 * the running containers of its service, which Docker refuses; a separate project name avoids
 * the links (and with host networking the project network does not matter).
 */
export function oneOff(
  p: ComposeProject,
  service: string,
  command: readonly string[],
  hostNetwork: boolean,
): string[] {
  const project = hostNetwork ? { ...p, project: `${p.project}-oneoff` } : p;
  return [...base(project), ...oneOffArgv(service, command)];
}

export function hup(p: ComposeProject, services: readonly string[]): string[] {
  return [...base(p), 'kill', '-s', 'HUP', ...services];
}

/** Run argv in the running container of `service`, without a TTY. */
export function exec(p: ComposeProject, service: string, argv: readonly string[]): string[] {
  return [...base(p), 'exec', '-T', service, ...argv];
}

/** The last lines of a service's log, without Compose's prefix and colours. */
export function logs(p: ComposeProject, service: string, lines: number): string[] {
  return [...base(p), 'logs', '--no-color', '--no-log-prefix', '--tail', String(lines), service];
}
