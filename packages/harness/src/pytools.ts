import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './run-action';

/**
 * The bin directory of a pinned, hashed Python tool set (scripts/pytools.d/NAME.txt),
 * installed into its own venv under the cache on first use. Tests put it first on
 * PATH (or pass its interpreter) so the real tools run, never the system Python's.
 */
export function pythonTools(name: string): string {
  const out = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'pytools'), name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60_000,
  });
  return out.trim().split('\n').pop() ?? '';
}
