import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunActionResult } from '@deploy-kit/harness';
import { currentRelease, deploy, docker, hosts } from './helpers';
import {
  makeMigrationsApp,
  MIGRATIONS_COMPOSE,
  migrationsAppImage,
  migrationsDeployInputs,
  removeMigrationsApp,
  type MigrationsApp,
  type Release,
} from './migrations-app';

/**
 * (e) backup-volumes: a media volume survives a deploy and its rollback, and the archive taken
 * before the switch restores byte for byte (through the committed bundle, on the sandbox).
 */

jest.setTimeout(300_000);

const host = hosts[0]!;
let app: MigrationsApp;
const image: Partial<Record<Release, string>> = {};

beforeAll(() => {
  image['1.0'] = migrationsAppImage('1.0');
  image['2.0'] = migrationsAppImage('2.0');
  app = makeMigrationsApp(host);
  fs.writeFileSync(
    path.join(app.workspace, 'docker-compose.yml'),
    `${MIGRATIONS_COMPOSE}    volumes:\n      - media:/media\nvolumes:\n  media: {}\n`,
  );
}, 600_000);

afterAll(() => {
  if (!app) return;
  removeMigrationsApp(app);
  try {
    docker(['volume', 'rm', `${app.project}_media`]);
  } catch {
    // already gone
  }
});

function run(
  version: string,
  release: Release,
  extra: Record<string, string> = {},
): Promise<RunActionResult> {
  return deploy({ workspace: app.workspace } as never, {
    ...migrationsDeployInputs(app, image[release] ?? '', version),
    'env-file': 'app.env',
    'health-timeout': '12s',
    'lock-timeout': '5s',
    ...extra,
  });
}

/** `script` (sh) in a throwaway container of the 1.0 image with the media volume at /m: its output. */
function inMediaVolume(script: string, mount: 'ro' | 'rw' = 'ro'): string {
  return docker([
    'run',
    '--rm',
    '--network',
    'none',
    '--user',
    '0',
    '--entrypoint',
    'sh',
    '-v',
    `${app.project}_media:/m${mount === 'ro' ? ':ro' : ''}`,
    image['1.0'] as string,
    '-c',
    script,
  ]);
}

/** sha256 of every file in the media volume, by path. */
function volumeHashes(): Record<string, string> {
  const out = inMediaVolume('cd /m && find . -type f -print0 | sort -z | xargs -0 sha256sum');
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(66), l.slice(0, 64)]),
  );
}

test('(e) a media volume survives a deploy and its rollback; its archive restores byte for byte', async () => {
  expect((await run('v1', '1.0')).exitCode).toBe(0);
  inMediaVolume(
    'mkdir -p /m/uploads/2026 && head -c 300000 /dev/urandom > /m/uploads/2026/photo.bin && printf "caf\\303\\251 \\n" > "/m/uploads/name with space.txt" && chmod 640 /m/uploads/2026/photo.bin',
    'rw',
  );
  const written = volumeHashes();
  expect(Object.keys(written).sort()).toEqual(['./uploads/2026/photo.bin', './uploads/name with space.txt']);

  const failed = await run('v2', '2.0', { 'backup-volumes': 'media' });
  expect(failed.exitCode).not.toBe(0);
  expect(currentRelease(app.projectDir)).toBe('v1');
  const archive = (JSON.parse(failed.outputs.results ?? '{}') as { hosts: { media?: string[] }[] }).hosts[0]
    ?.media?.[0] as string;
  expect(archive).toMatch(/-before-v2\.media\.tar\.gz$/);
  expect(failed.stdout).toMatch(/media=\S+-before-v2\.media\.tar\.gz bytes=\d+ files=2/);
  // The volume survived the deploy and the rollback.
  expect(volumeHashes()).toEqual(written);

  // The archive restores byte for byte.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-media-'));
  execFileSync('tar', ['-xzf', archive, '-C', dir]);
  const sha = (f: string) =>
    createHash('sha256')
      .update(fs.readFileSync(path.join(dir, f)))
      .digest('hex');
  for (const [file, hash] of Object.entries(written)) expect(sha(file)).toBe(hash);
  expect((fs.statSync(path.join(dir, 'uploads/2026/photo.bin')).mode & 0o777).toString(8)).toBe('640');
  fs.rmSync(dir, { recursive: true, force: true });
});
