// Shared by the benches that deploy the example Django app on the sandbox (zero-downtime.mjs,
// cut-every-step.mjs): the harness and sandbox, a docker runner, the app's images and a workspace.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const H = require(path.join(root, 'packages/harness/dist/index.js'));
export const { runAction } = H;
export const sandbox = H.loadSandbox();

/** Run a command; its stdout, or throw with its output. */
export function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The sandbox's docker CLI. */
export const docker = (args) => H.sandboxDocker(sandbox, args);

/** A temp dir every sandbox user can read (the ssh user reads files the bench writes). */
export function benchDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Build and push the app's web and nginx images per version, as `bash scripts/demo` does: service -> image. */
export const buildExampleImages = (name, versions) =>
  H.buildExampleAppImages(sandbox, `${sandbox.registry.address}/${name}`, versions);

/** The `images` input of one version's images. */
export const imagesInput = H.exampleImagesInput;

/** A workspace with the app's compose files and a sandbox .env (sqlite in the shared volume) under `dir`. */
export function exampleWorkspace(dir, tag, { port, nginxPort, extraEnv = [] }) {
  const ws = path.join(dir, `ws-${tag}`);
  fs.mkdirSync(path.join(ws, 'deploy'), { recursive: true });
  for (const f of ['docker-compose.yml', 'deploy/compose.sandbox.yml'])
    fs.copyFileSync(path.join(H.EXAMPLE_APP_DIR, f), path.join(ws, f));
  fs.writeFileSync(
    path.join(ws, '.env'),
    H.exampleAppEnv({ secretKey: `${tag}-${'k'.repeat(50)}`, port, nginxPort, extra: extraEnv }),
  );
  return ws;
}
