import { assign, joinScript, type RemoteScript } from './script';

/**
 * The zero-downtime switch of the serving services (model/strategy.ts), in two remote commands:
 *   start   a new container of each service BESIDE the old one (`up -d --no-deps --no-recreate
 *           --scale s=N+1`: the old keeps serving), then wait until every new one is healthy;
 *           a new one that exits or stays unhealthy is stopped and removed (the old never stopped)
 *           and the command fails with its last log lines. A service with no RUNNING container
 *           (a first deploy, an app that is down, a restore's stopped writers) has nothing to
 *           overlap: it gets a plain `up -d` instead (printed as `plain-up: <services>`), and the
 *           health gate after the switch checks it as under recreate. Prints `old-containers: <ids>`.
 *   finish  stop the old containers with their own stop signal (nginx: SIGQUIT) and grace period,
 *           so in-flight requests finish, then remove them.
 * Both run in the release dir with DEPLOY_HOST / DEPLOY_VERSION exported, like every Compose command.
 *
 * Between the two, old and new copies serve side by side. If the runner dies there (its machine
 * lost, the job cancelled hard, the connection gone for good), nobody would ever send finish and
 * the host would keep serving two releases at once. So start leaves a dead-man's guard on the
 * host (a detached process, `<project>/.deploy-kit/switch-guard`) as soon as the new copies
 * exist: unless finish (or a later start, or start's own give-up) claims it first, it stops and
 * removes the new copies after the wait, the settle time and GUARD_MARGIN_SECONDS, so the host is
 * back on the old release whole. Claiming is `mkdir <guard>/decided`: atomic, so exactly one of
 * the guard and finish acts; finish after a fired guard fails with a sentence instead of stopping
 * the old copies too.
 */

/** How long past start's own wait the guard gives the runner to send finish (it sends it at once). */
export const GUARD_MARGIN_SECONDS = 30;

/** $1 release dir, $2 host label, $3 version: the Compose environment of every command. */
export const HEADER = String.raw`
cd -- "$1" || exit
export DEPLOY_HOST="$2" DEPLOY_VERSION="$3"
shift 3
`;

/**
 * The guard's home and how to claim it, shared by start and finish (after HEADER, in the release
 * dir `<project>/releases/<version>`). take_guard: claim a guard left by an earlier start (its
 * runner died, or this is its own give-up) so it never fires, or wait for one that already fired.
 */
export const GUARD = String.raw`
GUARD_DIR=../../.deploy-kit/switch-guard
# Whether pid $1 is still a guard: a pid file from before a reboot may name anything by now.
is_guard() {
  if [ -r /proc/self/cmdline ]; then grep -q switch-guard "/proc/$1/cmdline" 2>/dev/null; else kill -0 "$1" 2>/dev/null; fi
}
# Its process group (started with setsid), else the process alone (a host without setsid).
stop_guard() {
  is_guard "$1" || return 0
  kill -- "-$1" 2>/dev/null || kill "$1" 2>/dev/null || true
}
take_guard() {
  [ -d "$GUARD_DIR" ] || return 0
  if mkdir "$GUARD_DIR/decided" 2>/dev/null; then
    gpid=$(cat "$GUARD_DIR/pid" 2>/dev/null) && stop_guard "$gpid"
  else
    gpid=$(cat "$GUARD_DIR/pid" 2>/dev/null) && while is_guard "$gpid"; do sleep 1; done
  fi
  rm -rf -- "$GUARD_DIR"
}
`;

/**
 * The detached guard: $1 seconds, $2 guard dir, $3 grace seconds, then the new copies' ids. Once
 * fired it leaves its dir (with `decided`) behind, so a late finish sees it and stops nothing; the
 * next start clears it.
 */
export const GUARD_PROCESS = String.raw`
# Stopped (claimed), it takes its sleep with it: nothing of it outlives the claim.
trap 'kill "$nap" 2>/dev/null; exit 0' TERM
sleep "$1" &
nap=$!
wait "$nap"
mkdir "$2/decided" 2>/dev/null || exit 0
grace=$3
shift 3
docker stop -t "$grace" "$@" >/dev/null 2>&1
docker rm "$@" >/dev/null 2>&1
`;

