import { InputError, splitShellWords } from '@deploy-kit/shared';
import { defaultProjectName, parseHosts } from '../../../actions/remote-deploy/src/model/hosts';
import { envFileSecrets } from '../../../actions/remote-deploy/src/model/env-file';
import { parseImages, parseSecretKeys } from '../../../actions/remote-deploy/src/inputs';
import {
  decideHeldLock,
  describeOwner,
  ownerJson,
  parseLockAnswer,
  parseOwner,
  type LockOwner,
} from '../../../actions/remote-deploy/src/model/lock-owner';
import { composeArgv, oneOffArgv } from '../../../actions/remote-deploy/src/commands/compose';
import { computeBatches, parseBatchSize } from '../../../actions/remote-deploy/src/model/batches';
import { remoteLayout } from '../../../actions/remote-deploy/src/model/layout';
import { plannedSteps } from '../../../actions/remote-deploy/src/fleet/plan';
import { inputs } from './fake-shell';
import {
  findDeployed,
  formatRecord,
  parseReleaseLog,
  type ReleaseRecord,
} from '../../../actions/remote-deploy/src/model/release-log';
import { CHART_HOSTS, hostsGantt, resultsTable } from '../../../actions/remote-deploy/src/summary';
import { checkImage, checkRemotePath, checkVersion } from '../../../actions/remote-deploy/src/model/validate';

const FP = 'SHA256:/9bcIRD4o/Z3M0IXw1CEtpRklA+h0kQ4kcaXb5DPlVM';
const defaults = { user: 'deploy', port: 22, projectDir: '/srv/app', projectName: 'app' };

describe('hosts', () => {
  test('plain lines and commas with user, port, IPv6 and a fingerprint', () => {
    const hosts = parseHosts(`web1.example.com\nops@10.0.0.2:2222 ${FP}, [::1]:2200\n# comment`, defaults);
    expect(hosts.map((h) => [h.name, h.host, h.port, h.user, h.fingerprints])).toEqual([
      ['web1.example.com', 'web1.example.com', 22, 'deploy', []],
      ['10.0.0.2:2222', '10.0.0.2', 2222, 'ops', [FP]],
      ['::1:2200', '::1', 2200, 'deploy', []],
    ]);
  });
  test('a YAML list mixes strings and maps with overrides', () => {
    const hosts = parseHosts(
      `- web1\n- host: 127.0.0.3\n  port: 2222\n  user: alt\n  fingerprint: ${FP}\n  private-key-env: KEY_B\n  project-dir: /opt/b\n  project-name: b\n  name: blue`,
      defaults,
    );
    expect(hosts[1]).toEqual({
      name: 'blue',
      host: '127.0.0.3',
      port: 2222,
      user: 'alt',
      fingerprints: [FP],
      keyEnv: 'KEY_B',
      projectDir: '/opt/b',
      projectName: 'b',
    });
  });
  test.each([
    ['', /required/],
    ['web1;rm -rf /', /not a host name/],
    ['- host: a\n  colour: red', /Unrecognized key/],
    ['a:99999', /port/],
    ['a b', /not an OpenSSH SHA256 fingerprint/],
    ['a\na', /twice/],
    ['$(id)@web1', /not a valid login name/],
  ])('refuses %j', (text, message) => {
    expect(() => parseHosts(text, defaults)).toThrow(InputError);
    expect(() => parseHosts(text, defaults)).toThrow(message);
  });
  test('default project name follows the project dir', () => {
    expect(defaultProjectName('/srv/My.App')).toBe('myapp');
    expect(defaultProjectName('relative/shop-2')).toBe('shop-2');
  });
});

describe('validation', () => {
  test.each(['1.0', 'v2.3.4-rc.1', 'sha-0123abc', '2026.11.21+build.7'])('version %s is fine', (v) => {
    expect(checkVersion('version', v)).toBe(v);
  });
  test.each(['', '-x', '1.0;id', '$(id)', '`id`', 'a b', '1.0\nid', '../up', 'a/b', "it's"])(
    'version %j is refused',
    (v) => {
      expect(() => checkVersion('version', v)).toThrow(/'version' must be a release name/);
    },
  );
  test('image references', () => {
    for (const ok of ['busybox', '127.0.0.1:5000/team/app:1.0', `ghcr.io/o/app@sha256:${'a'.repeat(64)}`])
      expect(checkImage('images', ok)).toBe(ok);
    for (const bad of ['App:1', 'app:$(id)', 'app:1 ; id', 'app@sha256:short'])
      expect(() => checkImage('images', bad)).toThrow(InputError);
  });
  test('remote paths: plain segments only', () => {
    expect(checkRemotePath('project-dir', '/srv/app-1')).toBe('/srv/app-1');
    expect(checkRemotePath('project-dir', 'apps/shop')).toBe('apps/shop');
    for (const bad of ['/srv/../etc', '/srv/app/', '/srv/a b', '/srv/$(id)', '', '/'])
      expect(() => checkRemotePath('project-dir', bad)).toThrow(InputError);
  });
});

