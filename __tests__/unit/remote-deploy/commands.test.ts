import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  backup,
  compose,
  images,
  lock,
  nginx,
  probe,
  release,
  releaseLog,
} from '../../../actions/remote-deploy/src/commands';
import { assign, joinScript } from '../../../actions/remote-deploy/src/commands/script';

/** Exact commands, without any SSH: the argument order of each script is pinned here. */

const v2: compose.ComposeProject = { kind: 'v2', project: 'shop', files: ['compose.yml'], envFile: true };
const v1: compose.ComposeProject = { kind: 'v1', project: 'shop', files: ['a.yml', 'b.yml'], envFile: false };

describe('compose', () => {
  test('up, pull, hup, exec and logs on Compose v2 with the env file', () => {
    const prefix = [
      'docker',
      'compose',
      '--project-name',
      'shop',
      '--file',
      'compose.yml',
      '--env-file',
      '.env',
    ];
    expect(compose.up(v2, ['web'])).toEqual([...prefix, 'up', '-d', '--remove-orphans', 'web']);
    expect(compose.pull(v2, [])).toEqual([...prefix, 'pull']);
    expect(compose.hup(v2, ['web', 'worker'])).toEqual([...prefix, 'kill', '-s', 'HUP', 'web', 'worker']);
    expect(compose.exec(v2, 'nginx', ['nginx', '-t'])).toEqual([
      ...prefix,
      'exec',
      '-T',
      'nginx',
      'nginx',
      '-t',
    ]);
    expect(compose.logs(v2, 'nginx', 20)).toEqual([
      ...prefix,
      'logs',
      '--no-color',
      '--no-log-prefix',
      '--tail',
      '20',
      'nginx',
    ]);
  });

  test('one-off: v1 files, and its own project name when the service uses host networking', () => {
    const argv = ['python', 'manage.py', 'migrate'];
    const files = ['--file', 'a.yml', '--file', 'b.yml'];
    expect(compose.oneOff(v1, 'web', argv, false)).toEqual([
      'docker-compose',
      '--project-name',
      'shop',
      ...files,
      'run',
      '--rm',
      '--no-deps',
      '-T',
      'web',
      ...argv,
    ]);
    expect(compose.oneOff(v1, 'web', argv, true).slice(0, 3)).toEqual([
      'docker-compose',
      '--project-name',
      'shop-oneoff',
    ]);
  });
});

describe('lock', () => {
  test('acquire, take over and release: lock dir first, then owner / token', () => {
    expect(lock.acquire('/srv/app/.deploy-kit/lock', '{"o":1}')).toEqual({
      script: lock.LOCK,
      args: ['/srv/app/.deploy-kit/lock', '{"o":1}'],
    });
    expect(lock.takeOver('/l', '{"o":2}', 'old-token')).toEqual({
      script: lock.TAKE_OVER,
      args: ['/l', '{"o":2}', 'old-token'],
    });
    expect(lock.release('/l', 'tok')).toEqual({ script: lock.UNLOCK, args: ['/l', 'tok'] });
  });
});

describe('probe, release files, release log', () => {
  test('scripts with their arguments', () => {
    expect(probe.prepare('/srv/app', '1.2', 'deploy')).toEqual({
      script: probe.PREPARE,
      args: ['/srv/app', '1.2', 'deploy'],
    });
    expect(probe.containerStates('shop')).toEqual({ script: probe.CONTAINER_STATES, args: ['shop'] });
    expect(probe.httpGet('http://h/')).toEqual({ script: probe.HTTP_GET, args: ['http://h/'] });
    expect(probe.imagesExist(['a:1', 'b:2'])).toEqual({ script: probe.IMAGES_EXIST, args: ['a:1', 'b:2'] });
    expect(release.readFiles('/r/1')).toEqual({ script: release.READ_FILES, args: ['/r/1'] });
    expect(release.switchCurrent('/srv/app', '1.2')).toEqual({
      script: release.SWITCH_LINK,
      args: ['/srv/app', '1.2'],
    });
    expect(release.inDir('/r/1', '10.0.0.1', '1', ['docker', 'ps'])).toEqual({
      script: release.IN_DIR,
      args: ['/r/1', '10.0.0.1', '1', 'docker', 'ps'],
    });
    expect(releaseLog.append('/l.log', '{}')).toEqual({ script: releaseLog.RECORD, args: ['/l.log', '{}'] });
    expect(releaseLog.read('/l.log')).toEqual({ script: releaseLog.READ_LOG, args: ['/l.log'] });
  });

  test('a hook is the header then the user text, with dir, host, version, previous', () => {
    expect(release.hook('/r/2', 'h1', '2', '1', 'echo hi\n')).toEqual({
      script:
        'cd -- "$1" || exit\nexport DEPLOY_HOST="$2" DEPLOY_VERSION="$3" DEPLOY_PREVIOUS_VERSION="$4"\necho hi\n',
      args: ['/r/2', 'h1', '2', '1'],
    });
  });
});

