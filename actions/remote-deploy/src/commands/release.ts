import type { RemoteScript } from './script';

/** A release's directory on the host: its file list, running commands in it, pointing `current` at it. */

/** $1 release dir: the release paths of the files the release holds (compose files, `.env`), one per line. */
export const READ_FILES = String.raw`
cat "$1/files" 2>/dev/null || true
`;

export function readFiles(releaseDir: string): RemoteScript {
  return { script: READ_FILES, args: [releaseDir] };
}

/** $1 release dir, then release-relative dirs (validated on the runner, checked again here): made, 0700. */
export const MAKE_DIRS = String.raw`
cd "$1" || exit
shift
umask 077
for d in "$@"; do
  case "$d" in /* | -* | .. | ../* | */.. | */../*) echo "refusing release path $d" >&2; exit 3 ;; esac
  mkdir -p -- "$d"
done
`;

export function makeDirs(releaseDir: string, dirs: readonly string[]): RemoteScript {
  return { script: MAKE_DIRS, args: [releaseDir, ...dirs] };
}

/** $1 dir, $2 host label, $3 version, then argv: run argv in dir with DEPLOY_HOST / DEPLOY_VERSION exported for Compose. */
export const IN_DIR = String.raw`
cd -- "$1" || exit
export DEPLOY_HOST="$2" DEPLOY_VERSION="$3"
shift 3
exec "$@"
`;

export function inDir(dir: string, host: string, version: string, argv: readonly string[]): RemoteScript {
  return { script: IN_DIR, args: [dir, host, version, ...argv] };
}

/** $1 project dir, $2 version: point current at the release atomically (rename over the symlink). */
export const SWITCH_LINK = String.raw`
cd -- "$1" || exit
ln -sfn -- "releases/$2" .current.tmp
mv -T .current.tmp current
`;

export function switchCurrent(projectDir: string, version: string): RemoteScript {
  return { script: SWITCH_LINK, args: [projectDir, version] };
}

/** What every hook starts with: $1 release dir, $2 host, $3 version, $4 previous version. */
export const HOOK_HEADER = String.raw`
cd -- "$1" || exit
export DEPLOY_HOST="$2" DEPLOY_VERSION="$3" DEPLOY_PREVIOUS_VERSION="$4"
`;

/** A pre/post hook: the user's text after the header, run in the release dir. */
export function hook(
  releaseDir: string,
  host: string,
  version: string,
  previous: string,
  text: string,
): RemoteScript {
  return { script: HOOK_HEADER.slice(1) + text, args: [releaseDir, host, version, previous] };
}
