import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  loadSandbox,
  runAction,
  sandboxDocker,
  type RunActionResult,
  type SandboxInfo,
  versionAppDockerfile,
  type SandboxSshHost,
} from '@deploy-kit/harness';

/** Per-host extras that scripts/sandbox writes next to the contract fields. */
export type Host = SandboxSshHost & { workDir: string; dockerConfig: string };

export const sandbox: SandboxInfo = loadSandbox();
export const hosts = sandbox.ssh.hosts as Host[];
export const REPO = `${sandbox.registry.address}/remote-deploy-app`;

/** The sandbox's docker CLI: its stdout, or an error with its stderr. */
export const docker = (args: string[], input?: string): string => sandboxDocker(sandbox, args, input);

/**
 * Tiny app images: busybox httpd serving /www/version, with a HEALTHCHECK via wget.
 * `bad` has no version file, so its healthcheck (and any HTTP check) stays red.
 */
export function buildAppImages(): Record<'v1' | 'v2' | 'v3' | 'bad', string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-img-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), versionAppDockerfile({ base: sandbox.images.busybox }));
  const out = { v1: `${REPO}:1.0`, v2: `${REPO}:2.0`, v3: `${REPO}:3.0`, bad: `${REPO}:bad` };
  const builds: [string, string, string][] = [
    [out.v1, '1.0', ''],
    [out.v2, '2.0', ''],
    [out.v3, '3.0', ''],
    [out.bad, 'bad', '1'],
  ];
  for (const [tag, version, broken] of builds) {
    docker([
      'build',
      '-q',
      '--build-arg',
      `VERSION=${version}`,
      '--build-arg',
      `BROKEN=${broken}`,
      '-t',
      tag,
      dir,
    ]);
    docker(['push', tag]);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/**
 * An image FROM the sandbox's Debian base (local/debian:bookworm) with Debian packages, built the
 * way examples/django-app's Dockerfile builds (policy-rc.d so no package starts a service during
 * the build, `--network host` for apt, package caches removed) and pushed to the sandbox registry
 * so hosts can pull it. Tagged with the hash of its content: a later run reuses the built layers.
 */
export function buildDebianImage(
  name: string,
  spec: { packages: string[]; files: Record<string, string>; lines: string[] },
): string {
  const base = sandbox.images.debian;
  if (!base)
    throw new Error(
      'the sandbox has no Debian base image; start it with: bash scripts/sandbox up --with-debian',
    );
  const dockerfile = [
    `FROM ${base}`,
    "RUN printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d \\",
    '    && apt-get update \\',
    `    && apt-get install -y --no-install-recommends ${spec.packages.join(' ')} \\`,
    '    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb',
    ...spec.lines,
    '',
  ].join('\n');
  const files = { Dockerfile: dockerfile, ...spec.files };
  // The base's id is part of the tag: a re-made base (a new debootstrap) is a new image.
  const hash = createHash('sha256').update(docker(['image', 'inspect', '--format', '{{.Id}}', base]));
  for (const [file, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b)))
    hash.update(`${file}\0${content}\0`);
  const tag = `${sandbox.registry.address}/${name}:${hash.digest('hex').slice(0, 16)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-debian-img-'));
  try {
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    docker(['build', '-q', '--network', 'host', '-t', tag, dir]);
    docker(['push', '-q', tag]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return tag;
}

export function uniqueId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * A port nobody else in this run is likely to use: random, and below the kernel's ephemeral
 * range (32768+), so no outgoing connection of the run (ssh clients, proxies) can hold it.
 */
export function freePort(): number {
  return 20000 + Math.floor(Math.random() * 12000);
}

export const COMPOSE = `version: "3.8"
services:
  web:
    image: ${sandbox.images.busybox}
    network_mode: host
    init: true
    environment:
      BIND: \${DEPLOY_HOST}
      PORT: \${APP_PORT}
      APP_SECRET: \${APP_SECRET}
    volumes:
      - \${DATA_DIR}:/data
`;

export interface App {
  id: string;
  workspace: string;
  port: number;
  dataDir: string;
  secret: string;
  /** project dir on each host (under that host's work dir, so hosts sharing this machine do not collide). */
  projectDirs: string[];
}

export function makeApp(targets: readonly Host[]): App {
  const id = uniqueId();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-ws-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-data-'));
  fs.chmodSync(dataDir, 0o777);
  const port = freePort();
  const secret = `s3cret-${uniqueId()}-${uniqueId()}`;
  fs.writeFileSync(path.join(workspace, 'docker-compose.yml'), COMPOSE);
  fs.writeFileSync(
    path.join(workspace, 'app.env'),
    `APP_PORT=${port}\nDATA_DIR=${dataDir}\nAPP_SECRET=${secret}\n`,
  );
  return { id, workspace, port, dataDir, secret, projectDirs: targets.map((h) => `${h.workDir}/rd-${id}`) };
}

export function hostsYaml(
  app: App,
  targets: readonly Host[],
  extra: (h: Host) => Record<string, unknown> = () => ({}),
): string {
  return targets
    .map((h, i) =>
      [
        `- host: ${h.host}`,
        `  port: ${h.port}`,
        `  project-dir: ${app.projectDirs[i]}`,
        `  project-name: rd${app.id}${h.name}`,
        ...Object.entries(extra(h)).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
      ].join('\n'),
    )
    .join('\n');
}

export function knownHosts(targets: readonly Host[]): string {
  return targets.map((h) => h.knownHostsLine).join('\n');
}

export function baseInputs(app: App, targets: readonly Host[]): Record<string, string> {
  return {
    hosts: hostsYaml(app, targets),
    user: sandbox.ssh.user,
    'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
    'known-hosts': knownHosts(targets),
    'project-dir': '/unused-overridden-per-host',
    'compose-files': 'docker-compose.yml',
    'env-file': 'app.env',
    'health-timeout': '30s',
    'lock-timeout': '5s',
    // busybox httpd cannot listen beside itself (no SO_REUSEPORT): these tests keep the plain
    // up -d; zero-downtime.test.ts runs the default strategy.
    strategy: 'recreate',
  };
}

export async function deploy(
  app: App,
  inputs: Record<string, string>,
  options: Partial<Parameters<typeof runAction>[0]> = {},
): Promise<RunActionResult> {
  return runAction({
    action: 'remote-deploy',
    workspace: app.workspace,
    inputs,
    timeoutMs: 180_000,
    ...options,
  });
}

/** What the app on a host serves right now (over HTTP from here), or the error. */
export async function served(host: Host, app: App): Promise<string> {
  try {
    const res = await fetch(`http://${host.host}:${app.port}/version`, { signal: AbortSignal.timeout(3000) });
    return res.ok ? (await res.text()).trim() : `HTTP ${res.status}`;
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  }
}

