import { spawnSync } from 'node:child_process';
import { wrapScript } from '@deploy-kit/shared/ssh';
import * as commands from '../../../actions/remote-deploy/src/commands';

/**
 * Every script remote-deploy can send, linted as the shells that run it read it: `sh -n`,
 * `bash -n` and ShellCheck in POSIX sh mode (the script runner falls back to sh where a host
 * has no bash). A `${` is JavaScript interpolation that leaked into shell text: the scripts use
 * "$VAR" only, so any `${` fails.
 */

/** Exported strings of the commands modules that are not shell text. */
const NOT_SCRIPTS = new Set([
  'backup.MYSQL_DUMP_TRAILER',
  'migrations.DJANGO_PLAN',
  'migrations.DJANGO_REVERSE',
]);

const scripts: [string, string][] = Object.entries(commands).flatMap(([module, exports]) =>
  Object.entries(exports as Record<string, unknown>)
    .filter(([name, value]) => typeof value === 'string' && !NOT_SCRIPTS.has(`${module}.${name}`))
    .map(([name, value]): [string, string] => [`${module}.${name}`, value as string]),
);
// A hook is the user's text after our header: the header alone must lint too.
scripts.push([
  'release.hook (header)',
  commands.release.hook('/srv/app/releases/1', 'h', '1', '0', 'true').script,
]);

const run = (cmd: string, args: string[], input: string) => spawnSync(cmd, args, { input, encoding: 'utf8' });

test('the list holds every script (a new module or script is linted without touching this test)', () => {
  expect(scripts.map(([name]) => name).sort()).toEqual(
    expect.arrayContaining([
      'backup.BACKUP_IN_SERVICE',
      'backup.BACKUP_MYSQL_HOST',
      'backup.BACKUP_POSTGRES_HOST',
      'backup.MYSQL_DUMP_IN_SERVICE',
      'backup.PG_DUMP_IN_SERVICE',
      'images.LOAD_IMAGES',
      'lock.LOCK',
      'lock.TAKE_OVER',
      'lock.UNLOCK',
      'nginx.NGINX_CONTAINER',
      'nginx.NGINX_HOST',
      'probe.CONTAINER_STATES',
      'probe.HTTP_GET',
      'probe.IMAGES_EXIST',
      'probe.PREPARE',
      'release.IN_DIR',
      'release.READ_FILES',
      'release.SWITCH_LINK',
      'releaseLog.READ_LOG',
      'releaseLog.RECORD',
    ]),
  );
});

describe.each(scripts)('%s', (_name, script) => {
  test('has no ${ (JavaScript interpolation left in shell text)', () => {
    expect(script).not.toContain('${');
  });

  test.each([
    ['sh', ['-n']],
    ['bash', ['-n']],
  ])('%s -n parses it, as sent (wrapped) and alone', (shell, args) => {
    for (const text of [script, wrapScript(script)]) {
      const r = run(shell, args, text);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  test('shellcheck -s sh finds nothing', () => {
    const r = run('shellcheck', ['-s', 'sh', '-f', 'gcc', '-'], script);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});

test('shellcheck runs here and reports a real problem (the lint above could otherwise pass vacuously)', () => {
  const r = run('shellcheck', ['-s', 'sh', '-f', 'gcc', '-'], 'cd "$1"\nrm -rf $2\n');
  expect(r.stdout).toMatch(/SC2164/);
  expect(r.stdout).toMatch(/SC2086/);
  expect(r.status).not.toBe(0);
});
