import type { RemoteScript } from './script';

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

/**
 * $1 the project's state dir: make a private per-deploy DOCKER_CONFIG (0700) there for login and
 * pull, so the registry credentials never land in the user's ~/.docker/config.json (nor in a
 * credential helper the user's config names). Its cli-plugins link to the user's (where Compose
 * v2 may live). Prints the dir.
 */
export const MAKE_DOCKER_CONFIG = String.raw`
umask 077
src=$(printenv DOCKER_CONFIG || echo "$HOME/.docker")
mkdir -p "$1"
d=$(mktemp -d "$1/docker-config.XXXXXXXX")
chmod 700 "$d"
if [ -d "$src/cli-plugins" ]; then ln -s "$src/cli-plugins" "$d/cli-plugins"; fi
printf '%s\n' "$d"
`;

export function makeDockerConfig(stateDir: string): RemoteScript {
  return { script: MAKE_DOCKER_CONFIG, args: [stateDir] };
}

/** $1 a dir made by MAKE_DOCKER_CONFIG (refuses anything else): removed with the credentials in it. */
export const REMOVE_DOCKER_CONFIG = String.raw`
case "$1" in
  /*/docker-config.*) rm -rf -- "$1" ;;
  *) echo "not a per-deploy docker config: $1" >&2; exit 3 ;;
esac
`;

export function removeDockerConfig(dir: string): RemoteScript {
  return { script: REMOVE_DOCKER_CONFIG, args: [dir] };
}

/** argv run with DOCKER_CONFIG pointing at the per-deploy dir (no dir: argv unchanged). */
export function withDockerConfig(dir: string | undefined, argv: readonly string[]): string[] {
  return dir ? ['env', `DOCKER_CONFIG=${dir}`, ...argv] : [...argv];
}
