import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  baseInputs,
  buildAppImages,
  cleanup,
  COMPOSE,
  currentRelease,
  deploy,
  hosts,
  makeApp,
  sandbox,
  served,
  startPrivateSshd,
  type App,
  type Host,
} from './helpers';

jest.setTimeout(300_000);

let images: ReturnType<typeof buildAppImages>;
const apps: [App, Host[]][] = [];
beforeAll(() => {
  images = buildAppImages();
});
afterAll(() => apps.forEach(([app, targets]) => cleanup(app, targets)));

test('backup: postgres-host dumps the real database before the switch; a failing dump stops the deploy', async () => {
  const host = hosts[0]!;
  const app = makeApp([host]);
  apps.push([app, [host]]);
  const pg = sandbox.postgres;
  const envFile = path.join(app.workspace, 'app.env');
  const base = fs.readFileSync(envFile, 'utf8');
  fs.writeFileSync(
    envFile,
    `${base}PGHOST=${pg.host}\nPGPORT=${pg.port}\nPGUSER=${pg.user}\nPGPASSWORD="${pg.password}"\nPGDATABASE=${pg.database}\n`,
  );
  const inputs = {
    ...baseInputs(app, [host]),
    images: `web=${images.v1}`,
    version: '1.0',
    backup: 'postgres-host',
    'backup-keep': '1',
  };
  const result = await deploy(app, inputs);
  expect(result.error).toBeUndefined();
  expect(result.leaks([pg.password])).toEqual([]);
  const backups = path.join(app.projectDirs[0]!, 'backups');
  const dumps = fs.readdirSync(backups).filter((f) => f.endsWith('.sql.gz'));
  expect(dumps).toHaveLength(1);
  const sql = execFileSync('gzip', ['-dc', path.join(backups, dumps[0]!)], { encoding: 'utf8' });
  expect(sql).toContain('PostgreSQL database dump');
  expect(fs.statSync(backups).mode & 0o777).toBe(0o700);
  // The password went in a 0600 file for the one dump, and is gone.
  expect(fs.existsSync(path.join(app.projectDirs[0]!, 'releases', '1.0', '.deploy-kit-pgpass'))).toBe(false);

  // backup-keep: 1 → the dump before 2.0 and the one before 1.0 (the release serving while 2.0
  // deploys: what a rollback of it would need) are never pruned (backup-proof.test.ts (f) shows
  // the older ones going).
  const second = await deploy(app, { ...inputs, images: `web=${images.v2}`, version: '2.0' });
  expect(second.error).toBeUndefined();
  const kept = () =>
    fs
      .readdirSync(backups)
      .filter((f) => f.endsWith('.sql.gz'))
      .map((f) => f.replace(/^.*-before-/, ''));
  expect(kept().sort()).toEqual(['1.0.sql.gz', '2.0.sql.gz']);

  fs.writeFileSync(
    envFile,
    `${base}PGHOST=${pg.host}\nPGPORT=${pg.port}\nPGUSER=${pg.user}\nPGPASSWORD=wrong-password\nPGDATABASE=${pg.database}\n`,
  );
  const failed = await deploy(app, { ...inputs, images: `web=${images.v3}`, version: '3.0' });
  expect(failed.exitCode).toBe(1);
  expect(failed.error).toMatch(
    /pre-deploy backup 'postgres-host' \(pg_dump on the host\) on .* exited with 1; last output: .*password authentication failed/,
  );
  expect(currentRelease(app.projectDirs[0]!)).toBe('2.0');
  expect(await served(host, app)).toBe('2.0');
  expect(fs.readdirSync(backups).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('hup-services: the named service gets SIGHUP after the health gate (Gunicorn-style reload)', async () => {
  const host = hosts[1]!;
  const app = makeApp([host]);
  apps.push([app, [host]]);
  fs.writeFileSync(
    path.join(app.workspace, 'docker-compose.yml'),
    `${COMPOSE}  worker:
    image: ${sandbox.images.busybox}
    network_mode: host
    init: true
    healthcheck:
      disable: true
    volumes:
      - \${DATA_DIR}:/data
    command: ["sh", "-c", "trap 'echo hup >> /data/hup' HUP; echo ready > /data/worker; while true; do sleep 1 & wait $$!; done"]
`,
  );
  const result = await deploy(app, {
    ...baseInputs(app, [host]),
    images: `web=${images.v1}\nworker=${images.v1}`,
    version: '1.0',
    'hup-services': 'worker',
  });
  expect(result.error).toBeUndefined();
  const hupFile = path.join(app.dataDir, 'hup');
  const deadline = Date.now() + 10_000;
  while (!fs.existsSync(hupFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(fs.readFileSync(hupFile, 'utf8').trim()).toBe('hup');
});

test('compose v1 is detected on a host without the v2 plugin (and v2 on the sandbox hosts)', async () => {
  const dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-dockercfg-'));
  fs.chmodSync(dockerConfig, 0o755);
  const sshd = await startPrivateSshd({
    forcedCommand: false,
    setEnv: { DOCKER_HOST: sandbox.docker.host, DOCKER_CONFIG: dockerConfig },
  });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-v1-'));
  execFileSync('chown', [`${sandbox.ssh.user}:`, workDir]);
  const target = {
    ...hosts[0]!,
    host: sshd.host,
    port: sshd.port,
    knownHostsLine: sshd.knownHostsLine,
    workDir,
    name: 'v1',
  } as Host;
  const app = makeApp([target]);
  apps.push([app, [target]]);
  try {
    const result = await deploy(app, {
      ...baseInputs(app, [target]),
      images: `web=${images.v1}`,
      version: '1.0',
    });
    expect(result.error).toBeUndefined();
    expect(result.log).toMatch(/compose v1, current release \(none\)/);
    expect(await served(target, app)).toBe('1.0');
  } finally {
    sshd.stop();
  }
});