describe('inputs helpers', () => {
  test('images as lines or YAML', () => {
    expect(parseImages('web=reg/app:1\nworker = reg/app:1')).toEqual({
      web: 'reg/app:1',
      worker: 'reg/app:1',
    });
    expect(parseImages('{"web": "reg/app:2"}')).toEqual({ web: 'reg/app:2' });
    expect(() => parseImages('web$(id)=reg/app:1')).toThrow(/service/);
  });
  test('commands are argv; operators are refused', () => {
    expect(splitShellWords('migrate-command', `python manage.py migrate --noinput`)).toEqual([
      'python',
      'manage.py',
      'migrate',
      '--noinput',
    ]);
    expect(splitShellWords('migrate-command', `sh -c 'a; b'`)).toEqual(['sh', '-c', 'a; b']);
    expect(() => splitShellWords('migrate-command', 'a; b')).toThrow(/shell operators/);
    expect(() => splitShellWords('migrate-command', 'a | b')).toThrow(/shell operators/);
  });
  test('env values masked: secret keys whatever their length, plain values not', () => {
    const text = [
      'A=1',
      'PGHOST=127.0.0.1',
      'DB_PASSWORD=Q#7',
      'DOOR_PIN=4711',
      'C="a long plain value"',
      'export API_TOKEN=hunter22',
      '# SECRET=commented',
      'EMPTY_SECRET=',
      'LISTED=x',
    ].join('\n');
    expect(envFileSecrets(text, []).sort()).toEqual(['4711', 'Q#7', 'hunter22']);
    expect(envFileSecrets(text, ['LISTED', 'C']).sort()).toEqual([
      '4711',
      'Q#7',
      'a long plain value',
      'hunter22',
      'x',
    ]);
  });
  test('values are decoded as Compose decodes them (escaped quotes, backslashes, CR), not as util.parseEnv', () => {
    const text = [
      `QUOTED_PASSWORD="it's \\"quoted\\" X"`,
      `SQ_PASSWORD='db pa$s \\'q\\''`,
      `BS_TOKEN="two\\\\\\\\backslashes"`,
      'CR_SECRET=abc\rdef',
      'CRLF_SECRET=crlf-value\r',
      'M_SECRET="line one\nline two"',
    ].join('\n');
    expect(envFileSecrets(text, []).sort()).toEqual(
      [
        'abc\rdef',
        'crlf-value',
        "db pa$s 'q'",
        `it's "quoted" X`,
        'line one\nline two',
        'two\\\\backslashes',
      ].sort(),
    );
  });
  test('PEM private keys and URL passwords are secret under any name; unknown host variables split a value', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
    const text = `TLS="${pem.replace(/\n/g, '\\n')}"\nDATABASE_URL=postgres://app:p%40ss@db/app\nX_SECRET="pre-\${HOST_ONLY:?set it}-post"\n`;
    expect(envFileSecrets(text, []).sort()).toEqual([pem, 'p%40ss', 'p@ss', '-post', 'pre-'].sort());
  });
  test('an env file Compose cannot read is an input error naming env-file, never quoting a value', () => {
    expect(() => envFileSecrets('A_SECRET="never closed\n', [])).toThrow(
      /'env-file' is not an env file Compose can read: a quoted value is never closed\./,
    );
    expect(() => envFileSecrets('BAD KEY=hunter2\n', [])).not.toThrow(/hunter2/);
  });
  test('secret-keys: render-env JSON output or names', () => {
    expect(parseSecretKeys('["A", "B_KEY"]')).toEqual(['A', 'B_KEY']);
    expect(parseSecretKeys('A, B\nC')).toEqual(['A', 'B', 'C']);
    expect(parseSecretKeys('')).toEqual([]);
    expect(() => parseSecretKeys('A=hunter2')).toThrow(/'secret-keys' has "A=hunter2", which is not/);
  });
});

