/**
 * Read what a build did from its log: how many steps ran and how many came
 * from the cache. BuildKit's plain progress says `#7 CACHED`; the legacy
 * builder says `Step 3/5 : ...` followed by ` ---> Using cache`.
 */
export interface BuildStats {
  steps: number;
  cacheHits: number;
}

export function buildStats(log: string): BuildStats {
  const lines = log.split(/\r?\n/);
  // FROM is not counted: it is never built, so it can be neither a hit nor a miss.
  const legacySteps = lines.filter((l) => /^Step \d+\/\d+ : (?!FROM\s)/i.test(l)).length;
  if (legacySteps > 0) {
    return { steps: legacySteps, cacheHits: lines.filter((l) => /^\s*---> Using cache\s*$/.test(l)).length };
  }
  // BuildKit: a vertex is a numbered line naming a Dockerfile step, e.g. `#5 [2/3] RUN ...` or `#5 [stage 2/4] COPY`.
  const steps = new Set<string>();
  const cached = new Set<string>();
  for (const line of lines) {
    const step = /^#(\d+) \[(?:[^\]]*\s)?\d+\/\d+\] (?!FROM\s)/i.exec(line);
    if (step) steps.add(step[1] as string);
    const hit = /^#(\d+) CACHED\s*$/.exec(line);
    if (hit) cached.add(hit[1] as string);
  }
  return { steps: steps.size, cacheHits: [...cached].filter((n) => steps.has(n)).length };
}

/** `latest: digest: sha256:… size: 528` is the last line `docker push` prints for a tag. */
export function pushedDigest(output: string): string | undefined {
  const matches = [...output.matchAll(/digest: (sha256:[a-f0-9]{64})/g)];
  return matches[matches.length - 1]?.[1];
}

/**
 * Which `docker push` / `docker login` failures are worth another attempt:
 * rate limits, 5xx, and dropped connections. Refusals (auth, missing image,
 * invalid manifest) are not: retrying them only delays the real message.
 */
export function isRetryableRegistryError(text: string): boolean {
  if (
    /unauthorized|denied|authentication required|forbidden|name unknown|manifest invalid|no such image|does not exist locally|invalid reference/i.test(
      text,
    )
  )
    return false;
  return /\b(429|500|502|503|504)\b|too many requests|toomanyrequests|service unavailable|bad gateway|gateway time-?out|internal server error|connection reset|broken pipe|\bEOF\b|i\/o timeout|connection refused|TLS handshake timeout|request canceled/i.test(
    text,
  );
}

/** The last meaningful line of a docker error, for one-sentence messages. */
export function lastErrorLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^WARNING!?/i.test(l) && !l.startsWith('[command]'));
  return (lines[lines.length - 1] ?? 'no output')
    .replace(/^Error response from daemon:\s*/i, '')
    .replace(/\.$/, '');
}
