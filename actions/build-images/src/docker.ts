import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import * as exec from '@actions/exec';
import { ToolError, toolEnv } from '@deploy-kit/shared';
import { lastErrorLine } from './buildlog';

/**
 * The docker CLI, always called with an argv array (never a shell string).
 * DOCKER_HOST and friends come from the environment (toolEnv: without the runner's file
 * commands); `extraEnv` adds our own (DOCKER_CONFIG for a private login, DOCKER_BUILDKIT).
 */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type BuilderKind = 'buildx' | 'buildkit' | 'legacy';

export interface Builder {
  kind: BuilderKind;
  /** The docker binary that builds (the BuildKit-capable one may differ from the first on PATH). */
  binary: string;
  clientVersion: string;
}

export class Docker {
  constructor(
    readonly binary: string,
    private extraEnv: Record<string, string> = {},
  ) {}

  setEnv(name: string, value: string): void {
    this.extraEnv[name] = value;
  }

  get env(): Record<string, string> {
    return definedEnv(toolEnv(process.env, this.extraEnv));
  }

  async run(
    args: string[],
    options: { input?: Buffer; silent?: boolean; binary?: string; env?: Record<string, string> } = {},
  ): Promise<ExecResult> {
    try {
      return await exec.getExecOutput(options.binary ?? this.binary, args, {
        ignoreReturnCode: true,
        silent: options.silent ?? true,
        env: { ...this.env, ...(options.env ?? {}) },
        ...(options.input ? { input: options.input } : {}),
      });
    } catch (error) {
      throw new ToolError(`could not run ${options.binary ?? this.binary}: ${(error as Error).message}`);
    }
  }

  /** Run and throw a ToolError naming `what` with docker's own last error line on failure. */
  async must(args: string[], what: string, options: { silent?: boolean } = {}): Promise<ExecResult> {
    const result = await this.run(args, options);
    if (result.exitCode !== 0)
      throw new ToolError(`${what} failed: ${lastErrorLine(result.stderr || result.stdout)}`);
    return result;
  }

  async serverVersion(): Promise<string> {
    const result = await this.run(['version', '--format', '{{.Server.Version}}']);
    const version = result.stdout.trim();
    if (result.exitCode !== 0 || version === '')
      throw new ToolError(
        `the Docker daemon at ${process.env.DOCKER_HOST || 'the default socket'} does not answer (${lastErrorLine(result.stderr)}); start it or set DOCKER_HOST`,
      );
    return version;
  }

  async imageInfo(ref: string): Promise<{ id: string; size: number; repoDigests: string[] }> {
    const result = await this.must(
      ['image', 'inspect', '--format', '{{json .Id}} {{json .Size}} {{json .RepoDigests}}', ref],
      `docker image inspect ${ref}`,
    );
    const [id, size, digests] = result.stdout.trim().split(' ');
    return { id: JSON.parse(id ?? '""'), size: Number(size), repoDigests: JSON.parse(digests ?? '[]') ?? [] };
  }

  /** `docker save` of every ref, gzip-compressed into `file` (written next to it, then renamed). */
  async saveGzip(refs: readonly string[], file: string): Promise<void> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const child = spawn(this.binary, ['save', ...refs], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
    try {
      await pipeline(child.stdout, createGzip(), fs.createWriteStream(tmp, { mode: 0o644 }));
      const code = await exited;
      if (code !== 0)
        throw new ToolError(
          `docker save to ${file} failed: ${lastErrorLine(Buffer.concat(stderr).toString())}`,
        );
      fs.renameSync(tmp, file);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
}

/** An environment without unset names, as @actions/exec takes it. */
export function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Every distinct `docker` executable on PATH, in PATH order. */
export function dockerBinaries(pathEnv = process.env.PATH ?? ''): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  for (const dir of pathEnv.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'docker');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      const real = fs.realpathSync(candidate);
      if (seen.has(real)) continue;
      seen.add(real);
      found.push(candidate);
    } catch {
      // not here
    }
  }
  return found;
}

function major(version: string): number {
  return Number(/^(\d+)/.exec(version)?.[1] ?? NaN);
}

/**
 * Choose how to build, by asking the tools rather than assuming paths:
 * buildx when the first docker has it; else a docker CLI older than 23 (whose
 * `DOCKER_BUILDKIT=1 docker build` drives the daemon's own BuildKit, which
 * newer CLIs hand to buildx instead); else the legacy builder.
 */
export async function detectBuilder(docker: Docker, wanted: 'auto' | BuilderKind): Promise<Builder> {
  const binaries = dockerBinaries();
  if (binaries.length === 0)
    throw new ToolError('no docker executable on PATH; install the Docker CLI on the runner');
  const first = binaries[0] as string;
  // `docker --version` answers without the daemon; every probe runs at once (each CLI start costs ~0.1 s).
  const clientVersion = async (binary: string): Promise<string> =>
    /version ([^\s,]+)/i.exec((await docker.run(['--version'], { binary })).stdout)?.[1] ?? '';
  const [server, bx, versions] = await Promise.all([
    docker.serverVersion(),
    wanted === 'auto' || wanted === 'buildx'
      ? docker.run(['buildx', 'version'], { binary: first })
      : undefined,
    Promise.all(binaries.map(clientVersion)),
  ]);

  if (bx?.exitCode === 0) return { kind: 'buildx', binary: first, clientVersion: bx.stdout.trim() };
  if (wanted === 'buildx')
    throw new ToolError(
      `'builder' is buildx but '${first} buildx' is not available; install the buildx plugin`,
    );
  if ((wanted === 'auto' || wanted === 'buildkit') && major(server) >= 18) {
    const index = versions.findIndex((v) => major(v) >= 18 && major(v) < 23);
    if (index >= 0)
      return {
        kind: 'buildkit',
        binary: binaries[index] as string,
        clientVersion: versions[index] as string,
      };
    if (wanted === 'buildkit')
      throw new ToolError(
        `'builder' is buildkit but no docker CLI on PATH can use the daemon's BuildKit without buildx; install buildx`,
      );
  }
  return { kind: 'legacy', binary: first, clientVersion: versions[0] ?? '' };
}

export function describeBuilder(builder: Builder): string {
  const what = {
    buildx: 'docker buildx build',
    buildkit: 'docker build (BuildKit)',
    legacy: 'docker build (legacy builder)',
  }[builder.kind];
  return `${what}, ${builder.binary} ${builder.clientVersion}`;
}
