import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import { ToolError, workspaceRoot } from '@deploy-kit/shared';
import { buildStats, lastErrorLine } from './buildlog';
import type { Builder, Docker } from './docker';
import type { Inputs } from './inputs';
import type { Planned } from './plan';
import type { BuildReport } from './report';
import { STATE } from './session';
import { ociLabels, versionOf, type GitContext } from './tags';

/** Secrets go to 0600 files in a 0700 directory of RUNNER_TEMP, named by id, for `--secret id=…,src=…`. */
export function writeSecretFiles(secrets: Record<string, string>): string | undefined {
  if (Object.keys(secrets).length === 0) return undefined;
  const base = process.env.RUNNER_TEMP || os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'build-images-secrets-'));
  fs.chmodSync(dir, 0o700);
  core.saveState(STATE.secretDir, dir);
  for (const [id, value] of Object.entries(secrets))
    fs.writeFileSync(path.join(dir, id), value, { mode: 0o600 });
  return dir;
}

/** One `docker build` for every service sharing this build definition, in its own log group. */
export async function buildUnit(
  docker: Docker,
  builder: Builder,
  unit: Planned,
  tags: readonly string[],
  ctx: GitContext,
  created: Date,
  inputs: Inputs,
  secretDir: string | undefined,
): Promise<BuildReport> {
  const { build } = unit;
  const services = unit.services.map((s) => s.service);
  const repositories = [...new Set(unit.repositories.values())];
  const refs = repositories.flatMap((repo) => tags.map((t) => `${repo}:${t}`));
  const title = ctx.repository?.split('/').pop() || services.join(', ');
  const labels = { ...ociLabels(ctx, { title, version: versionOf(ctx, tags), created }), ...inputs.labels };
  const iidFile = path.join(
    fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'build-images-iid-')),
    'iid',
  );

  const argv: string[] = builder.kind === 'buildx' ? ['buildx', 'build', '--load'] : ['build'];
  if (builder.kind !== 'legacy') argv.push('--progress=plain');
  argv.push('--file', build.dockerfile);
  for (const ref of refs) argv.push('--tag', ref);
  for (const [k, v] of Object.entries(labels)) argv.push('--label', `${k}=${v}`);
  for (const [k, v] of Object.entries(build.args)) argv.push('--build-arg', `${k}=${v}`);
  // Inline cache metadata lets the next run's --cache-from use this image straight from the registry.
  if (builder.kind === 'buildkit' && inputs.cacheFrom.length > 0)
    argv.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1');
  if (build.target) argv.push('--target', build.target);
  if (build.network) argv.push('--network', build.network);
  for (const c of inputs.cacheFrom) argv.push('--cache-from', c);
  if (builder.kind === 'buildx') for (const c of inputs.cacheTo) argv.push('--cache-to', c);
  if (secretDir)
    for (const id of Object.keys(inputs.secrets))
      argv.push('--secret', `id=${id},src=${path.join(secretDir, id)}`);
  argv.push('--iidfile', iidFile, build.context);

  const env = { DOCKER_BUILDKIT: builder.kind === 'legacy' ? '0' : '1' };
  return core.group(
    `Build ${services.join(', ')} (${path.relative(workspaceRoot(), build.dockerfile)})`,
    async () => {
      if (builder.kind === 'legacy')
        for (const c of inputs.cacheFrom) {
          // The legacy builder only uses local images as cache; a missing one is a cold cache, not an error.
          const pulled = await docker.run(['pull', c]);
          core.info(pulled.exitCode === 0 ? `cache image ${c} pulled` : `cache image ${c} not available`);
        }
      // Build output is not ours: stop it from issuing workflow commands.
      const token = `build-images-${process.pid}-${Date.now()}`;
      core.info(`::stop-commands::${token}`);
      const started = Date.now();
      let result;
      try {
        result = await docker.run(argv, { silent: false, binary: builder.binary, env });
      } finally {
        core.info(`::${token}::`);
      }
      const buildMs = Date.now() - started;
      if (result.exitCode !== 0) {
        const reason = lastErrorLine(result.stderr || result.stdout);
        // A daemon started with --bridge=none cannot give RUN steps the default network.
        const hint = /network bridge not found/.test(reason)
          ? ` (this Docker daemon has no bridge network; set 'network: host')`
          : '';
        throw new ToolError(
          `building ${services.join(', ')} from ${path.relative(workspaceRoot(), build.dockerfile)} failed: ${reason}${hint}`,
        );
      }
      const imageId = fs.readFileSync(iidFile, 'utf8').trim();
      fs.rmSync(path.dirname(iidFile), { recursive: true, force: true });
      const info = await docker.imageInfo(imageId);
      const stats = buildStats(`${result.stdout}\n${result.stderr}`);
      core.info(
        `Built ${imageId} in ${(buildMs / 1000).toFixed(1)} s (${stats.cacheHits}/${stats.steps} steps cached), tagged ${refs.join(', ')}.`,
      );
      return {
        services,
        repositories,
        tags: [...tags],
        digest: '',
        imageId,
        sizeBytes: info.size,
        buildMs,
        cacheHits: stats.cacheHits,
        steps: stats.steps,
        pushed: false,
      };
    },
  );
}