export function currentRelease(projectDir: string): string | undefined {
  try {
    return path.basename(fs.readlinkSync(path.join(projectDir, 'current')));
  } catch {
    return undefined;
  }
}

export function releaseLog(projectDir: string): { version: string; outcome: string }[] {
  const file = path.join(projectDir, '.deploy-kit', 'releases.log');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { version: string; outcome: string });
}

/** Stop the containers a test started (compose project per host), so ports and names do not leak. */
export function cleanup(app: App, targets: readonly Host[]): void {
  targets.forEach((h) => {
    const ids = docker([
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=rd${app.id}${h.name}`,
    ]).trim();
    if (ids) docker(['rm', '-f', ...ids.split('\n')]);
  });
}

export interface PrivateSshd {
  host: string;
  port: number;
  fingerprint: string;
  knownHostsLine: string;
  log: string;
  canary: string;
  stop(): void;
}

/**
 * Where a throwaway sshd lives: a temp dir (named from `prefix`), a random loopback address and
 * port, a world-writable canary dir, and an authorized_keys file (<dir>/auth/<user>) letting in
 * the sandbox client key, forced to `touch CANARY` unless `forcedCommand` is false.
 */
export function privateSshdPlace(
  prefix: string,
  forcedCommand = true,
): { dir: string; host: string; port: number; canary: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  const host = `127.0.${200 + Math.floor(Math.random() * 50)}.${2 + Math.floor(Math.random() * 250)}`;
  const port = 30000 + Math.floor(Math.random() * 20000);
  fs.mkdirSync(path.join(dir, 'canary'), { mode: 0o777 });
  fs.chmodSync(path.join(dir, 'canary'), 0o777);
  const canary = path.join(dir, 'canary', 'CANARY');
  const pub = fs.readFileSync(sandbox.ssh.clientKeyPub, 'utf8').trim();
  fs.mkdirSync(path.join(dir, 'auth'));
  fs.writeFileSync(
    path.join(dir, 'auth', sandbox.ssh.user),
    `${forcedCommand ? `command="touch ${canary}; chmod 666 ${canary}" ` : ''}${pub}\n`,
    { mode: 0o644 },
  );
  fs.chmodSync(path.join(dir, 'auth'), 0o755);
  return { dir, host, port, canary };
}

/**
 * A throwaway sshd of our own (RIG.md recipe, pid file under its temp dir), whose
 * authorized_keys entry for the sandbox client key forces `touch CANARY`: if any
 * session were ever opened with our key, the canary file would appear.
 */
export async function startPrivateSshd(
  options: { forcedCommand?: boolean; setEnv?: Record<string, string> } = {},
): Promise<PrivateSshd> {
  const { dir, host, port, canary } = privateSshdPlace('rd-sshd-', options.forcedCommand ?? true);
  fs.mkdirSync('/run/sshd', { recursive: true });
  const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  if (keygen.status !== 0) throw new Error(`ssh-keygen failed: ${keygen.stderr}`);
  const cfg = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    cfg,
    [
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${dir}/host_key`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/auth/%u`,
      'PermitUserEnvironment no',
      `AllowUsers ${sandbox.ssh.user}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel DEBUG1',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      ...(options.setEnv
        ? [
            `SetEnv ${Object.entries(options.setEnv)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`,
          ]
        : []),
      '',
    ].join('\n'),
  );
  const log = path.join(dir, 'sshd.log');
  const started = spawnSync('/usr/sbin/sshd', ['-f', cfg, '-E', log]);
  if (started.status !== 0) throw new Error(`sshd failed: ${started.stderr}`);
  const deadline = Date.now() + 10_000;
  let keyscan = '';
  while (Date.now() < deadline) {
    const r = spawnSync('ssh-keyscan', ['-p', String(port), '-t', 'ed25519', host], { encoding: 'utf8' });
    keyscan = r.stdout.trim();
    if (keyscan !== '') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (keyscan === '') throw new Error(`private sshd on ${host}:${port} did not answer`);
  const fp = spawnSync('ssh-keygen', ['-lf', path.join(dir, 'host_key.pub')], {
    encoding: 'utf8',
  }).stdout.split(' ')[1] as string;
  return {
    host,
    port,
    fingerprint: fp,
    knownHostsLine: keyscan,
    log,
    canary,
    stop() {
      const pidFile = path.join(dir, 'sshd.pid');
      if (fs.existsSync(pidFile)) {
        try {
          process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Authentication requests the server logged after `from` bytes (sshd DEBUG1 logs each userauth request). */
export function authAttempts(log: string, from = 0): string[] {
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, 'utf8')
    .slice(from)
    .split('\n')
    .filter((l) =>
      /userauth-request|Accepted publickey|Failed publickey|Postponed publickey|input_userauth_request/.test(
        l,
      ),
    );
}
