import type { RemoteScript } from './script';

/** What the deploy asks a host before and while it changes it. */

/** $1 project dir, $2 version, $3 mode (deploy | probe). Prints key=value facts about the host. */
export const PREPARE = String.raw`
P="$1"; V="$2"; MODE="$3"
if [ "$MODE" = deploy ]; then
  mkdir -p -- "$P/releases/$V" "$P/.deploy-kit"
  chmod 700 -- "$P/releases/$V"
fi
prev=""
if [ -L "$P/current" ]; then prev=$(basename -- "$(readlink -- "$P/current")"); fi
echo "previous=$prev"
if [ -d "$P/releases/$V" ]; then echo "release_exists=yes"; else echo "release_exists=no"; fi
if docker compose version >/dev/null 2>&1; then echo "compose=v2"
elif command -v docker-compose >/dev/null 2>&1; then echo "compose=v1"
else echo "compose=none"; fi
d="$P"; while [ ! -d "$d" ]; do d=$(dirname -- "$d"); done
echo "free_kb=$(df -Pk -- "$d" | awk 'NR==2 {print $4}')"
if [ -d "$P/.deploy-kit/lock" ]; then echo "locked=yes"; else echo "locked=no"; fi
if [ -f "$P/.deploy-kit/releases.log" ]; then echo "log_lines=$(wc -l < "$P/.deploy-kit/releases.log")"; fi
`;

export function prepare(projectDir: string, version: string, mode: 'deploy' | 'probe'): RemoteScript {
  return { script: PREPARE, args: [projectDir, version, mode] };
}

/**
 * $1 Compose project name: one line per service container (one-offs excluded), found by
 * Compose's labels with the Go CLI, so polling never starts Compose itself:
 * name status health service.
 */
export const CONTAINER_STATES = String.raw`
ids=$(docker ps -aq --filter "label=com.docker.compose.project=$1" --filter "label=com.docker.compose.oneoff=False")
if [ -z "$ids" ]; then echo "NO-CONTAINERS"; exit 0; fi
set -f
# shellcheck disable=SC2086 # one argument per container id (hex, no glob: set -f)
docker inspect --format '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{index .Config.Labels "com.docker.compose.service"}}' $ids
`;

export function containerStates(project: string): RemoteScript {
  return { script: CONTAINER_STATES, args: [project] };
}

/** $1 URL: fetched on the host itself (curl, else busybox/GNU wget). */
export const HTTP_GET = String.raw`
if command -v curl >/dev/null 2>&1; then exec curl -fsS --max-time 5 -- "$1"; else exec wget -q -T 5 -O - -- "$1"; fi
`;

export function httpGet(url: string): RemoteScript {
  return { script: HTTP_GET, args: [url] };
}

/** Images, one per argument: local | registry | missing. */
export const IMAGES_EXIST = String.raw`
for img in "$@"; do
  if docker image inspect "$img" >/dev/null 2>&1; then echo "$img local"
  elif docker manifest inspect --insecure "$img" >/dev/null 2>&1; then echo "$img registry"
  else echo "$img missing"; fi
done
`;

export function imagesExist(images: readonly string[]): RemoteScript {
  return { script: IMAGES_EXIST, args: [...images] };
}
