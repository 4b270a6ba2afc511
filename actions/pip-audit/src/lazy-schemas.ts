import type { z } from 'zod';

/**
 * Schemas built on first use: evaluating zod and building the schemas at start-up came before
 * pip-audit's start (#18 B6), and they serve a late phase (the report) or an optional input (the
 * ignore file).
 */
export function lazySchemas<T>(build: (zod: typeof z) => T): () => T {
  let built: T | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return () => (built ??= build((require('zod') as { z: typeof z }).z));
}
