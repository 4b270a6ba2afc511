import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { versionAppDockerfile, waitFor } from '@deploy-kit/harness';
import { docker, freePort, REPO, sandbox, type Host } from '../remote-deploy/helpers';

/**
 * The public side of a three-host fleet on the sandbox: nginx terminating TLS (the sandbox's
 * certificate, valid for 127.0.0.1) in front of every host's app, round robin, as a load balancer
 * in front of app servers would be. Started from its own config with a pid file; stop() stops
 * that pid only.
 */
export interface Balancer {
  url: string;
  stop(): void;
}

export async function startBalancer(upstreams: readonly string[]): Promise<Balancer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-lb-'));
  const port = freePort();
  const nginxDir = path.join(sandbox.dir, 'nginx');
  fs.mkdirSync(path.join(dir, 'tmp'));
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    [
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'worker_processes 1;',
      'events { worker_connections 128; }',
      'http {',
      `  access_log ${dir}/access.log;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/tmp/${t};`),
      `  upstream fleet { ${upstreams.map((u) => `server ${u} max_fails=0;`).join(' ')} }`,
      '  server {',
      `    listen 127.0.0.1:${port} ssl;`,
      `    ssl_certificate ${nginxDir}/cert.pem;`,
      `    ssl_certificate_key ${nginxDir}/key.pem;`,
      '    add_header Strict-Transport-Security "max-age=31536000" always;',
      '    location / { proxy_pass http://fleet; proxy_set_header X-Forwarded-Proto https; }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const nginx = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  const r = spawnSync(nginx, ['-c', conf, '-p', dir, '-e', path.join(dir, 'error.log')], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`nginx failed: ${r.stderr}`);
  const url = `https://127.0.0.1:${port}`;
  await waitFor('the TLS balancer to answer', async () => fs.existsSync(path.join(dir, 'nginx.pid')), 10_000);
  return {
    url,
    stop() {
      const pidFile = path.join(dir, 'nginx.pid');
      if (!fs.existsSync(pidFile)) return;
      try {
        process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

/**
 * Release images for the one-step tests: busybox httpd serving /version (text, what the
 * Compose healthcheck reads) and /version.json ({"version": ...}, what the smoke test's version
 * suite reads). `reports` lets a build report another version than its tag: a faulty release that
 * passes the health gate and fails the smoke test; `broken` a release whose health gate stays red.
 */
export function buildReleaseImage(
  tag: string,
  reports: string,
  options: { broken?: boolean; page?: PageBehaviour } = {},
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-img-'));
  const dockerfile = versionAppDockerfile({ base: sandbox.images.busybox });
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    options.page ? withPage(dockerfile, options.page) : dockerfile,
  );
  const image = `${REPO}-onestep:${tag}`;
  const broken = options.broken ? ['--build-arg', 'BROKEN=1'] : [];
  docker(['build', '-q', '--build-arg', `VERSION=${reports}`, ...broken, '-t', image, dir]);
  docker(['push', '-q', image]);
  fs.rmSync(dir, { recursive: true, force: true });
  return image;
}

/**
 * A journey page, /cgi-bin/page (a busybox httpd CGI script), beside /version and /version.json:
 * 'ok' answers 200; 'broken' answers 500 forever (a release that passes its health gate, which
 * reads /version, and is broken for users); 'warming' answers 503 for the first 5 s after the
 * container started, then 200 (a release, or what is in front of it, still warming up). The
 * container starts before the health gate passes, so those 503s end within 5 s of the smoke
 * test's start: inside its default warm-up.
 */
export type PageBehaviour = 'ok' | 'broken' | 'warming';

export const PAGE_PATH = '/cgi-bin/page';

function withPage(dockerfile: string, page: PageBehaviour): string {
  const answer = (status: string, body: string): string =>
    `printf "HTTP/1.0 ${status}\\r\\nContent-Type: text/plain\\r\\n\\r\\n${body}\\n"`;
  const script = {
    ok: answer('200 OK', 'ok'),
    broken: answer('500 Internal Server Error', 'broken'),
    warming: `if [ $(( $(date +%s) - $(cat /tmp/started) )) -lt 5 ]; then ${answer('503 Service Unavailable', 'warming up')}; else ${answer('200 OK', 'ok')}; fi`,
  }[page];
  return [
    dockerfile.trimEnd(),
    `RUN mkdir -p /tmp /www/cgi-bin && printf '%s\\n' '#!/bin/sh' '${script}' > /www${PAGE_PATH} && chmod 755 /www${PAGE_PATH}`,
    'CMD date +%s > /tmp/started && exec httpd -f -p "$BIND:$PORT" -h /www',
    '',
  ].join('\n');
}

/** The app's env template: the secret comes from `secrets`, the version from vars.version (added by the step). */
export const TEMPLATE = [
  'APP_PORT={{ vars.port }}',
  'DATA_DIR={{ vars.data_dir }}',
  'APP_SECRET={{ secrets.APP_SECRET }}',
  'APP_VERSION={{ vars.version }}',
  '',
].join('\n');

/** The smoke-test half of the one-step inputs: the version suite over TLS through the balancer. */
export function versionSuiteInputs(balancerUrl: string): Record<string, string> {
  return {
    url: `${balancerUrl}/version`,
    'ca-cert': sandbox.nginx.caCert,
    suites: 'version',
    'version-path': '/version.json',
    'version-json-path': '$.version',
    'smoke-timeout': '8s',
  };
}

export function lockHeld(projectDir: string): boolean {
  return fs.existsSync(path.join(projectDir, '.deploy-kit', 'lock'));
}

export type { Host };
