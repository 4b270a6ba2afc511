import type { RemoteScript } from './script';

/** The append-only release log on each host (JSON Lines). */

/** $1 log file, $2 one JSON line. Append-only. */
export const RECORD = String.raw`
mkdir -p -- "$(dirname -- "$1")"
printf '%s\n' "$2" >> "$1"
`;

export function append(logFile: string, line: string): RemoteScript {
  return { script: RECORD, args: [logFile, line] };
}

/** $1 log file. */
export const READ_LOG = String.raw`
if [ -f "$1" ]; then cat -- "$1"; fi
`;

export function read(logFile: string): RemoteScript {
  return { script: READ_LOG, args: [logFile] };
}
