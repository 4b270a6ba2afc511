import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  isReleasePath,
  parentDirs,
  readShippedFiles,
} from '../../../actions/remote-deploy/src/model/release-files';

describe('release paths (issue 14 E1)', () => {
  test('workspace-relative, plain segments only', () => {
    expect(isReleasePath('deploy/docker-compose.yml')).toBe(true);
    expect(isReleasePath('deploy/nginx/nginx.conf')).toBe(true);
    for (const bad of ['../x', 'a/../b', '-rf', 'a/-x', '.hidden', 'a b', "a'b", '', 'a//b', '/abs'])
      expect(isReleasePath(bad)).toBe(false);
  });

  test('parent dirs, parents first', () => {
    expect(parentDirs(['c.yml', 'deploy/nginx/a.conf', 'deploy/b.yml', 'deploy/nginx/sub/x'])).toEqual([
      'deploy',
      'deploy/nginx',
      'deploy/nginx/sub',
    ]);
  });

  test('files: directories walked, modes without group/other write, symlinks and escapes refused', () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-files-'));
    const saved = process.env.GITHUB_WORKSPACE;
    process.env.GITHUB_WORKSPACE = ws;
    try {
      fs.mkdirSync(path.join(ws, 'deploy', 'nginx', 'conf.d'), { recursive: true });
      fs.writeFileSync(path.join(ws, 'deploy', 'nginx', 'nginx.conf'), 'events {}\n', { mode: 0o666 });
      fs.writeFileSync(path.join(ws, 'deploy', 'nginx', 'conf.d', 'site.conf'), 'server {}\n');
      fs.writeFileSync(path.join(ws, 'run.sh'), '#!/bin/sh\n', { mode: 0o777 });
      fs.chmodSync(path.join(ws, 'deploy', 'nginx', 'nginx.conf'), 0o666);
      fs.chmodSync(path.join(ws, 'run.sh'), 0o777);
      const files = readShippedFiles(['deploy/nginx', 'run.sh']);
      expect(files.map((f) => [f.name, f.mode.toString(8)])).toEqual([
        [
          'deploy/nginx/conf.d/site.conf',
          (fs.statSync(path.join(ws, 'deploy/nginx/conf.d/site.conf')).mode & 0o755).toString(8),
        ],
        ['deploy/nginx/nginx.conf', '644'],
        ['run.sh', '755'],
      ]);
      expect(() => readShippedFiles(['../etc'])).toThrow(/'files' must be a path inside the workspace/);
      expect(() => readShippedFiles(['missing'])).toThrow(
        "'files' entry missing does not exist in the workspace.",
      );
      fs.symlinkSync('/etc/passwd', path.join(ws, 'deploy', 'nginx', 'link'));
      expect(() => readShippedFiles(['deploy'])).toThrow(/holds a symlink \(link\)/);
      fs.writeFileSync(path.join(ws, '.env'), 'A=1\n');
      expect(() => readShippedFiles(['.env'])).toThrow(/'files' entry \.env must be a workspace path/);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
      else process.env.GITHUB_WORKSPACE = saved;
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