describe('plan', () => {
  test('batch sizes', () => {
    expect(parseBatchSize('max-unavailable', '')).toEqual({ count: 1 });
    expect(parseBatchSize('max-unavailable', '2')).toEqual({ count: 2 });
    expect(parseBatchSize('max-unavailable', '25%')).toEqual({ percent: 25 });
    for (const bad of ['0', '0%', '101%', 'half', '-1'])
      expect(() => parseBatchSize('max-unavailable', bad)).toThrow(InputError);
  });
  test('batches', () => {
    const hosts = [1, 2, 3, 4, 5];
    expect(computeBatches(hosts, undefined)).toEqual([[1, 2, 3, 4, 5]]);
    expect(computeBatches(hosts, { count: 2 })).toEqual([[1, 2], [3, 4], [5]]);
    expect(computeBatches(hosts, { percent: 25 })).toEqual([[1, 2], [3, 4], [5]]);
    expect(computeBatches(hosts, { percent: 1 })).toEqual([[1], [2], [3], [4], [5]]);
    expect(computeBatches(hosts, { percent: 100 })).toEqual([hosts]);
    expect(computeBatches([], { count: 3 })).toEqual([]);
  });
  test('compose argv for v1 and v2', () => {
    expect(composeArgv('v1', 'app', ['a.yml', 'b.yml'], true)).toEqual([
      'docker-compose',
      '--project-name',
      'app',
      '--file',
      'a.yml',
      '--file',
      'b.yml',
      '--env-file',
      '.env',
    ]);
    expect(composeArgv('v2', 'app', ['a.yml'], false)).toEqual([
      'docker',
      'compose',
      '--project-name',
      'app',
      '--file',
      'a.yml',
    ]);
    expect(oneOffArgv('web', ['python', 'manage.py', 'migrate'])).toEqual([
      'run',
      '--rm',
      '--no-deps',
      '-T',
      'web',
      'python',
      'manage.py',
      'migrate',
    ]);
  });
  test('layout and step plan', () => {
    expect(remoteLayout('/srv/app')).toMatchObject({
      lockDir: '/srv/app/.deploy-kit/lock',
      current: '/srv/app/current',
    });
    const base = inputs({
      registry: { server: 'r', username: 'u', password: 'p' },
      backup: 'postgres',
      migrateCommand: ['migrate'],
      postCommand: 'true',
    });
    expect(plannedSteps(base)).toEqual([
      'connect',
      'lock',
      'prepare',
      'upload',
      'login',
      'pull',
      'backup',
      'migrate',
      'switch',
      'health',
      'post-hook',
      'record',
      'unlock',
    ]);
    // A new release over ssh is loaded from the runner's archive; rollback-to pulls what its release names.
    expect(plannedSteps({ ...base, transfer: 'ssh' })).toEqual(expect.arrayContaining(['upload', 'load']));
    expect(plannedSteps({ ...base, transfer: 'ssh' })).not.toContain('pull');
    const back = plannedSteps({ ...base, rollbackTo: '1.0', transfer: 'ssh' });
    expect(back).not.toContain('migrate');
    expect(back).toEqual(expect.arrayContaining(['check-release', 'login', 'pull']));
    expect(back).not.toContain('upload');
  });
});

