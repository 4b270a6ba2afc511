import type { NginxMode } from '../model/nginx-failure';
import type { RemoteScript } from './script';

/** nginx -t and reload, on the host or inside the nginx service (see reload.ts for the sentences). */

/**
 * $1 test | reload: nginx on the host, as the login user if it is root, else through
 * `sudo -n` (a NOPASSWD sudoers rule for exactly these commands): a host nginx runs as root,
 * so a plain user can neither read all of its configuration (nginx -t) nor signal it (reload).
 * Exit 3 with NO-NGINX / NEEDS-ROOT <why> on stdout when it cannot be done at all.
 */
export const NGINX_HOST = String.raw`
MODE="$1"
NGINX=$(command -v nginx 2>/dev/null || true)
if [ -z "$NGINX" ] && [ -x /usr/sbin/nginx ]; then NGINX=/usr/sbin/nginx; fi
if [ -z "$NGINX" ]; then echo "NO-NGINX"; exit 3; fi
if [ "$MODE" = test ]; then set -- "$NGINX" -t; else set -- "$NGINX" -s reload; fi
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then echo "NEEDS-ROOT no-sudo $NGINX"; exit 3; fi
  if ! sudo -n -l "$@" >/dev/null 2>&1; then echo "NEEDS-ROOT sudo-refused $NGINX"; exit 3; fi
  set -- sudo -n "$@"
fi
"$@" 2>&1
`;

export function onHost(mode: NginxMode): RemoteScript {
  return { script: NGINX_HOST, args: [mode] };
}

/**
 * Run inside an nginx container as `sh -c SCRIPT nginx-reload test|reload`. The master's
 * process title is "nginx: master process <its command line>": its -c, -p and -e say which
 * configuration it runs, so `nginx -t` tests that one and not the compiled-in default (images
 * often start nginx with -c). reload sends SIGHUP to that master and waits for a new worker:
 * nginx keeps its old configuration, silently, when a reload fails (a port it cannot bind).
 * Exit 3 with NO-MASTER when no nginx master runs there, 4 with NO-NEW-WORKER.
 */
export const NGINX_CONTAINER = String.raw`
MODE="$1"
master=""
cmd=""
for d in /proc/[0-9]*; do
  t=$(tr '\0' ' ' < "$d/cmdline" 2>/dev/null) || continue
  case "$t" in
    "nginx: master process "*)
      master=$(basename "$d")
      cmd=$(printf '%s\n' "$t" | sed 's/^nginx: master process //')
      break ;;
  esac
done
if [ -z "$master" ]; then echo "NO-MASTER"; exit 3; fi
set -f
# shellcheck disable=SC2086 # the master's command line, split into its words (no glob: set -f)
set -- $cmd
shift
opts=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    -c|-p|-e) if [ "$#" -ge 2 ]; then opts="$opts $1 $2"; shift; fi ;;
    -c?*|-p?*|-e?*) opts="$opts $1" ;;
    -g) while [ "$#" -gt 1 ]; do shift; case "$1" in *";") break ;; esac; done ;;
  esac
  shift
done
if [ "$MODE" = test ]; then
  echo "nginx master $master: nginx -t$opts"
  # shellcheck disable=SC2086 # the master's own -c/-p/-e words, still under set -f: no glob
  exec nginx -t $opts 2>&1
fi
set +f
# Children of the master, from /proc/<pid>/stat: "pid (comm) state ppid ...".
children() {
  for d in /proc/[0-9]*; do
    ppid=$(sed 's/.*) //' "$d/stat" 2>/dev/null | cut -d' ' -f2) || continue
    if [ "$ppid" = "$master" ]; then basename "$d"; fi
  done
}
before=" $(children | tr '\n' ' ') "
kill -HUP "$master"
end=$(($(date +%s) + 10))
while [ "$(date +%s)" -le "$end" ]; do
  for p in $(children); do
    case "$before" in *" $p "*) ;; *) echo "nginx master $master reloaded (new worker $p)"; exit 0 ;; esac
  done
  sleep 0.2
done
echo "NO-NEW-WORKER $master"
exit 4
`;

/** The argv run in the nginx service (through compose exec): `sh -c NGINX_CONTAINER nginx-reload MODE`. */
export function inContainer(mode: NginxMode): string[] {
  return ['sh', '-c', NGINX_CONTAINER, 'nginx-reload', mode];
}
