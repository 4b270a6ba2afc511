import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { InputError, ToolError, withProgress } from '@deploy-kit/shared';
import { stoppedError, type Limits } from './audit';
import { spawnBounded } from './spawn';

/**
 * Finds or installs the pinned pip-audit. A pip-audit already on PATH at the
 * requested version is used as is; otherwise the lock file shipped with the
 * action (every package pinned and hashed) is installed with --require-hashes
 * into a venv under the runner's tool cache (kept between runs on self-hosted
 * runners; RUNNER_TEMP when there is none), keyed by the lock's content.
 */

export function lockFile(actionDir: string, version: string): string {
  return path.join(actionDir, 'requirements', `pip-audit-${version}.txt`);
}

/**
 * The version of the pip-audit a script runs, from the package metadata beside its interpreter
 * (the script's `#!` line names the venv's python; pip_audit-X.Y.Z.dist-info sits in that venv's
 * site-packages). Reading it costs no Python start-up (`pip-audit --version` takes ~0.4 s, a third
 * of a small audit); undefined when the layout is not a venv's, and `--version` is asked then.
 */
export function installedVersion(bin: string): string | undefined {
  try {
    const first = fs.readFileSync(bin, 'utf8').slice(0, 512).split('\n')[0] ?? '';
    const interpreter = /^#!\s*(\S+)/.exec(first)?.[1];
    if (!interpreter || !path.isAbsolute(interpreter)) return undefined;
    const lib = path.join(path.dirname(path.dirname(interpreter)), 'lib');
    const found = fs
      .readdirSync(lib)
      .filter((d) => d.startsWith('python'))
      .flatMap((d) => {
        const site = path.join(lib, d, 'site-packages');
        return fs.existsSync(site) ? fs.readdirSync(site) : [];
      })
      .map((d) => /^pip_audit-([^-]+)\.dist-info$/.exec(d)?.[1])
      .filter((v): v is string => v !== undefined);
    return found.length === 1 ? found[0] : undefined;
  } catch {
    return undefined;
  }
}

async function versionOf(bin: string, signal: AbortSignal): Promise<string | undefined> {
  const known = installedVersion(bin);
  if (known !== undefined) return known;
  try {
    const out = await spawnBounded(bin, ['--version'], { signal });
    return /pip-audit\s+(\S+)/.exec(out.stdout)?.[1];
  } catch {
    return undefined;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function ensurePipAudit(options: {
  version: string;
  python: string;
  actionDir: string;
  limits: Limits;
}): Promise<string> {
  const existing = onPath('pip-audit');
  if (existing && (await versionOf(existing, options.limits.signal)) === options.version) {
    core.info(`Using ${existing} (pip-audit ${options.version})`);
    return existing;
  }
  const lock = lockFile(options.actionDir, options.version);
  if (!fs.existsSync(lock)) {
    const shipped = fs.existsSync(path.dirname(lock))
      ? fs.readdirSync(path.dirname(lock)).map((f) => f.replace(/^pip-audit-|\.txt$/g, ''))
      : [];
    throw new InputError(
      `'pip-audit-version' ${options.version} has no hashed lock in this action; use one of ${shipped.join(', ') || '(none)'}, or put that pip-audit on PATH.`,
    );
  }
  const hash = createHash('sha256').update(fs.readFileSync(lock)).digest('hex').slice(0, 12);
  const cacheRoot = process.env.RUNNER_TOOL_CACHE || process.env.RUNNER_TEMP;
  if (!cacheRoot)
    throw new ToolError('neither RUNNER_TOOL_CACHE nor RUNNER_TEMP is set; cannot install pip-audit');
  const venv = path.join(cacheRoot, 'deploy-kit-pip-audit', `${options.version}-${hash}`);
  const bin = path.join(venv, 'bin', 'pip-audit');
  if (fs.existsSync(path.join(venv, '.complete'))) {
    core.info(`Using cached pip-audit ${options.version} in ${venv}`);
    return bin;
  }
  fs.rmSync(venv, { recursive: true, force: true });
  const run = async (cmd: string, args: string[], what: string): Promise<void> => {
    const out = await withProgress(
      () => `still working to ${what}`,
      () => spawnBounded(cmd, args, { signal: options.limits.signal }),
    ).catch((error: unknown) => {
      throw new ToolError(`could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (out.stdout.trim() !== '') core.info(out.stdout.trimEnd());
    if (out.stderr.trim() !== '') core.info(out.stderr.trimEnd());
    if (out.stopped !== undefined || out.exitCode !== 0) fs.rmSync(venv, { recursive: true, force: true });
    if (out.stopped !== undefined) throw stoppedError(options.limits, `trying to ${what}`);
    if (out.exitCode !== 0) {
      const last = `${out.stdout}\n${out.stderr}`.trim().split('\n').at(-1) ?? '';
      throw new ToolError(`could not ${what} (exit ${out.exitCode}): ${last}`);
    }
  };
  await run(options.python, ['-m', 'venv', venv], `create a venv with '${options.python}'`);
  await run(
    path.join(venv, 'bin', 'python'),
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-input',
      '--require-hashes',
      '--no-deps',
      '-r',
      lock,
    ],
    `install pip-audit ${options.version} from its hashed lock`,
  );
  fs.writeFileSync(path.join(venv, '.complete'), '');
  return bin;
}
