import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import { ToolError, withProgress, type ProgressOptions } from '@deploy-kit/shared';
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

/** What every build of one run shares. */
export interface BuildRun {
  docker: Docker;
  builder: Builder;
  tags: readonly string[];
  ctx: GitContext;
  created: Date;
  inputs: Inputs;
  secretDir: string | undefined;
  progress?: ProgressOptions;
}

/** The `docker build` / `docker buildx build` argv for one unit (ends with the context). */
export function buildArgv(run: BuildRun, unit: Planned, refs: readonly string[], iidFile: string): string[] {
  const { builder, inputs } = run;
  const { build } = unit;
  const services = unit.services.map((s) => s.service);
  const title = run.ctx.repository?.split('/').pop() || services.join(', ');
  const labels = {
    ...ociLabels(run.ctx, { title, version: versionOf(run.ctx, run.tags), created: run.created }),
    ...inputs.labels,
  };
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
  if (run.secretDir)
    for (const id of Object.keys(inputs.secrets))
      argv.push('--secret', `id=${id},src=${path.join(run.secretDir, id)}`);
  argv.push('--iidfile', iidFile, build.context);
  return argv;
}

/** The legacy builder only uses local images as cache; a missing one is a cold cache, not an error. */
async function pullLegacyCache(run: BuildRun): Promise<void> {
  if (run.builder.kind !== 'legacy') return;
  for (const c of run.inputs.cacheFrom) {
    const pulled = await run.docker.run(['pull', c]);
    core.info(pulled.exitCode === 0 ? `cache image ${c} pulled` : `cache image ${c} not available`);
  }
}

/**
 * One `docker build` for every service sharing this build definition, in its own log group, with
 * a progress line (elapsed time) at least every 30 s while it runs.
 */
export async function buildUnit(run: BuildRun, unit: Planned): Promise<BuildReport> {
  const { docker, builder, inputs } = run;
  const services = unit.services.map((s) => s.service);
  const dockerfile = path.relative(inputs.workspace, unit.build.dockerfile);
  const repositories = [...new Set(unit.repositories.values())];
  const refs = repositories.flatMap((repo) => run.tags.map((t) => `${repo}:${t}`));
  const iidDir = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'build-images-iid-'));
  const iidFile = path.join(iidDir, 'iid');
  const argv = buildArgv(run, unit, refs, iidFile);
  const env = { DOCKER_BUILDKIT: builder.kind === 'legacy' ? '0' : '1' };
  return core.group(`Build ${services.join(', ')} (${dockerfile})`, async () => {
    await pullLegacyCache(run);
    // Build output is not ours: stop it from issuing workflow commands.
    const token = `build-images-${process.pid}-${Date.now()}`;
    core.info(`::stop-commands::${token}`);
    const started = Date.now();
    let result;
    try {
      result = await withProgress(
        () => `Building ${services.join(', ')}`,
        () => docker.run(argv, { silent: false, binary: builder.binary, env }),
        run.progress,
      );
    } finally {
      core.info(`::${token}::`);
    }
    const buildMs = Date.now() - started;
    if (result.exitCode !== 0) {
      fs.rmSync(iidDir, { recursive: true, force: true });
      const reason = lastErrorLine(result.stderr || result.stdout);
      // A daemon started with --bridge=none cannot give RUN steps the default network.
      const hint = /network bridge not found/.test(reason)
        ? ` (this Docker daemon has no bridge network; set 'network: host')`
        : '';
      throw new ToolError(`building ${services.join(', ')} from ${dockerfile} failed: ${reason}${hint}`);
    }
    const imageId = fs.readFileSync(iidFile, 'utf8').trim();
    fs.rmSync(iidDir, { recursive: true, force: true });
    const info = await docker.imageInfo(imageId);
    const stats = buildStats(`${result.stdout}\n${result.stderr}`);
    core.info(
      `Built ${imageId} in ${(buildMs / 1000).toFixed(1)} s (${stats.cacheHits}/${stats.steps} steps cached), tagged ${refs.join(', ')}.`,
    );
    return {
      services,
      repositories,
      tags: [...run.tags],
      digest: '',
      imageId,
      sizeBytes: info.size,
      buildMs,
      cacheHits: stats.cacheHits,
      steps: stats.steps,
      pushed: false,
    };
  });
}