describe('images and nginx', () => {
  test('the per-deploy DOCKER_CONFIG: made under the state dir, used as env, only such a dir removed', () => {
    expect(images.makeDockerConfig('/srv/app/.deploy-kit').args).toEqual(['/srv/app/.deploy-kit']);
    expect(images.withDockerConfig('/srv/app/.deploy-kit/docker-config.Ab12', images.pull('r/a:1'))).toEqual([
      'env',
      'DOCKER_CONFIG=/srv/app/.deploy-kit/docker-config.Ab12',
      'docker',
      'pull',
      '--quiet',
      'r/a:1',
    ]);
    expect(images.withDockerConfig(undefined, ['docker', 'pull', 'x'])).toEqual(['docker', 'pull', 'x']);
    const rm = (dir: string) =>
      spawnSync('sh', ['-c', images.REMOVE_DOCKER_CONFIG, 'sh', dir], { encoding: 'utf8' });
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-dc-'));
    const made = spawnSync('sh', ['-c', images.MAKE_DOCKER_CONFIG, 'sh', base], { encoding: 'utf8' });
    const dir = made.stdout.trim();
    expect(dir).toMatch(new RegExp(`^${base}/docker-config\\.`));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(rm(base).status).toBe(3);
    expect(fs.existsSync(base)).toBe(true);
    expect(rm(dir).status).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
    fs.rmSync(base, { recursive: true });
  });

  test('argv', () => {
    expect(images.login('reg:5000', 'ci')).toEqual([
      'docker',
      'login',
      '--username',
      'ci',
      '--password-stdin',
      'reg:5000',
    ]);
    expect(images.pull('reg/app:1')).toEqual(['docker', 'pull', '--quiet', 'reg/app:1']);
    expect(images.load()).toEqual(['sh', '-c', 'gunzip | docker load']);
    expect(nginx.onHost('test')).toEqual({ script: nginx.NGINX_HOST, args: ['test'] });
    expect(nginx.inContainer('reload')).toEqual([
      'sh',
      '-c',
      nginx.NGINX_CONTAINER,
      'nginx-reload',
      'reload',
    ]);
  });
});

describe('backup', () => {
  const target = { backupsDir: '/srv/app/backups', stamp: 'S', keep: 3 };

  test('in service: the ten positional values in the order BACKUP_IN_SERVICE reads them, then compose argv', () => {
    const prefix = compose.base(v2);
    const where = {
      releaseDir: '/r/1',
      host: 'h',
      version: '1',
      target,
      service: 'db',
      project: 'shop',
      compose: prefix,
    };
    expect(backup.inService({ preset: 'mysql', ...where })).toEqual({
      script: backup.BACKUP_IN_SERVICE,
      args: [
        '/r/1',
        'h',
        '1',
        '/srv/app/backups',
        'S',
        '3',
        'db',
        backup.MYSQL_DUMP_IN_SERVICE,
        backup.MYSQL_DUMP_TRAILER,
        'shop',
        ...prefix,
      ],
    });
    const pg = backup.inService({ preset: 'postgres', ...where });
    expect(pg.args.slice(7, 9)).toEqual([backup.PG_DUMP_IN_SERVICE, '']);
  });

  test('host presets: files and settings in order, unset settings empty', () => {
    expect(backup.mysqlHost('/r/2/.cnf', target, 'shop')).toEqual({
      script: backup.BACKUP_MYSQL_HOST,
      args: ['/r/2/.cnf', '/srv/app/backups', 'S', '3', 'shop'],
    });
    expect(backup.postgresHost('', target, { host: 'db', port: 5433 })).toEqual({
      script: backup.BACKUP_POSTGRES_HOST,
      args: ['', '/srv/app/backups', 'S', '3', 'db', '5433', '', ''],
    });
  });

  test('the mysql-host trailer is a quoted constant of the script, not spliced text', () => {
    expect(backup.BACKUP_MYSQL_HOST).toContain("\nTRAILER='-- Dump completed'\n");
  });
});

describe('script helpers', () => {
  test('joinScript keeps one newline between parts; assign quotes', () => {
    expect(joinScript('\na\n', '\nb\n')).toBe('a\nb\n');
    expect(assign('X', "it's")).toBe(`X="it's"`);
    expect(() => assign('x; rm', 'v')).toThrow(/not a shell variable name/);
  });
});