/**
 * After HEADER and GUARD: $1 project, $2 seconds to wait, $3 seconds a healthy new container must
 * then stay up (on the host network its healthcheck may be answered by the OLD copy on the shared
 * address: a copy that could not bind, without SO_REUSEPORT, exits or restarts within that time),
 * $4 the services (space-separated), $5 the stop grace seconds, $6 the guard's extra seconds, then
 * the compose argv.
 */
export const START = String.raw`
project=$1 wait_s=$2 settle_s=$3 wanted=$4 grace_s=$5 margin_s=$6
shift 6
take_guard
# Only the services this release's compose files define (a rollback runs an older release's files).
defined=$("$@" config --services)
services=''
for s in $wanted; do
  if printf '%s\n' "$defined" | grep -qx -- "$s"; then services="$services $s"; fi
done
[ -n "$services" ] || { echo "old-containers:"; exit 0; }
# $1 a service, then more docker ps filters: the ids of its containers (all states), one line.
ids_of() {
  of=$1
  shift
  docker ps -aq --no-trunc --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=$of" --filter label=com.docker.compose.oneoff=False "$@" | tr '\n' ' '
}
old='' scale='' overlap='' fresh=''
for s in $services; do
  # Nothing of the service running (a first deploy, an app that is down, a restore's stopped
  # writers): nothing to overlap, so it gets the plain up -d below, as its stopped containers are.
  if [ -z "$(ids_of "$s" --filter status=running)" ]; then
    fresh="$fresh $s"
    continue
  fi
  # Beside a running copy a stopped one serves nothing, and up --no-recreate would start it again
  # as it was created (a failed release's leftovers): removed, so only live copies count as old.
  stopped=$(ids_of "$s" --filter status=created --filter status=exited --filter status=dead)
  # shellcheck disable=SC2086 # ids are hex
  [ -z "$stopped" ] || docker rm $stopped >/dev/null
  mine=$(ids_of "$s")
  # shellcheck disable=SC2086 # ids are hex
  count=$(printf '%s\n' $mine | grep -c . || true)
  old="$old $mine"
  scale="$scale --scale $s=$((count + 1))"
  overlap="$overlap $s"
done
if [ -n "$fresh" ]; then
  echo "plain-up:$fresh"
  # Beside overlapped services --no-deps: a dependency among them must not be recreated here.
  # shellcheck disable=SC2086 # service names are checked on the runner
  if [ -n "$overlap" ]; then "$@" up -d --no-deps $fresh; else "$@" up -d $fresh; fi
fi
[ -n "$overlap" ] || { echo "old-containers:"; exit 0; }
# shellcheck disable=SC2086 # service names are checked on the runner
"$@" up -d --no-deps --no-recreate $scale $overlap
new=''
for s in $overlap; do
  for id in $(ids_of "$s"); do
    case " $old " in *" $id "*) ;; *) new="$new $id" ;; esac
  done
done
# The dead-man's guard (see the top of commands/rollout.ts), detached from this connection: a
# session of its own with setsid; on a host without setsid, deaf to the connection's hang-up.
mkdir -p "$GUARD_DIR"
guard_s=$((wait_s + settle_s + margin_s))
if command -v setsid >/dev/null 2>&1; then
  # shellcheck disable=SC2086 # ids are hex
  setsid sh -c "$GUARD_PROCESS" switch-guard "$guard_s" "$GUARD_DIR" "$grace_s" $new </dev/null >/dev/null 2>&1 &
else
  # shellcheck disable=SC2086 # ids are hex
  (trap '' HUP && exec sh -c "$GUARD_PROCESS" switch-guard "$guard_s" "$GUARD_DIR" "$grace_s" $new) </dev/null >/dev/null 2>&1 &
fi
echo "$!" >"$GUARD_DIR/pid"
give_up() {
  take_guard
  echo "$1" >&2
  for id in $new; do docker logs --tail 20 "$id" 2>&1 | sed 's/^/  | /' >&2 || true; done
  # shellcheck disable=SC2086 # ids are hex
  docker stop $new >/dev/null 2>&1 || true
  # shellcheck disable=SC2086 # ids are hex
  docker rm $new >/dev/null 2>&1 || true
  exit 3
}
started=$(date +%s)
while :; do
  pending=0
  for id in $new; do
    state=$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")
    name=$(docker inspect -f '{{.Name}}' "$id")
    case $state in
      running/healthy) ;;
      running/none) give_up "new container $name has no healthcheck: zero-downtime cannot tell when it is ready (add one, or use strategy: recreate)" ;;
      running/* | created/* | restarting/*) pending=1 ;;
      *) give_up "new container $name is $state: the old one keeps serving" ;;
    esac
  done
  [ "$pending" = 0 ] && break
  [ "$(($(date +%s) - started))" -lt "$wait_s" ] || give_up "new container(s) not healthy after $wait_s s: the old one keeps serving"
  sleep 1
done
if [ "$settle_s" -gt 0 ]; then
  seen=$(for id in $new; do docker inspect -f '{{.State.StartedAt}}/{{.RestartCount}}' "$id"; done)
  sleep "$settle_s"
  now=$(for id in $new; do docker inspect -f '{{.State.StartedAt}}/{{.RestartCount}}' "$id"; done)
  for id in $new; do
    state=$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")
    if [ "$state" != running/healthy ] || [ "$seen" != "$now" ]; then
      give_up "new container $(docker inspect -f '{{.Name}}' "$id") did not stay up beside the old one (on network_mode: host both must listen with SO_REUSEPORT: gunicorn --reuse-port, nginx listen ... reuseport): the old one keeps serving"
    fi
  done
fi
echo "old-containers:$old"
`;

