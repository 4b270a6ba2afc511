import { joinScript, type RemoteScript } from './script';

/**
 * Media backups (backup-volumes, backup-paths): a named volume or a host directory archived as
 * <backups>/<stamp>.<label>.tar.gz, then checked (gzip -t and a full `tar -t` listing) before it
 * gets its name. Retention is retention.ts's, like the dumps'.
 */

const KEEP_ARCHIVE = String.raw`
gzip -t -- "$F.tmp"
tar -tzf "$F.tmp" >/dev/null
mv -- "$F.tmp" "$F"
echo "media=$F bytes=$(wc -c < "$F") files=$(tar -tzf "$F" | grep -vc '/$' || true)"
`;

/**
 * $1 backups dir, $2 archive, $3 volume (a Compose volume of the project, or a volume by its own
 * name), $4 Compose project, $5 service whose running image (it has tar) reads the volume.
 */
export const ARCHIVE_VOLUME = joinScript(
  String.raw`
B="$1"; F="$2"; V="$3"; PROJECT="$4"; SVC="$5"
if docker volume inspect "$PROJECT"_"$V" >/dev/null 2>&1; then VOL="$PROJECT"_"$V"
elif docker volume inspect "$V" >/dev/null 2>&1; then VOL="$V"
else echo "no volume $V (nor $PROJECT""_$V) on this host" >&2; exit 1; fi
c=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$SVC" | head -n 1)
if [ -z "$c" ]; then echo "service $SVC has no running container: its image archives the volume" >&2; exit 1; fi
IMG=$(docker inspect --format '{{.Image}}' "$c")
mkdir -p -- "$B"
chmod 700 -- "$B"
trap 'rm -f "$F.tmp"' EXIT
docker run --rm --network none --user 0 --entrypoint tar -v "$VOL:/v:ro" "$IMG" -czf - -C /v . > "$F.tmp"
`,
  KEEP_ARCHIVE,
);

export function volume(options: {
  backupsDir: string;
  file: string;
  volume: string;
  project: string;
  service: string;
}): RemoteScript {
  return {
    script: ARCHIVE_VOLUME,
    args: [options.backupsDir, options.file, options.volume, options.project, options.service],
  };
}

/** $1 backups dir, $2 archive, $3 host directory (absolute). */
export const ARCHIVE_PATH = joinScript(
  String.raw`
B="$1"; F="$2"; P="$3"
if [ ! -d "$P" ]; then echo "backup-paths: $P is not a directory on this host" >&2; exit 1; fi
mkdir -p -- "$B"
chmod 700 -- "$B"
trap 'rm -f "$F.tmp"' EXIT
tar -czf "$F.tmp" -C "$P" .
`,
  KEEP_ARCHIVE,
);

export function path(backupsDir: string, file: string, dir: string): RemoteScript {
  return { script: ARCHIVE_PATH, args: [backupsDir, file, dir] };
}
