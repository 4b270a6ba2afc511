import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as core from '@actions/core';
import { toolEnv, ToolError, withProgress } from '@deploy-kit/shared';
import type { Inputs } from '../inputs';

/** no-registry mode: one gzip'd `docker save` on the runner, streamed to every host. */
export async function saveImages(inputs: Inputs): Promise<string> {
  const images = [...new Set(Object.values(inputs.images))];
  if (images.length === 0) throw new ToolError(`image-transfer: ssh needs 'images' to know what to send`);
  const dir = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'remote-deploy-'));
  const file = path.join(dir, 'images.tar.gz');
  await core.group(`Save ${images.join(', ')} on the runner`, async () => {
    const child = spawn('docker', ['save', ...images], { stdio: ['ignore', 'pipe', 'pipe'], env: toolEnv() });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.on('error', () => undefined);
    const code = await withProgress(
      () => `still saving ${images.join(', ')} on the runner`,
      async () => {
        await pipeline(child.stdout, createGzip({ level: 1 }), fs.createWriteStream(file, { mode: 0o600 }));
        return exited;
      },
    );
    if (code !== 0)
      throw new ToolError(
        `docker save ${images.join(' ')} failed on the runner (exit ${code}): ${Buffer.concat(stderr).toString().trim()}`,
      );
    core.info(`${Math.round(fs.statSync(file).size / 1024)} KiB to send to each host`);
  });
  return file;
}
