/** Getting images onto a host: registry login, pull, or a streamed `docker save`. */

/** The password goes on stdin, never in the argv. */
export function login(server: string, username: string): string[] {
  return ['docker', 'login', '--username', username, '--password-stdin', server];
}

export function pull(image: string): string[] {
  return ['docker', 'pull', '--quiet', image];
}

/** Load a gzip'd `docker save` stream from stdin (no-registry mode). Constant: no arguments. */
export const LOAD_IMAGES = 'gunzip | docker load';

export function load(): string[] {
  return ['sh', '-c', LOAD_IMAGES];
}
