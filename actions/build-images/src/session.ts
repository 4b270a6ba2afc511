import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Names of the state main saves for the post step. */
export const STATE = {
  dockerConfig: 'docker-config',
  registry: 'login-registry',
  secretDir: 'secret-dir',
} as const;

/**
 * A DOCKER_CONFIG of our own in RUNNER_TEMP: `docker login` writes the
 * credentials there, never into the user's ~/.docker. The user's CLI plugins
 * (buildx) and buildx builder state are linked in so the CLI keeps its abilities.
 */
export function privateDockerConfig(): string {
  const base = process.env.RUNNER_TEMP || os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'build-images-docker-config-'));
  fs.chmodSync(dir, 0o700);
  const original = process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  for (const sub of ['cli-plugins', 'buildx']) {
    const source = path.join(original, sub);
    if (fs.existsSync(source)) fs.symlinkSync(source, path.join(dir, sub));
  }
  fs.writeFileSync(path.join(dir, 'config.json'), '{}\n', { mode: 0o600 });
  return dir;
}
