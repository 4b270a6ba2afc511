/**
 * The per-host lock is a directory made with `mkdir` (atomic on every POSIX
 * filesystem) holding owner.json. Only a lock whose owner file we can read as
 * ours may be taken over after lock-expiry; a hand-made lock is never touched.
 */
export interface LockOwner {
  tool: 'deploy-kit';
  /** Random per run: release only removes a lock carrying our token. */
  token: string;
  actor: string;
  repository: string;
  run: string;
  version: string;
  runner: string;
  pid: number;
  time: string;
}

export function ownerJson(owner: LockOwner): string {
  return JSON.stringify(owner);
}

export function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (value && value.tool === 'deploy-kit' && typeof value.token === 'string' && value.token.length >= 16)
      return value as LockOwner;
  } catch {
    // not ours
  }
  return undefined;
}

export function describeOwner(owner: LockOwner | undefined, ageSeconds: number | undefined): string {
  const age = ageSeconds === undefined ? '' : `, ${ageSeconds}s ago`;
  if (!owner) return `a lock placed by hand or another tool (no deploy-kit owner file${age})`;
  return `${owner.actor} (run ${owner.repository}#${owner.run}, version ${owner.version}, runner ${owner.runner}${age})`;
}

export type LockDecision =
  | { action: 'wait'; holder: string }
  | { action: 'take-over'; holder: string }
  | { action: 'refuse'; holder: string };

/** What to do about a held lock, given its owner file (if any) and its age on the host's clock. */
export function decideHeldLock(
  owner: LockOwner | undefined,
  ageSeconds: number | undefined,
  expirySeconds: number,
  waitedMs: number,
  timeoutMs: number,
): LockDecision {
  const holder = describeOwner(owner, ageSeconds);
  if (owner && ageSeconds !== undefined && expirySeconds > 0 && ageSeconds > expirySeconds)
    return { action: 'take-over', holder };
  if (waitedMs >= timeoutMs) return { action: 'refuse', holder };
  return { action: 'wait', holder };
}

/** Parse the lock script's answer: `ACQUIRED`, or `HELD <age>` + owner file, or `HELD-NO-OWNER <age>`. */
export function parseLockAnswer(
  stdout: string,
): { acquired: true } | { acquired: false; owner?: LockOwner; ageSeconds?: number } {
  const [first = '', ...rest] = stdout.trim().split('\n');
  if (first === 'ACQUIRED') return { acquired: true };
  const held = /^HELD(-NO-OWNER)? (-?\d+)$/.exec(first.trim());
  if (!held)
    throw new Error(`unexpected answer from the lock script: ${JSON.stringify(stdout.slice(0, 200))}`);
  return {
    acquired: false,
    owner: held[1] ? undefined : parseOwner(rest.join('\n')),
    ageSeconds: Number(held[2]),
  };
}
