import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunActionResult } from '@deploy-kit/harness';
import { backupFiles, containerOf, dbImage, DB_PORTS, expectPortFree, sql, waitHealthy } from './databases';
import {
  baseInputs,
  buildAppImages,
  cleanup,
  COMPOSE,
  currentRelease,
  deploy,
  docker,
  hosts,
  makeApp,
  releaseLog,
  served,
  uniqueId,
  type App,
  type Host,
} from './helpers';

/**
 * The backup presets against real servers: PostgreSQL and MariaDB from db-image/, as the `db`
 * service of the deployed project (postgres, mysql: the dump runs inside it) or as a server
 * the host reaches on 127.0.0.1 (mysql-host: the host's mariadb-client dumps it).
 */

jest.setTimeout(300_000);

let images: ReturnType<typeof buildAppImages>;
let dbTag: string;
const apps: [App, Host[]][] = [];
const containers: string[] = [];

beforeAll(async () => {
  for (const port of Object.values(DB_PORTS)) await expectPortFree(port);
  images = buildAppImages();
  dbTag = dbImage();
}, 600_000);

afterAll(() => {
  apps.forEach(([app, targets]) => cleanup(app, targets));
  if (containers.length > 0) docker(['rm', '-f', ...containers]);
  // Project dirs on the hosts (dumps included), the workspaces and data dirs.
  for (const [app] of apps)
    for (const dir of [...app.projectDirs, app.workspace, app.dataDir])
      fs.rmSync(dir, { recursive: true, force: true });
});

/** One app on one host, its env file rewritten before each deploy so each release's .env is recognisable. */
class Scenario {
  readonly app: App;
  readonly dir: string;
  readonly backups: string;
  readonly project: string;
  envExtra = '';
  private readonly envBase: string;

  constructor(
    readonly host: Host,
    readonly inputs: Record<string, string>,
    compose?: string,
  ) {
    this.app = makeApp([host]);
    apps.push([this.app, [host]]);
    this.dir = this.app.projectDirs[0] as string;
    this.backups = path.join(this.dir, 'backups');
    this.project = `rd${this.app.id}${host.name}`;
    if (compose) fs.writeFileSync(path.join(this.app.workspace, 'docker-compose.yml'), compose);
    this.envBase = fs.readFileSync(path.join(this.app.workspace, 'app.env'), 'utf8');
  }

  async deploy(version: string, image: string, extra: Record<string, string> = {}): Promise<RunActionResult> {
    fs.writeFileSync(
      path.join(this.app.workspace, 'app.env'),
      `${this.envBase}${this.envExtra}RELEASE=${version}\n`,
    );
    return deploy(this.app, {
      ...baseInputs(this.app, [this.host]),
      'health-timeout': '60s',
      ...this.inputs,
      images: `web=${image}`,
      version,
      ...extra,
    });
  }

  async deployOk(version: string, image: string): Promise<RunActionResult> {
    const result = await this.deploy(version, image);
    expect(result.error).toBeUndefined();
    expect(currentRelease(this.dir)).toBe(version);
    return result;
  }

  /** What must not change when a backup fails. */
  async state(): Promise<{ release?: string; env: string; served: string; web: string; dumps: string[] }> {
    return {
      release: currentRelease(this.dir),
      env: fs.readFileSync(path.join(this.dir, 'current', '.env'), 'utf8'),
      served: await served(this.host, this.app),
      web: containerOf(this.project, 'web'),
      dumps: backupFiles(this.backups).dumps,
    };
  }

  /** The failed deploy stopped at the backup: same release, env file, container and dumps; nothing left behind. */
  async expectStoppedBeforeChange(
    result: RunActionResult,
    before: Awaited<ReturnType<Scenario['state']>>,
    failedVersion: string,
    error: RegExp,
  ): Promise<void> {
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(error);
    expect(result.summary).toContain('No host was switched');
    expect(await this.state()).toEqual(before);
    expect(backupFiles(this.backups).other).toEqual([]);
    expect(releaseLog(this.dir).at(-1)).toMatchObject({ version: failedVersion, outcome: 'failed' });
  }
}

