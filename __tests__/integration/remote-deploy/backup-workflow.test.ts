import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '@deploy-kit/harness';
import { WorkflowRunner } from '../../../packages/harness/src/workflow/runner';
import type { StepRun, WorkflowRun } from '../../../packages/harness/src/workflow/types';
import { deploy, hosts, knownHosts, releaseLog, sandbox } from './helpers';
import {
  insertItem,
  makeMigrationsApp,
  migrationsAppImage,
  migrationsDeployInputs,
  names,
  removeMigrationsApp,
  type MigrationsApp,
} from './migrations-app';

/**
 * (g) workflows-examples/backup.yml through the local workflow runner (GitHub's own parsers and
 * expression engine), its remote-deploy step the committed bundle against the sandbox. The test
 * copy of the workflow changes only the user's own settings (DEPLOY_HOSTS, user, project-dir);
 * the keys and the database connection are the production environment's secrets, as the file's
 * header asks. Scheduled: a verified backup of the serving release; dispatched with a dump's
 * name: the restore.
 */

jest.setTimeout(300_000);

const host = hosts[0]!;
let app: MigrationsApp;
let root: string;
let runner: WorkflowRunner;

function git(args: string[], cwd: string): string {
  return execFileSync('git', ['-c', 'user.name=dev', '-c', 'user.email=dev@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();
}

/** backup.yml with this user's hosts, SSH user and project folder; nothing else changes. */
function prepareWorkflow(): string {
  const dir = path.join(root, 'workflows');
  fs.mkdirSync(dir);
  const hostsJson = JSON.stringify([
    { host: host.host, port: host.port, 'project-dir': app.projectDir, 'project-name': app.project },
  ]);
  const edits: [RegExp, string][] = [
    [/^(\s+)DEPLOY_HOSTS: .*$/m, `$1DEPLOY_HOSTS: ${JSON.stringify(hostsJson)}`],
    [/^(\s+)user: deploy$/m, `$1user: ${sandbox.ssh.user}`],
    [/^(\s+)project-dir: \/srv\/app$/m, `$1project-dir: ${app.projectDir}`],
  ];
  let text = fs.readFileSync(path.join(REPO_ROOT, 'workflows-examples', 'backup.yml'), 'utf8');
  for (const [from, to] of edits) {
    expect(text).toMatch(from);
    text = text.replace(from, to);
  }
  fs.writeFileSync(path.join(dir, 'backup.yml'), text);
  return dir;
}

beforeAll(async () => {
  app = makeMigrationsApp(host);
  const first = await deploy({ workspace: app.workspace } as never, {
    ...migrationsDeployInputs(app, migrationsAppImage('1.0'), '1.0'),
    'env-file': 'app.env',
  });
  expect(first.exitCode).toBe(0);

  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-backup-'));
  const origin = path.join(root, 'origin');
  fs.mkdirSync(origin);
  git(['init', '--quiet', '--initial-branch=main'], origin);
  git(['commit', '--quiet', '--allow-empty', '-m', 'chore: start'], origin);
  const pg = sandbox.postgres;
  runner = new WorkflowRunner({
    workflowsDir: prepareWorkflow(),
    repository: 'example/app',
    origin,
    environments: {
      production: {
        secrets: {
          SSH_PRIVATE_KEY: fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
          SSH_KNOWN_HOSTS: knownHosts([host]),
          PGHOST: pg.host,
          PGPORT: String(pg.port),
          PGUSER: pg.user,
          PGPASSWORD: pg.password,
          PGDATABASE: app.database,
        },
      },
    },
    stepTimeoutMs: 180_000,
  });
}, 600_000);

afterAll(() => {
  runner?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
  if (app) removeMigrationsApp(app);
});

/** The one run a trigger started, its backup step and its "Say what was done" step. */
function only(runs: WorkflowRun[]): { run: WorkflowRun; backup: StepRun; said: StepRun } {
  expect(runs.map((r) => r.workflow)).toEqual(['backup']);
  const run = runs[0]!;
  const steps = run.jobs.backup?.instances[0]?.steps ?? [];
  const backup = steps.find((s) => s.id === 'backup');
  const said = steps.at(-1);
  if (!backup || !said) throw new Error(`backup.yml's steps did not run: ${JSON.stringify(run.jobs)}`);
  return { run, backup, said };
}

async function insertWhenUp(name: string): Promise<number> {
  for (let i = 0; ; i++)
    try {
      return await insertItem(app, name);
    } catch (error) {
      if (i >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

test('(g) backup.yml: the nightly run backs up and proves the dump; a dispatch with its name restores it', async () => {
  expect(await insertItem(app, 'kept')).toBe(201);
  const nightly = only(await runner.schedule('backup.yml'));
  expect(nightly.run.event.name).toBe('schedule');
  expect(nightly.run.conclusion).toBe('success');
  expect(nightly.backup.outcome).toBe('success');
  expect(nightly.backup.log).toMatch(/verified=\S+-scheduled-1\.0\.sql\.gz tables=\d+ rows=[1-9]/);
  const dump = path.basename(
    (JSON.parse(nightly.backup.outputs.results ?? '{}') as { hosts: { backup: string }[] }).hosts[0]!.backup,
  );
  expect(dump).toMatch(/-scheduled-1\.0\.sql\.gz$/);
  expect(nightly.said.outcome).toBe('success');
  expect(nightly.said.log).toContain('passed');
  expect(fs.readlinkSync(path.join(app.projectDir, 'current'))).toBe('releases/1.0');
  expect(releaseLog(app.projectDir).at(-1)).toMatchObject({ version: '1.0', outcome: 'backup' });
  expect(runner.approvals).toEqual([
    expect.objectContaining({ environment: 'production', event: 'schedule' }),
  ]);

  // (d) A truncated dump is refused by backup-verify before anything changes: writers keep running.
  const full = fs.readFileSync(path.join(app.projectDir, 'backups', dump));
  const cut = dump.replace(/\.sql\.gz$/, '-cut.sql.gz');
  fs.writeFileSync(path.join(app.projectDir, 'backups', cut), full.subarray(0, Math.floor(full.length / 2)));
  const refused = only(await runner.dispatch('backup.yml', 'main', { 'restore-backup': cut }));
  expect(refused.run.conclusion).toBe('failure');
  expect(refused.backup.outcome).toBe('failure');
  expect(refused.backup.log).toContain('is not valid gzip (truncated or corrupted)');
  expect(refused.backup.log).not.toContain('stopped: web');
  // `if: always()`: the last step still says what happened.
  expect(refused.said.outcome).toBe('success');
  expect(await insertItem(app, 'lost')).toBe(201);
  expect(names(app)).toEqual(['kept', 'lost']);

  const restore = only(await runner.dispatch('backup.yml', 'main', { 'restore-backup': dump }));
  expect(restore.run.event.name).toBe('workflow_dispatch');
  expect(restore.run.conclusion).toBe('success');
  expect(restore.run.summary).toContain(`Database restored from ${dump}`);
  expect(restore.backup.log).toContain('stopped: web');
  expect(names(app)).toEqual(['kept']);
  // backup.yml has no health-url: the restarted gunicorn may still be binding its port.
  expect(await insertWhenUp('after')).toBe(201);
  expect(releaseLog(app.projectDir).at(-1)).toMatchObject({ version: '1.0', outcome: 'restored' });
});
