import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveInWorkspace, writeFileAtomic } from '@deploy-kit/shared';

describe('workspace paths', () => {
  let ws: string;
  let outside: string;
  const saved = process.env.GITHUB_WORKSPACE;
  beforeEach(() => {
    ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dk-ws-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dk-out-')));
    process.env.GITHUB_WORKSPACE = ws;
  });
  afterAll(() => {
    process.env.GITHUB_WORKSPACE = saved;
  });

  test('accepts paths inside, including ones that do not exist yet', () => {
    expect(resolveInWorkspace('output', 'deploy/.env')).toBe(path.join(ws, 'deploy/.env'));
  });

  test('refuses ../ and absolute paths outside', () => {
    expect(() => resolveInWorkspace('output', '../x')).toThrow(
      /'output' must be a path inside the workspace/,
    );
    expect(() => resolveInWorkspace('template', '/etc/passwd')).toThrow(/'template' must be a path inside/);
  });

  test('resolves from a working directory, still inside the workspace, quoting the value as given', () => {
    const app = path.join(ws, 'app');
    expect(resolveInWorkspace('output', '.env', app)).toBe(path.join(app, '.env'));
    expect(resolveInWorkspace('output', '../shared/.env', 'app')).toBe(path.join(ws, 'shared/.env'));
    expect(() => resolveInWorkspace('output', '../../x', app)).toThrow(
      `'output' must be a path inside the workspace (${ws}), got '../../x'.`,
    );
  });

  test('refuses a symlink that leads outside', () => {
    fs.symlinkSync(outside, path.join(ws, 'link'));
    expect(() => resolveInWorkspace('output', 'link/.env')).toThrow(/inside the workspace/);
  });

  test('atomic write leaves mode 0600 and no temp file', () => {
    const file = path.join(ws, 'sub', '.env');
    writeFileAtomic(file, 'A=1\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('A=1\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['.env']);
  });
});
