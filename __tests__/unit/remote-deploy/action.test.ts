import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import { utils } from 'ssh2';
import { parseInputs, remoteDeployAction } from '../../../actions/remote-deploy/src/action';

/** The typed entry point: the definition, and parseInputs over raw inputs with working-directory. */

const saved = process.env.GITHUB_WORKSPACE;
let workspace: string;
beforeEach(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-action-'));
  process.env.GITHUB_WORKSPACE = workspace;
  fs.mkdirSync(path.join(workspace, 'app/deploy'), { recursive: true });
  fs.mkdirSync(path.join(workspace, 'app/nginx'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'app/deploy/compose.yml'), 'services:\n  web:\n    image: x\n');
  fs.writeFileSync(path.join(workspace, 'app/nginx/nginx.conf'), 'events {}\n');
  fs.writeFileSync(path.join(workspace, 'app/prod.env'), 'DB_PASSWORD=hunter2-very-secret\nDEBUG=0\n');
});
afterEach(() => {
  process.env.GITHUB_WORKSPACE = saved;
  fs.rmSync(workspace, { recursive: true, force: true });
});

const key = utils.generateKeyPairSync('ed25519').private;
const raw = (extra: Record<string, string> = {}) => ({
  hosts: 'deploy@127.0.0.1',
  'private-key': key,
  'project-dir': '/srv/app',
  version: '1.0',
  ...extra,
});

test('the definition: name, secret inputs, action.yml defaults', () => {
  expect(remoteDeployAction.name).toBe('remote-deploy');
  expect(remoteDeployAction.secretInputs).toEqual(['private-key', 'passphrase', 'registry-password']);
  expect(remoteDeployAction.defaults).toMatchObject({ parallel: '10', 'working-directory': '.' });
});

test('compose-files, files and env-file resolve against working-directory; release paths stay workspace paths', () => {
  const inputs = remoteDeployAction.parseInputs(
    raw({
      'working-directory': 'app',
      'compose-files': 'deploy/compose.yml',
      files: 'nginx',
      'env-file': 'prod.env',
      'migrate-command': `python manage.py migrate --database 'default'`,
    }),
  );
  expect(inputs.composeFileNames).toEqual(['app/deploy/compose.yml']);
  expect(inputs.shippedFiles.map((f) => f.name)).toEqual(['app/nginx/nginx.conf']);
  expect(inputs.envFile?.content.toString()).toContain('DEBUG=0');
  expect(inputs.secretValues).toContain('hunter2-very-secret');
  expect(inputs.migrateCommand).toEqual(['python', 'manage.py', 'migrate', '--database', 'default']);
  // Defaults from action.yml apply to inputs the caller left out.
  expect(inputs).toMatchObject({
    parallel: 10,
    healthTimeoutMs: 120_000,
    transfer: 'registry',
    dryRun: false,
  });
});

test('a working-directory outside the workspace, and a file missing in it, are input errors', () => {
  expect(() => parseInputs(raw({ 'working-directory': '..', 'compose-files': 'x.yml' }))).toThrow(
    /^'working-directory' must be a path inside the workspace/,
  );
  expect(() => parseInputs(raw({ 'compose-files': 'deploy/compose.yml' }))).toThrow(InputError);
  expect(() => parseInputs(raw({ 'compose-files': 'deploy/compose.yml' }))).toThrow(
    "'compose-files' entry deploy/compose.yml does not exist in the workspace.",
  );
});
