import type { RemoteScript } from './script';

/**
 * Retention of the backups dir (dumps *.sql.gz, media archives *.tar.gz): only the newest KEEP of
 * each kind, and none older than MAXAGE minutes (0 = no age limit), but never a protected one:
 * the dump taken before the release being deployed (it is what a rollback restores) and the one
 * taken before the release serving now (what a rollback of it would need).
 *
 * $1 backups dir, $2 keep, $3 max age in minutes, $4 file suffix, then protected name endings
 * (e.g. -before-2.0.sql.gz). Prints `pruned=<file> (<why>)` per deletion.
 */
export const PRUNE = String.raw`
B="$1"; KEEP="$2"; MAXAGE="$3"; SUFFIX="$4"
shift 4
n=0
# shellcheck disable=SC2012,SC2045 # our own names (<stamp>-before-<version>): no blanks, no newlines
for f in $(ls -1t -- "$B"/*"$SUFFIX" 2>/dev/null); do
  n=$((n + 1))
  keep_it=""
  for p in "$@"; do
    case "$f" in *"$p") keep_it=1 ;; esac
  done
  if [ -n "$keep_it" ]; then continue; fi
  if [ "$n" -gt "$KEEP" ]; then
    rm -f -- "$f"
    echo "pruned=$f (beyond backup-keep $KEEP)"
  elif [ "$MAXAGE" -gt 0 ] && [ -n "$(find "$f" -mmin +"$MAXAGE")" ]; then
    rm -f -- "$f"
    echo "pruned=$f (older than backup-max-age)"
  fi
done
`;

export function prune(options: {
  backupsDir: string;
  keep: number;
  maxAgeMinutes: number;
  suffix: string;
  protect: readonly string[];
}): RemoteScript {
  return {
    script: PRUNE,
    args: [
      options.backupsDir,
      String(options.keep),
      String(options.maxAgeMinutes),
      options.suffix,
      ...options.protect,
    ],
  };
}