describe('lock', () => {
  const owner: LockOwner = {
    tool: 'deploy-kit',
    token: 'abcdefabcdefabcdef',
    actor: 'octocat',
    repository: 'o/r',
    run: '42.1',
    version: '1.0',
    runner: 'r1',
    pid: 7,
    time: 'now',
  };
  test('owner round trip; foreign files are not ours', () => {
    expect(parseOwner(ownerJson(owner))).toEqual(owner);
    expect(parseOwner('{"tool":"other","token":"abcdefabcdefabcdef"}')).toBeUndefined();
    expect(parseOwner('locked by bob')).toBeUndefined();
  });
  test('lock script answers', () => {
    expect(parseLockAnswer('ACQUIRED\n')).toEqual({ acquired: true });
    expect(parseLockAnswer(`HELD 12\n${ownerJson(owner)}\n`)).toEqual({
      acquired: false,
      owner,
      ageSeconds: 12,
    });
    expect(parseLockAnswer('HELD-NO-OWNER 99\n')).toEqual({
      acquired: false,
      owner: undefined,
      ageSeconds: 99,
    });
  });
  test('decisions: wait, refuse at timeout, take over only an expired deploy-kit lock', () => {
    expect(decideHeldLock(owner, 10, 3600, 0, 60_000).action).toBe('wait');
    expect(decideHeldLock(owner, 10, 3600, 60_000, 60_000)).toEqual({
      action: 'refuse',
      holder: describeOwner(owner, 10),
    });
    expect(decideHeldLock(owner, 3601, 3600, 0, 60_000).action).toBe('take-over');
    expect(decideHeldLock(undefined, 999_999, 1, 60_000, 60_000).action).toBe('refuse');
    expect(describeOwner(owner, 5)).toBe('octocat (run o/r#42.1, version 1.0, runner r1, 5s ago)');
    expect(describeOwner(undefined, 5)).toMatch(/placed by hand/);
  });
});

describe('release log', () => {
  const rec = (version: string, outcome: ReleaseRecord['outcome']): ReleaseRecord => ({
    time: 't',
    host: 'h',
    version,
    previous: null,
    images: { web: 'a\nb' },
    actor: 'me',
    run: 'r',
    outcome,
  });
  test('one line per record, torn lines skipped, newest deployed found', () => {
    const text =
      [rec('1.0', 'deployed'), rec('2.0', 'rolled-back'), rec('1.0', 'rollback-to')]
        .map(formatRecord)
        .join('\n') + '\n{"version":"3.0","outc';
    expect(formatRecord(rec('1.0', 'deployed'))).not.toContain('\n');
    const records = parseReleaseLog(text);
    expect(records).toHaveLength(3);
    expect(findDeployed(records, '1.0')?.outcome).toBe('rollback-to');
    expect(findDeployed(records, '2.0')).toBeUndefined();
  });
});

describe('summary', () => {
  const report = {
    host: 'web:1#a',
    status: 'rolled-back',
    previous: '1.0',
    version: '2.0',
    migrated: true,
    error: 'health | red',
    steps: [
      { name: 'connect', start: 1000, end: 1500, ok: true },
      { name: 'health', start: 1500, end: 1500, ok: false },
    ],
  };
  test('gantt: elapsed time from the first step, a bar per host, crit for failed steps, no : or # in names', () => {
    const chart = hostsGantt([report]);
    expect(chart).toContain('dateFormat HH:mm:ss.SSS');
    expect(chart).toContain('section hosts\n  web 1 a 0.5 s :crit, h0, 00:00:00.000, 00:00:00.500');
    expect(chart).toContain('section web 1 a');
    expect(chart).toContain('connect :done, s0, 00:00:00.000, 00:00:00.500');
    expect(chart).toContain('health :crit, s1, 00:00:00.500, 00:00:00.501');
  });
  test('gantt for a fleet: a fleet bar, the failed and slowest hosts, the steps of the first failed host', () => {
    const host = (i: number, ms: number, ok = true) => ({
      ...report,
      host: `web${i}`,
      steps: [
        { name: 'pull', start: 1000, end: 1000 + ms, ok: true },
        { name: 'health', start: 1000 + ms, end: 1100 + ms, ok },
      ],
    });
    const fleet = Array.from({ length: 20 }, (_, i) => host(i + 1, 1000 + i * 10, i !== 3));
    const chart = hostsGantt(fleet);
    expect(chart).toContain('section fleet\n  20 hosts, 1 failed :crit, fleet, 00:00:00.000, 00:00:01.290');
    const bars = chart.split('section failed and slowest\n')[1]!.split('\n  section')[0]!.split('\n');
    expect(bars).toHaveLength(CHART_HOSTS);
    expect(bars.map((b) => b.trim().split(' ')[0])).toEqual([
      'web4',
      ...['web12', 'web13', 'web14', 'web15', 'web16', 'web17', 'web18', 'web19', 'web20'],
    ]);
    expect(chart).toContain('section web4\n  pull :done, s0,');
    expect(chart).toContain('10 of 20 hosts drawn (failed first, then the slowest)');
  });
  test('table escapes pipes', () => {
    expect(resultsTable([report])).toContain(
      '| web:1#a | rolled-back | 1.0 | 2.0 | ran | 0.5 s | health \\| red |',
    );
  });
});
