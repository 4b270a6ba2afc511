import { HEADER, type Where } from './rollout';
import { joinScript, type RemoteScript } from './script';

/**
 * Before anything changes (after the pull: the images are on the host), what the zero-downtime
 * start will need of each serving service: whether a container of it is RUNNING (only those are
 * overlapped; the others get a plain `up -d`), whether the release's compose files give it a
 * healthcheck (read from `compose config`, which merges the files and interpolates the env file,
 * on Compose v1 and v2), and whether its pulled image has one (`docker image inspect`). Only
 * these words and the image name are printed: nothing else of the resolved configuration (its
 * environment holds secrets) leaves the host.
 *
 * After HEADER: $1 project, $2 the services (space-separated), then the compose argv. One line per
 * service the files define, tab-separated:
 *   <service> <running|stopped> <compose: defined|disabled|none> <image: defined|disabled|none|unknown> <image>
 */
export const HEALTHCHECKS = String.raw`
project=$1 wanted=$2
shift 2
config=$("$@" config) || exit
for s in $wanted; do
  # The service's block under services: (2 spaces), its keys at 4, healthcheck's at 6 and deeper.
  # (The awk program is in single quotes: no apostrophe inside it.)
  facts=$(printf '%s\n' "$config" | awk -v want="$s" '
    /^[^ ]/ { top = $0; svc = ""; next }
    top != "services:" { next }
    /^  [^ ]/ { svc = substr($0, 3); sub(/:$/, "", svc); key = ""; found = (svc == want) || found; next }
    svc != want { next }
    /^    [^ ]/ {
      key = $1; sub(/:$/, "", key); first = 0
      if (key == "image") { image = $0; sub(/^    image: */, "", image) }
      next
    }
    # A healthcheck without a test (only an interval, say) keeps the one of the image: none here.
    key != "healthcheck" || hc == "disabled" { next }
    /^      disable: true$/ { hc = "disabled"; next }
    /^      test:$/ { first = 1; next }
    /^      test: / { hc = ($0 ~ /^      test: *\[? *"?NONE"? *\]?$/) ? "disabled" : "defined"; next }
    first && /^ *- / { hc = ($0 ~ /^ *- "?NONE"?$/) ? "disabled" : "defined"; first = 0 }
    END { if (found) printf "%s\t%s\n", (hc == "" ? "none" : hc), image }
  ')
  [ -n "$facts" ] || continue
  compose_hc=$(printf '%s\n' "$facts" | cut -f1)
  image=$(printf '%s\n' "$facts" | cut -f2- | sed "s/^[\"']//; s/[\"']\$//")
  running=stopped
  if [ -n "$(docker ps -q --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=$s" --filter label=com.docker.compose.oneoff=False \
    --filter status=running)" ]; then running=running; fi
  image_hc=unknown
  if [ -n "$image" ] && test0=$(docker image inspect --format \
    '{{with .Config.Healthcheck}}{{range $i, $t := .Test}}{{if eq $i 0}}{{$t}}{{end}}{{end}}{{end}}' -- "$image" 2>/dev/null); then
    case $test0 in
      '') image_hc=none ;;
      NONE) image_hc=disabled ;;
      *) image_hc=defined ;;
    esac
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$running" "$compose_hc" "$image_hc" "$image"
done
`;

/** What HEALTHCHECKS found about one serving service on one host. */
export interface ServiceHealthcheck {
  service: string;
  running: boolean;
  compose: 'defined' | 'disabled' | 'none';
  image: 'defined' | 'disabled' | 'none' | 'unknown';
  imageName: string;
}

export function healthchecks(
  where: Where,
  project: string,
  composeArgv: readonly string[],
  services: readonly string[],
): RemoteScript {
  return {
    script: joinScript(HEADER, HEALTHCHECKS),
    args: [where.dir, where.host, where.version, project, services.join(' '), ...composeArgv],
  };
}

/** The lines HEALTHCHECKS printed (anything else ignored). */
export function parseHealthchecks(stdout: string): ServiceHealthcheck[] {
  const oneOf = <T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined =>
    allowed.find((a) => a === value);
  return stdout.split('\n').flatMap((line) => {
    const [service, running, compose, image, imageName = ''] = line.split('\t');
    const c = oneOf(compose, ['defined', 'disabled', 'none'] as const);
    const i = oneOf(image, ['defined', 'disabled', 'none', 'unknown'] as const);
    if (!service || !c || !i || (running !== 'running' && running !== 'stopped')) return [];
    return [{ service, running: running === 'running', compose: c, image: i, imageName }];
  });
}