/** After HEADER and GUARD: $1 grace seconds, then the old containers' ids. */
export const FINISH = String.raw`
grace=$1
shift
if [ -d "$GUARD_DIR" ] && ! mkdir "$GUARD_DIR/decided" 2>/dev/null; then
  echo "the host put its old release back by itself: the switch was not finished within the guard's time, so its new copies were stopped and the old ones kept serving" >&2
  exit 4
fi
gpid=$(cat "$GUARD_DIR/pid" 2>/dev/null) && stop_guard "$gpid"
if [ "$#" -gt 0 ]; then
  docker stop -t "$grace" "$@" >/dev/null
  docker rm "$@" >/dev/null
fi
rm -rf -- "$GUARD_DIR"
`;

export interface Where {
  dir: string;
  host: string;
  version: string;
}

/** Start the new containers of `services` beside the old ones and wait until they are healthy. */
export function start(
  where: Where,
  project: string,
  composeArgv: readonly string[],
  services: readonly string[],
  waitSeconds: number,
  settleSeconds: number,
  graceSeconds = 10,
  guardMarginSeconds = GUARD_MARGIN_SECONDS,
): RemoteScript {
  return {
    script: joinScript(HEADER, assign('GUARD_PROCESS', GUARD_PROCESS), GUARD, START),
    args: [
      where.dir,
      where.host,
      where.version,
      project,
      String(waitSeconds),
      String(settleSeconds),
      services.join(' '),
      String(graceSeconds),
      String(guardMarginSeconds),
      ...composeArgv,
    ],
  };
}

/** Claim the guard, then stop (gracefully) and remove the old containers `start` printed. */
export function finish(where: Where, graceSeconds: number, ids: readonly string[]): RemoteScript {
  return {
    script: joinScript(HEADER, GUARD, FINISH),
    args: [where.dir, where.host, where.version, String(graceSeconds), ...ids],
  };
}

/** The services `start` gave a plain `up -d` (nothing of them was running to overlap). */
export function plainUp(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith('plain-up:'));
  return line?.slice('plain-up:'.length).trim().split(/\s+/).filter(Boolean) ?? [];
}

/** The old containers `start` printed on its last line (ids are hex). */
export function oldContainers(stdout: string): string[] {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('old-containers:'));
  return (line?.slice('old-containers:'.length).trim().split(/\s+/) ?? []).filter((id) =>
    /^[0-9a-f]{12,64}$/.test(id),
  );
}
