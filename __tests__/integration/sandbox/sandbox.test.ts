import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'ssh2';
import {
  loadSandbox,
  processExists,
  REPO_ROOT,
  sandboxDir,
  sandboxDockerEnv,
  type SandboxInfo,
} from '@deploy-kit/harness';
import { shellCommand } from '@deploy-kit/shared';

// Proves every server that `scripts/sandbox up` recorded in sandbox.json is
// real and reachable the way the actions will use it. Needs a running sandbox.

jest.setTimeout(120_000);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a program (no shell), optionally feeding stdin; never rejects. */
function run(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    // A program that exits without reading stdin (ssh-keygen refusing a key) closes the pipe
    // first: EPIPE on our side is expected then, and its exit code is what the test looks at.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

let sb: SandboxInfo;
let tmp: string;

beforeAll(() => {
  sb = loadSandbox();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-test-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const dockerEnv = (config?: string) => sandboxDockerEnv(sb, config ? { DOCKER_CONFIG: config } : {});
const docker = (args: string[], opts: { config?: string; input?: string } = {}) =>
  run(sb.docker.cli, args, { env: dockerEnv(opts.config), input: opts.input });

/** OpenSSH client options: nothing from ~/.ssh, strict host keys against the given known_hosts. */
function sshArgs(host: SandboxInfo['ssh']['hosts'][number], key: string, knownHosts: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'PasswordAuthentication=no',
    '-o',
    'KbdInteractiveAuthentication=no',
    '-o',
    'ConnectTimeout=10',
    '-p',
    String(host.port),
    `${sb.ssh.user}@${host.host}`,
  ];
}
/** Run argv on a sandbox host; quoted once with shellCommand() because sshd hands the command to a shell. */
const ssh = (host: SandboxInfo['ssh']['hosts'][number], remote: string[], key = sb.ssh.clientKey) =>
  run('ssh', [
    '-o',
    'BatchMode=yes',
    ...sshArgs(host, key, sb.ssh.knownHostsFile),
    '--',
    shellCommand(remote),
  ]);

describe('sandbox.json', () => {
  test('names only loopback addresses, existing files and live pids', () => {
    expect(sb.dir).toBe(sandboxDir());
    expect(sb.ssh.hosts.length).toBeGreaterThanOrEqual(1);
    const addresses = [
      ...sb.ssh.hosts.map((h) => h.host),
      sb.registry.address.split(':')[0],
      sb.authRegistry.address.split(':')[0],
      new URL(sb.nginx.httpUrl).hostname,
      new URL(sb.nginx.httpsUrl).hostname,
      sb.postgres.host,
    ];
    for (const a of addresses) expect(a).toMatch(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
    for (const f of [
      sb.ssh.clientKey,
      sb.ssh.clientKeyPub,
      sb.ssh.rsaClientKey,
      sb.ssh.rsaClientKeyPub,
      sb.ssh.passphraseClientKey,
      sb.ssh.passphraseClientKeyPub,
      sb.ssh.knownHostsFile,
      sb.nginx.caCertFile,
    ])
      expect(fs.existsSync(f)).toBe(true);
    const pidFiles = [
      ...sb.ssh.hosts.map((h) => h.pidFile),
      sb.docker.pidFile,
      sb.registry.pidFile,
      sb.authRegistry.pidFile,
      sb.nginx.pidFile,
      sb.postgres.pidFile,
    ];
    for (const f of pidFiles) {
      const pid = Number(fs.readFileSync(f, 'utf8').split('\n')[0]);
      expect(pid).toBeGreaterThan(1);
      expect(processExists(pid)).toBe(true);
    }
    expect(sb.nginx.caCert).toBe(fs.readFileSync(sb.nginx.caCertFile, 'utf8'));
    expect(sb.authRegistry.password).toMatch(/^[0-9a-f]{32}$/);
    expect(sb.postgres.password).toMatch(/^[0-9a-f]{32}$/);
  });

  test('known_hosts holds exactly the recorded line of every host', () => {
    const lines = fs.readFileSync(sb.ssh.knownHostsFile, 'utf8').trim().split('\n');
    expect(lines).toEqual(sb.ssh.hosts.map((h) => h.knownHostsLine));
    for (const h of sb.ssh.hosts)
      expect(h.knownHostsLine.startsWith(`[${h.host}]:${h.port} ssh-ed25519 `)).toBe(true);
    // Each host has its own host key.
    expect(new Set(sb.ssh.hosts.map((h) => h.hostKeyFingerprint)).size).toBe(sb.ssh.hosts.length);
  });

  test('`scripts/sandbox status` reports every service up', async () => {
    const r = await run('bash', [path.join(REPO_ROOT, 'scripts', 'sandbox'), 'status']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/DOWN/);
    for (const name of [
      'dockerd',
      'registry',
      'auth-registry',
      'nginx',
      'postgres',
      ...sb.ssh.hosts.map((h) => `sshd ${h.name}`),
    ])
      expect(r.stdout).toMatch(new RegExp(`ok +${name} `));
  });
});

describe('OpenSSH sshd hosts', () => {
  test('the recorded fingerprint is the live server key (ssh-keyscan)', async () => {
    for (const h of sb.ssh.hosts) {
      const scan = await run('ssh-keyscan', ['-T', '5', '-p', String(h.port), '-t', 'ed25519', h.host]);
      expect(scan.code).toBe(0);
      const scanned = scan.stdout.trim();
      expect(scanned.split(' ').slice(1)).toEqual(h.knownHostsLine.split(' ').slice(1));
      const fp = await run('ssh-keygen', ['-lf', '-'], { input: scanned + '\n' });
      expect(fp.stdout.split(' ')[1]).toBe(h.hostKeyFingerprint);
      expect(h.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    }
  });

  test.each([
    ['ed25519', () => sb.ssh.clientKey],
    ['rsa (rsa-sha2)', () => sb.ssh.rsaClientKey],
  ])('every host accepts the %s client key with strict host-key checking', async (_label, key) => {
    const results = await Promise.all(sb.ssh.hosts.map((h) => ssh(h, ['id', '-un'], key())));
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(sb.ssh.user);
    }
  });

  test('the RSA key signs with rsa-sha2, not ssh-rsa (SHA-1)', async () => {
    const h = sb.ssh.hosts[0]!;
    const r = await run('ssh', [
      '-v',
      '-o',
      'BatchMode=yes',
      ...sshArgs(h, sb.ssh.rsaClientKey, sb.ssh.knownHostsFile),
      'true',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Server accepts key: .*RSA SHA256:/);
    expect(r.stderr).toMatch(/rsa-sha2-(256|512)/);
  });

  test('the passphrase key is encrypted and logs in on every host with its passphrase (askpass, not argv)', async () => {
    // Encrypted on disk: loading it without the passphrase fails.
    const noPass = await run('ssh-keygen', ['-y', '-P', '', '-f', sb.ssh.passphraseClientKey]);
    expect(noPass.code).not.toBe(0);
    const askpass = path.join(tmp, 'askpass.sh');
    fs.writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$SANDBOX_TEST_PASSPHRASE"\n', { mode: 0o700 });
    const env = {
      ...process.env,
      SSH_ASKPASS: askpass,
      SSH_ASKPASS_REQUIRE: 'force',
      DISPLAY: ':0',
      SANDBOX_TEST_PASSPHRASE: sb.ssh.passphrase,
    };
    for (const h of sb.ssh.hosts) {
      const r = await run(
        'ssh',
        [...sshArgs(h, sb.ssh.passphraseClientKey, sb.ssh.knownHostsFile), 'id', '-un'],
        { env },
      );
      expect(r.stdout.trim()).toBe(sb.ssh.user);
      expect(r.code).toBe(0);
    }
    const wrong = await run(
      'ssh',
      [
        '-o',
        'NumberOfPasswordPrompts=1',
        ...sshArgs(sb.ssh.hosts[0]!, sb.ssh.passphraseClientKey, sb.ssh.knownHostsFile),
        'true',
      ],
      { env: { ...env, SANDBOX_TEST_PASSPHRASE: 'not-the-passphrase' } },
    );
    expect(wrong.code).toBe(255);
    expect(wrong.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  test.each([
    ['ed25519', () => ({ privateKey: fs.readFileSync(sb.ssh.clientKey) })],
    ['rsa', () => ({ privateKey: fs.readFileSync(sb.ssh.rsaClientKey) })],
    [
      'passphrase',
      () => ({ privateKey: fs.readFileSync(sb.ssh.passphraseClientKey), passphrase: sb.ssh.passphrase }),
    ],
  ])(
    'ssh2 (the library the actions use) logs in with the %s key, pinning the recorded fingerprint',
    async (_label, key) => {
      const h = sb.ssh.hosts[0]!;
      let seen = '';
      const out = await new Promise<string>((resolve, reject) => {
        const conn = new Client();
        conn
          .on('ready', () => {
            conn.exec('id -un', (err, stream) => {
              if (err) return reject(err);
              let data = '';
              stream.on('data', (c: Buffer) => (data += c.toString()));
              stream.on('close', () => {
                conn.end();
                resolve(data.trim());
              });
            });
          })
          .on('error', reject)
          .connect({
            host: h.host,
            port: h.port,
            username: sb.ssh.user,
            ...key(),
            readyTimeout: 10_000,
            hostVerifier: (raw: Buffer) => {
              seen = 'SHA256:' + createHash('sha256').update(raw).digest('base64').replace(/=+$/, '');
              return seen === h.hostKeyFingerprint;
            },
          });
      });
      expect(seen).toBe(h.hostKeyFingerprint);
      expect(out).toBe(sb.ssh.user);
    },
  );

  test('a wrong known_hosts line (another host key) is refused', async () => {
    if (sb.ssh.hosts.length < 2)
      throw new Error('this test needs at least 2 sandbox ssh hosts (bash scripts/sandbox up --ssh-hosts 2)');
    const [h1, h2] = [sb.ssh.hosts[0]!, sb.ssh.hosts[1]!];
    const wrong = path.join(tmp, 'known_hosts.wrong');
    // host1's address with host2's key.
    fs.writeFileSync(wrong, `[${h1.host}]:${h1.port} ${h2.knownHostsLine.split(' ').slice(1).join(' ')}\n`);
    const r = await run('ssh', ['-o', 'BatchMode=yes', ...sshArgs(h1, sb.ssh.clientKey, wrong), 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(r.stderr).toMatch(/Host key verification failed/);
  });

  test('an unknown host is refused under StrictHostKeyChecking=yes', async () => {
    const empty = path.join(tmp, 'known_hosts.empty');
    fs.writeFileSync(empty, '');
    const r = await run('ssh', [
      '-o',
      'BatchMode=yes',
      ...sshArgs(sb.ssh.hosts[0]!, sb.ssh.clientKey, empty),
      'true',
    ]);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Host key verification failed/);
  });

  test('root cannot log in and passwords are not offered', async () => {
    const h = sb.ssh.hosts[0]!;
    const args = sshArgs(h, sb.ssh.clientKey, sb.ssh.knownHostsFile);
    args[args.length - 1] = `root@${h.host}`;
    const r = await run('ssh', ['-o', 'BatchMode=yes', ...args, 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  test('sessions carry DOCKER_HOST, a per-host DOCKER_CONFIG and work dir, and SFTP works', async () => {
    for (const h of sb.ssh.hosts) {
      const r = await ssh(h, [
        'sh',
        '-c',
        'echo "$DOCKER_HOST|$DOCKER_CONFIG|$DEPLOY_KIT_SANDBOX_HOST|$DEPLOY_KIT_SANDBOX_WORKDIR"',
      ]);
      expect(r.stdout.trim()).toBe(`${sb.docker.host}|${h.dockerConfig}|${h.name}|${h.workDir}`);
    }
    const h = sb.ssh.hosts[0]!;
    const local = path.join(tmp, 'upload.txt');
    const content = randomBytes(8).toString('hex');
    fs.writeFileSync(local, content);
    const remote = `${h.workDir}/sftp-${content}.txt`;
    const batch = `put ${local} ${remote}\n`;
    const sftp = await run(
      'sftp',
      [
        '-b',
        '-',
        ...sshArgs(h, sb.ssh.clientKey, sb.ssh.knownHostsFile).slice(0, -3),
        '-P',
        String(h.port),
        `${sb.ssh.user}@${h.host}`,
      ],
      {
        input: batch,
      },
    );
    expect(sftp.code).toBe(0);
    const cat = await ssh(h, ['cat', remote]);
    expect(cat.stdout).toBe(content);
    await ssh(h, ['rm', '-f', remote]);
  });
});

describe('dockerd', () => {
  test('answers `docker info` on its own socket, with no bridge network', async () => {
    const info = await docker(['info', '--format', '{{json .}}']);
    expect(info.code).toBe(0);
    const parsed = JSON.parse(info.stdout) as { DockerRootDir: string; ServerVersion: string };
    expect(parsed.DockerRootDir).toBe(path.join(sb.dir, 'docker', 'data'));
    const nets = await docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']);
    expect(nets.stdout.trim().split('\n').sort()).toEqual(['host host', 'none null']);
  });

  test('runs the busybox image with host networking', async () => {
    const r = await docker([
      'run',
      '--rm',
      '--network',
      'host',
      sb.images.busybox,
      'sh',
      '-c',
      'echo hello from $(uname -s)',
    ]);
    expect(r.stdout.trim()).toBe('hello from Linux');
  });

  test('the deploy user runs docker over ssh (not as root)', async () => {
    const h = sb.ssh.hosts[sb.ssh.hosts.length - 1]!;
    const r = await ssh(h, [
      'sh',
      '-c',
      'id -u; docker run --rm --network host local/busybox:latest echo ran-over-ssh',
    ]);
    expect(r.stderr).toBe('');
    const [uid, out] = r.stdout.trim().split('\n');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(out).toBe('ran-over-ssh');
  });

  test('`docker compose` is real Compose v2 (Go), locally and over ssh; docker-compose is v1', async () => {
    const local = await docker(['compose', 'version', '--short']);
    expect(local.code).toBe(0);
    expect(local.stdout.trim()).toMatch(/^2\.\d+\.\d+/);
    const remote = await ssh(sb.ssh.hosts[0]!, ['docker', 'compose', 'version', '--short']);
    expect(remote.stdout.trim()).toBe(local.stdout.trim());
    const plugins = await docker(['info', '--format', '{{json .ClientInfo.Plugins}}']);
    expect(plugins.stdout).toMatch(/"Name":"compose"/);
    expect(fs.realpathSync(path.join(sb.ssh.hosts[0]!.dockerConfig, 'cli-plugins/docker-compose'))).toBe(
      fs.realpathSync(sb.compose.v2Plugin),
    );
    const v1 = await ssh(sb.ssh.hosts[0]!, [sb.compose.v1, 'version', '--short']);
    expect(v1.stdout.trim()).toMatch(/^1\.29\.\d+$/);
  });

  test('the Debian base image, when it was requested, runs apt tooling', async () => {
    if (!sb.images.debian) {
      // Not requested: the image must then really be absent, not silently skipped.
      const r = await docker(['image', 'inspect', 'local/debian:bookworm']);
      expect(r.code).not.toBe(0);
      return;
    }
    const r = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      sb.images.debian,
      'sh',
      '-c',
      '. /etc/os-release; echo $VERSION_CODENAME; command -v apt-get',
    ]);
    expect(r.stdout.trim().split('\n')).toEqual(['bookworm', '/usr/bin/apt-get']);
  });
});

/** GET over plain HTTP; returns status, headers and body. */
function httpGet(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('registries', () => {
  test('push, pull and delete through the plain registry', async () => {
    const repo = `${sb.registry.address}/sandbox-test/busybox`;
    const tag = `t${randomBytes(4).toString('hex')}`;
    expect((await docker(['tag', sb.images.busybox, `${repo}:${tag}`])).code).toBe(0);
    const push = await docker(['push', `${repo}:${tag}`]);
    expect(push.code).toBe(0);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    expect(digest).toBeDefined();
    expect((await docker(['rmi', `${repo}:${tag}`])).code).toBe(0);
    const pull = await docker(['pull', `${repo}:${tag}`]);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain(digest!);
    const tags = await httpGet(`http://${sb.registry.address}/v2/sandbox-test/busybox/tags/list`);
    expect(JSON.parse(tags.body).tags).toContain(tag);
    // delete.enabled: true
    const del = await fetch(`http://${sb.registry.address}/v2/sandbox-test/busybox/manifests/${digest}`, {
      method: 'DELETE',
    });
    expect(del.status).toBe(202);
    await docker(['rmi', `${repo}:${tag}`]);
  });

  test('the auth registry refuses anonymous access and accepts docker login --password-stdin', async () => {
    const anon = await httpGet(`http://${sb.authRegistry.address}/v2/`);
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const config = fs.mkdtempSync(path.join(tmp, 'docker-config-'));
    const repo = `${sb.authRegistry.address}/sandbox-test/busybox:auth`;
    await docker(['tag', sb.images.busybox, repo]);
    const anonPush = await docker(['push', repo], { config });
    expect(anonPush.code).not.toBe(0);
    expect(anonPush.stderr).toMatch(/no basic auth credentials|unauthorized/);
    const bad = await docker(
      ['login', '-u', sb.authRegistry.username, '--password-stdin', sb.authRegistry.address],
      {
        config,
        input: 'wrong-password\n',
      },
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/401 Unauthorized|unauthorized/);
    const good = await docker(
      ['login', '-u', sb.authRegistry.username, '--password-stdin', sb.authRegistry.address],
      {
        config,
        input: sb.authRegistry.password + '\n',
      },
    );
    expect(good.stdout).toMatch(/Login Succeeded/);
    expect(good.code).toBe(0);
    const saved = JSON.parse(fs.readFileSync(path.join(config, 'config.json'), 'utf8')) as {
      auths: Record<string, unknown>;
    };
    expect(Object.keys(saved.auths)).toContain(sb.authRegistry.address);
    const push = await docker(['push', repo], { config });
    expect(push.code).toBe(0);
    await docker(['rmi', repo]);
  });
});

describe('nginx', () => {
  function httpsGet(url: string, ca?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.get(url, { ca, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
  }

  test('serves TLS that verifies against the recorded caCert', async () => {
    const r = await httpsGet(`${sb.nginx.httpsUrl}/healthz`, sb.nginx.caCert);
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok\n');
    const viaName = await httpsGet(
      `${sb.nginx.httpsUrl.replace('127.0.0.1', 'localhost')}/`,
      sb.nginx.caCert,
    );
    expect(viaName.status).toBe(200);
  });

  test('is refused without the caCert (self-signed)', async () => {
    await expect(httpsGet(`${sb.nginx.httpsUrl}/healthz`)).rejects.toThrow(/self-signed certificate/);
  });

  test('speaks HTTP/2', async () => {
    const client = http2.connect(sb.nginx.httpsUrl, { ca: sb.nginx.caCert });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = client.request({ ':path': '/healthz' });
        req.on('response', (h) => resolve(Number(h[':status'])));
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      expect(client.alpnProtocol).toBe('h2');
    } finally {
      client.close();
    }
  });

  test('proxies /proxy/PORT/PATH over TLS to a loopback app (here: the registry)', async () => {
    const port = sb.registry.address.split(':')[1];
    const r = await httpsGet(`${sb.nginx.httpsUrl}/proxy/${port}/v2/_catalog?n=1000`, sb.nginx.caCert);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toHaveProperty('repositories');
  });

  test('redirects plain HTTP with a 301 to https', async () => {
    const r = await httpGet(`${sb.nginx.httpUrl}/some/path?q=1`);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`${sb.nginx.httpsUrl}/some/path?q=1`);
  });
});

describe('PostgreSQL', () => {
  const psql = (password: string, sql: string) =>
    run(
      'psql',
      [
        '-h',
        sb.postgres.host,
        '-p',
        String(sb.postgres.port),
        '-U',
        sb.postgres.user,
        '-d',
        sb.postgres.database,
        '-AtX',
        '-c',
        sql,
      ],
      {
        env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
      },
    );

  test('accepts a query with the recorded password over TCP', async () => {
    const r = await psql(sb.postgres.password, 'select current_user, current_database(), inet_server_port()');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`${sb.postgres.user}|${sb.postgres.database}|${sb.postgres.port}`);
  });

  test('refuses a wrong password', async () => {
    const r = await psql('wrong-password', 'select 1');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/password authentication failed for user "deploykit"/);
  });
});
