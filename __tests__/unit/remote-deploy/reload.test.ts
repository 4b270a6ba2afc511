import { plannedSteps } from '../../../actions/remote-deploy/src/fleet/plan';
import { inputs } from './fake-shell';
import {
  nginxErrorLine,
  nginxFailureMessage,
  normaliseNginxLine,
  type NginxFailure,
} from '../../../actions/remote-deploy/src/model/nginx-failure';

const TEST_OUTPUT = [
  'nginx master 7: nginx -t -c /etc/nginx/app.conf -e stderr',
  '2026/11/21 10:57:02 [emerg] 307#307: unknown directive "bogus" in /srv/project/nginx/site.conf:4',
  'nginx: configuration file /etc/nginx/app.conf test failed',
].join('\n');

const BIND_LOG = [
  'nginx_1  | 2026/11/21 10:50:00 [warn] 6#6: an older warning',
  'nginx_1  | 2026/11/21 10:57:31 [emerg] 6#6: bind() to 127.0.0.2:2222 failed (98: Address already in use)',
  'nginx_1  | 2026/11/21 10:57:31 [emerg] 6#6: bind() to 127.0.0.2:2222 failed (98: Address already in use)',
  'nginx_1  | 2026/11/21 10:57:33 [emerg] 6#6: still could not bind()',
].join('\n');

const failure = (f: Partial<NginxFailure>): NginxFailure => ({
  mode: 'test',
  target: 'nginx',
  host: 'web1',
  user: 'deploy',
  exitCode: 1,
  exit: 'exited with 1',
  output: '',
  ...f,
});

describe('nginx output', () => {
  test('log-form lines (-e stderr) and compose log prefixes read like nginx on a terminal', () => {
    expect(normaliseNginxLine('2026/11/21 10:57:02 [emerg] 307#307: unknown directive "x" in /a:4')).toBe(
      'nginx: [emerg] unknown directive "x" in /a:4',
    );
    expect(normaliseNginxLine('web_nginx_1  | 2026/11/21 10:57:02 [error] 8#8: *3 connect() failed')).toBe(
      'nginx: [error] connect() failed',
    );
    // Compose v2: `service-1  | ` prefix and an erase-line code, as `compose logs --no-color` prints them.
    expect(
      normaliseNginxLine(
        '\x1b[2Knginx-1  | 2026/11/21 11:21:26 [emerg] 6#6: bind() to 127.0.0.2:2222 failed',
      ),
    ).toBe('nginx: [emerg] bind() to 127.0.0.2:2222 failed');
    expect(normaliseNginxLine('  nginx: [emerg] open() "/etc/nginx/x.conf" failed  ')).toBe(
      'nginx: [emerg] open() "/etc/nginx/x.conf" failed',
    );
  });

  test('the first error line of nginx -t, the newest telling one of a log, else the last line', () => {
    expect(nginxErrorLine(TEST_OUTPUT)).toBe(
      'nginx: [emerg] unknown directive "bogus" in /srv/project/nginx/site.conf:4',
    );
    expect(nginxErrorLine(BIND_LOG, 'last')).toBe(
      'nginx: [emerg] bind() to 127.0.0.2:2222 failed (98: Address already in use)',
    );
    expect(nginxErrorLine('nginx_1  | 2026/11/21 10:57:33 [emerg] 6#6: still could not bind()', 'last')).toBe(
      'nginx: [emerg] still could not bind()',
    );
    expect(nginxErrorLine('ERROR: No such service: ngnix\n\n')).toBe('ERROR: No such service: ngnix');
    expect(nginxErrorLine('')).toBe('');
  });
});