function gunzip(file: string): string {
  return execFileSync('gzip', ['-dc', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function backupOutput(result: RunActionResult): string | undefined {
  return (JSON.parse(result.outputs.results ?? '{}') as { hosts: { backup?: string }[] }).hosts[0]?.backup;
}

/** A deploy's dump: named in the results output, gunzips to SQL containing the marker row. */
function expectDumpWithMarker(s: Scenario, result: RunActionResult, marker: string, header: RegExp): void {
  const file = backupOutput(result);
  expect(file).toBeDefined();
  expect(path.dirname(file as string)).toBe(s.backups);
  const text = gunzip(file as string);
  expect(text).toMatch(header);
  expect(text).toContain(marker);
  expect(fs.statSync(s.backups).mode & 0o777).toBe(0o700);
}

/** backup-keep: 2 after three dumps: exactly the two newest remain. */
function expectKept(s: Scenario, newest: (string | undefined)[]): void {
  const { dumps, other } = backupFiles(s.backups);
  expect(other).toEqual([]);
  expect(dumps).toHaveLength(2);
  expect(dumps).toEqual(newest.map((f) => path.basename(f as string)).sort());
}

/**
 * A Scenario whose project has a `db` service (the db image running `command` with `environment`,
 * its password DB_PASSWORD from the env file), backed up by `preset` in that service, two dumps
 * kept, each restored into a scratch database and counted.
 */
function dbServiceScenario(
  host: Host,
  preset: 'postgres' | 'mysql',
  command: 'postgres' | 'mariadb',
  environment: string[],
  password: string,
): Scenario {
  const s = new Scenario(
    host,
    {
      backup: preset,
      'backup-keep': '2',
      'backup-verify': 'restore',
      'backup-verify-query': 'SELECT COUNT(*) FROM orders',
    },
    `${COMPOSE}  db:
    image: ${dbTag}
    network_mode: host
    init: true
    command: ["${command}"]
    environment:
${environment.map((line) => `      ${line}\n`).join('')}`,
  );
  s.envExtra = `DB_PASSWORD=${password}\n`;
  return s;
}

/**
 * 1.0; a marker row (`insert`) in the db service; 2.0, whose dump (in the results output) holds
 * the row, passes `checkDump` (before backup-keep removes it) and was verified by a restore; 3.0
 * and 4.0, after which only their two dumps remain. 2.0 does not show the password.
 */
async function expectDumpsOfDbService(
  s: Scenario,
  kind: 'postgres' | 'mariadb',
  insert: (marker: string) => string,
  header: RegExp,
  password: string,
  checkDump: (text: string) => void = () => undefined,
): Promise<{ db: string; first: RunActionResult; second: RunActionResult }> {
  const first = await s.deployOk('1.0', images.v1);
  const db = containerOf(s.project, 'db');
  const marker = `marker-${uniqueId()}`;
  sql(db, kind, insert(marker));

  const second = await s.deployOk('2.0', images.v2);
  expect(second.leaks([password])).toEqual([]);
  expectDumpWithMarker(s, second, marker, header);
  checkDump(gunzip(backupOutput(second) as string));
  expect(second.log).toMatch(/backup verified: .*verified=\S+-before-2\.0\.sql\.gz tables=1 rows=1/);
  const third = await s.deployOk('3.0', images.v3);
  const fourth = await s.deployOk('4.0', images.v2);
  expectKept(s, [backupOutput(third), backupOutput(fourth)]);
  return { db, first, second };
}

const failure = (preset: string, how: string, host: Host, cause: string): RegExp =>
  new RegExp(
    `^Could not run: pre-deploy backup '${preset}' \\(${how}\\) on ${host.host.replace(/\./g, '\\.')}:${host.port} exited with \\d+; last output: .*${cause}`,
  );

test('backup: postgres runs pg_dump inside the db service of the current release; a stopped db stops the deploy', async () => {
  const host = hosts[0] as Host;
  const password = `pg-${uniqueId()}-${uniqueId()}`;
  const s = dbServiceScenario(
    host,
    'postgres',
    'postgres',
    [
      `PGPORT: "${DB_PORTS.postgres}"`,
      'POSTGRES_USER: shop',
      'POSTGRES_DB: shop',
      'POSTGRES_PASSWORD: ${DB_PASSWORD}',
    ],
    password,
  );
  const { db, first, second } = await expectDumpsOfDbService(
    s,
    'postgres',
    (marker) => `CREATE TABLE orders (note text); INSERT INTO orders VALUES ('${marker}');`,
    /PostgreSQL database dump/,
    password,
  );
  expect(first.log).toContain('no current release: nothing to back up');
  expect(second.log).toMatch(/Backup and migrations on/);
  expect(containerOf(s.project, 'db')).toBe(db);

  docker(['stop', db]);
  const before = await s.state();
  const failed = await s.deploy('5.0', images.v3);
  await s.expectStoppedBeforeChange(
    failed,
    before,
    '5.0',
    failure('postgres', 'pg_dump in service db', host, 'service db has no running container'),
  );
  expect(failed.leaks([password])).toEqual([]);
});

test('backup: mysql runs mysqldump inside the db service with the image credentials; a wrong password or a missing service stops the deploy', async () => {
  const host = hosts[1] as Host;
  const password = `my-${uniqueId()}-${uniqueId()}`;
  const s = dbServiceScenario(
    host,
    'mysql',
    'mariadb',
    [
      `MYSQL_TCP_PORT: "${DB_PORTS.mariadb}"`,
      'MYSQL_DATABASE: shop',
      'MYSQL_USER: shop',
      'MYSQL_PASSWORD: ${DB_PASSWORD}',
      'MYSQL_RANDOM_ROOT_PASSWORD: "yes"',
    ],
    password,
  );
  const { db } = await expectDumpsOfDbService(
    s,
    'mariadb',
    (marker) => `CREATE TABLE shop.orders (note text); INSERT INTO shop.orders VALUES ('${marker}');`,
    /^-- (MariaDB|MySQL) dump/m,
    password,
    (text) => expect(text.trimEnd()).toMatch(/\n-- Dump completed on [^\n]*$/),
  );

  // The password was changed in the database but not in the container's environment.
  sql(db, 'mariadb', `ALTER USER 'shop'@'%' IDENTIFIED BY 'rotated-${uniqueId()}';`);
  let before = await s.state();
  const wrong = await s.deploy('5.0', images.v3);
  await s.expectStoppedBeforeChange(
    wrong,
    before,
    '5.0',
    failure('mysql', 'mysqldump in service db', host, 'Access denied for user .shop.'),
  );
  expect(wrong.leaks([password])).toEqual([]);

  sql(db, 'mariadb', `ALTER USER 'shop'@'%' IDENTIFIED BY '${password}';`);
  before = await s.state();
  const missing = await s.deploy('5.0', images.v3, { 'backup-service': 'nosuchdb' });
  await s.expectStoppedBeforeChange(
    missing,
    before,
    '5.0',
    failure('mysql', 'mysqldump in service nosuchdb', host, 'service nosuchdb has no running container'),
  );
});

test('backup: mysql-host runs mysqldump on the host with the env file connection (option file, never argv); a wrong password stops the deploy', async () => {
  const host = hosts[2] as Host;
  // What an option file or a shell could misread: # ; a double quote, a backslash, $ and spaces.
  const password = `p#w"d\\ $x;y ${uniqueId()}`;
  const container = `rd-backup-mysqlhost-${uniqueId()}`;
  docker([
    'run',
    '-d',
    '--name',
    container,
    '--network',
    'host',
    '--init',
    '-e',
    `MYSQL_TCP_PORT=${DB_PORTS.mariadbHost}`,
    '-e',
    'MARIADB_DATABASE=shop',
    '-e',
    'MARIADB_USER=shop',
    '-e',
    `MARIADB_PASSWORD=${password}`,
    '-e',
    'MARIADB_RANDOM_ROOT_PASSWORD=1',
    dbTag,
    'mariadb',
  ]);
  containers.push(container);
  await waitHealthy(container);
  const marker = `marker-${uniqueId()}`;
  sql(
    container,
    'mariadb',
    `CREATE TABLE shop.orders (note text); INSERT INTO shop.orders VALUES ('${marker}');`,
  );

  const connection = (pwd: string): string =>
    [
      'MYSQL_HOST=127.0.0.1',
      `MYSQL_TCP_PORT=${DB_PORTS.mariadbHost}`,
      'MYSQL_USER=shop',
      // single quotes: the value as written (dotenv), # and " included
      `MYSQL_PWD='${pwd}'`,
      'MYSQL_DATABASE=shop',
      '',
    ].join('\n');
  const s = new Scenario(host, { backup: 'mysql-host', 'backup-keep': '2' });
  // Refused while reading inputs, before any host is contacted.
  const noEnv = await s.deploy('1.0', images.v1, { 'env-file': '' });
  expect(noEnv.error).toMatch(/^Invalid input: 'backup: mysql-host' reads its connection .* from 'env-file'/);
  s.envExtra = connection(password).replace(/^MYSQL_DATABASE=.*$/m, '');
  const noDb = await s.deploy('1.0', images.v1);
  expect(noDb.error).toMatch(/^Invalid input: 'backup: mysql-host' needs MYSQL_DATABASE/);
  expect(noDb.leaks([password])).toEqual([]);
  expect(fs.existsSync(s.dir)).toBe(false);

  s.envExtra = connection(password);

  const first = await s.deployOk('1.0', images.v1);
  expect(first.leaks([password])).toEqual([]);
  expectDumpWithMarker(s, first, marker, /^-- (MariaDB|MySQL) dump/m);
  const second = await s.deployOk('2.0', images.v2);
  const third = await s.deployOk('3.0', images.v3);
  expectKept(s, [backupOutput(second), backupOutput(third)]);
  // The option file holding the password is gone from every release dir.
  for (const v of ['1.0', '2.0', '3.0'])
    expect(fs.readdirSync(path.join(s.dir, 'releases', v)).filter((f) => f.endsWith('.cnf'))).toEqual([]);

  const wrongPassword = `wrong-${uniqueId()}`;
  s.envExtra = connection(wrongPassword);
  const before = await s.state();
  const wrong = await s.deploy('4.0', images.v1);
  await s.expectStoppedBeforeChange(
    wrong,
    before,
    '4.0',
    failure('mysql-host', 'mysqldump on the host', host, 'Access denied for user .shop.'),
  );
  expect(wrong.leaks([password, wrongPassword])).toEqual([]);
  expect(fs.readdirSync(path.join(s.dir, 'releases', '4.0')).filter((f) => f.endsWith('.cnf'))).toEqual([]);
});
