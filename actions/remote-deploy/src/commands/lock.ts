import type { RemoteScript } from './script';

/** The per-host deploy lock: a directory made with mkdir (atomic) holding owner.json. */

/** $1 lock dir, $2 owner JSON. mkdir is the atomic test-and-set. */
export const LOCK = String.raw`
L="$1"
mkdir -p -- "$(dirname -- "$L")"
if mkdir -- "$L" 2>/dev/null; then
  printf '%s\n' "$2" > "$L/owner.json.tmp"
  mv -- "$L/owner.json.tmp" "$L/owner.json"
  echo ACQUIRED
  exit 0
fi
if [ ! -d "$L" ]; then
  mkdir -- "$L"  # not a race we lost: show mkdir's own error (permissions, read-only filesystem...)
fi
now=$(date +%s)
if [ -f "$L/owner.json" ]; then
  echo "HELD $(( now - $(stat -c %Y -- "$L/owner.json") ))"
  cat -- "$L/owner.json"
else
  echo "HELD-NO-OWNER $(( now - $(stat -c %Y -- "$L") ))"
fi
`;

export function acquire(lockDir: string, ownerJson: string): RemoteScript {
  return { script: LOCK, args: [lockDir, ownerJson] };
}

/** $1 lock dir, $2 new owner JSON, $3 token of the expired owner. Renaming the dir makes a second taker lose. */
export const TAKE_OVER = String.raw`
L="$1"
grep -qF "\"token\":\"$3\"" "$L/owner.json" 2>/dev/null || { echo CHANGED; exit 0; }
mv -- "$L" "$L.expired.$$" 2>/dev/null || { echo CHANGED; exit 0; }
rm -rf -- "$L.expired.$$"
if mkdir -- "$L" 2>/dev/null; then
  printf '%s\n' "$2" > "$L/owner.json.tmp"
  mv -- "$L/owner.json.tmp" "$L/owner.json"
  echo ACQUIRED
else
  echo CHANGED
fi
`;

export function takeOver(lockDir: string, ownerJson: string, expiredToken: string): RemoteScript {
  return { script: TAKE_OVER, args: [lockDir, ownerJson, expiredToken] };
}

/** $1 lock dir, $2 our token. Only our own lock is removed. */
export const UNLOCK = String.raw`
L="$1"
if [ -f "$L/owner.json" ] && grep -qF "\"token\":\"$2\"" "$L/owner.json"; then rm -rf -- "$L"; echo RELEASED; else echo NOT-OURS; fi
`;

export function release(lockDir: string, token: string): RemoteScript {
  return { script: UNLOCK, args: [lockDir, token] };
}