describe('nginx failure sentences', () => {
  test('nginx -t: where, the exit, nginx error line, and that the running configuration stays', () => {
    expect(nginxFailureMessage(failure({ output: TEST_OUTPUT }))).toBe(
      'nginx -t failed in service nginx on web1 (exit 1): nginx: [emerg] unknown directive "bogus" in /srv/project/nginx/site.conf:4; nginx keeps running its previous configuration, fix the configuration and deploy again',
    );
    expect(
      nginxFailureMessage(
        failure({ target: 'host', exitCode: null, exit: 'timed out', output: 'nginx: [emerg] x' }),
      ),
    ).toBe(
      'nginx -t failed on web1 (timed out): nginx: [emerg] x; nginx keeps running its previous configuration, fix the configuration and deploy again',
    );
  });

  test('nginx -s reload on the host', () => {
    expect(
      nginxFailureMessage(
        failure({
          mode: 'reload',
          target: 'host',
          output: 'nginx: [error] open() "/run/nginx.pid" failed (2: No such file or directory)',
        }),
      ),
    ).toBe(
      'nginx -s reload failed on web1 (exit 1): nginx: [error] open() "/run/nginx.pid" failed (2: No such file or directory)',
    );
  });

  test('host mode without root: no sudo, or sudo that would ask for a password, each says what to do', () => {
    const noSudo = nginxFailureMessage(
      failure({ target: 'host', exitCode: 3, output: 'NEEDS-ROOT no-sudo /usr/sbin/nginx' }),
    );
    expect(noSudo).toBe(
      'nginx-reload: host needs root on web1: deploy is not root and sudo is not installed, so it can neither test nor signal the host\'s nginx; add a sudoers rule such as "deploy ALL=(root) NOPASSWD: /usr/sbin/nginx -t, /usr/sbin/nginx -s reload", or run nginx in a container and set nginx-reload to its service name',
    );
    const refused = nginxFailureMessage(
      failure({
        mode: 'reload',
        target: 'host',
        exitCode: 3,
        output: 'NEEDS-ROOT sudo-refused /usr/sbin/nginx',
      }),
    );
    expect(refused).toContain(
      'deploy is not root and sudo -n refuses "/usr/sbin/nginx -s reload" (it would ask for a password)',
    );
    expect(refused).toContain('NOPASSWD: /usr/sbin/nginx -t, /usr/sbin/nginx -s reload');
  });

  test('no nginx on the host, no nginx master in the service', () => {
    expect(nginxFailureMessage(failure({ target: 'host', exitCode: 3, output: 'NO-NGINX' }))).toBe(
      'nginx-reload: host, but nginx is not installed on web1; install it there, or set nginx-reload to the service that runs nginx',
    );
    expect(nginxFailureMessage(failure({ target: 'web', exitCode: 3, output: 'NO-MASTER' }))).toBe(
      'nginx-reload: no nginx master process runs in service web on web1; set nginx-reload to the service that runs nginx',
    );
  });

  test('a reload that started no new worker names the line of the service log that says why', () => {
    const base = failure({ mode: 'reload', exitCode: 4, output: 'NO-NEW-WORKER 7' });
    expect(nginxFailureMessage({ ...base, serviceLog: BIND_LOG })).toBe(
      'nginx in service nginx on web1 started no new worker within 10s of SIGHUP, so it kept its previous configuration: its log says nginx: [emerg] bind() to 127.0.0.2:2222 failed (98: Address already in use)',
    );
    expect(nginxFailureMessage(base)).toBe(
      'nginx in service nginx on web1 started no new worker within 10s of SIGHUP, so it kept its previous configuration: its error log says why (e.g. a port it cannot bind)',
    );
  });

  test('a marker only counts with its exit code (an nginx error mentioning NO-MASTER is still an nginx error)', () => {
    expect(nginxFailureMessage(failure({ exitCode: 1, output: 'NO-MASTER\nnginx: [emerg] y' }))).toMatch(
      /^nginx -t failed in service nginx on web1 \(exit 1\): nginx: \[emerg\] y;/,
    );
  });
});

describe('planned steps with reloads', () => {
  const base = { postCommand: 'true' };
  test('nginx -t before SIGHUP, nginx reload after it, then the health gate again', () => {
    expect(plannedSteps(inputs({ ...base, hupServices: ['web'], nginxReload: 'host' })).slice(5, 11)).toEqual(
      ['switch', 'health', 'nginx-test', 'hup', 'nginx-reload', 'reload-health'],
    );
    expect(plannedSteps(inputs({ ...base, hupServices: ['web'] }))).toContain('reload-health');
    expect(plannedSteps(inputs({ ...base, hupServices: ['web'] }))).not.toContain('nginx-test');
    expect(plannedSteps(inputs(base))).not.toContain('reload-health');
    expect(plannedSteps(inputs({ ...base, healthcheck: 'none', nginxReload: 'host' }))).not.toContain(
      'reload-health',
    );
  });
});
