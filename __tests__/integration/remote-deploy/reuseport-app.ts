import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { docker, freePort, sandbox, uniqueId } from './helpers';

/**
 * A FAST stand-in for the example app that still takes the zero-downtime path the way it does on
 * the host network: `web` is a tiny HTTP server (Perl, from the sandbox's Debian base image, which
 * every `--with-debian` sandbox already has: no package install, each image builds in about a
 * second) that listens with SO_REUSEPORT, so a new copy binds beside the old one, and answers
 * `GET /version` with `{"version": "<release>"}`; its HEALTHCHECK runs every second. `worker`
 * serves nothing (like celery): `up -d` replaces it, stop then start. Both stop at once on SIGTERM.
 * The worker has no healthcheck, so the health gate's first look after the switch passes (web
 * turned healthy during the overlap): every run sends the same remote commands in the same order,
 * which the cut test needs to address them by number (a worker turning healthy 1 or 2 s later
 * would add a poll here and there and shift every later k).
 */

const REPOSITORY = `${sandbox.registry.address}/zd-cut-fixture`;

const SERVER = String.raw`use strict;
use warnings;
use IO::Socket::INET;
$| = 1;
my ($bind, $port, $version) = ($ENV{BIND} || '127.0.0.1', $ENV{PORT}, $ENV{APP_VERSION} || 'dev');
my $s = IO::Socket::INET->new(LocalAddr => "$bind:$port", Listen => 128, ReuseAddr => 1, ReusePort => 1)
  or die "cannot listen on $bind:$port: $!\n";
$SIG{TERM} = sub { exit 0 };
print "web $version listening on $bind:$port\n";
while (1) {
  my $c = $s->accept or next;
  $c->timeout(5);
  my $line = <$c> // '';
  while (defined(my $h = <$c>)) { last if $h =~ /^\r?\n$/ }
  my $body = $line =~ m{^GET /version} ? qq({"version": "$version"}\n) : "ok\n";
  print $c "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: " . length($body)
    . "\r\nConnection: close\r\n\r\n$body";
  close $c;
}
`;

const HEALTH = String.raw`use IO::Socket::INET;
my $c = IO::Socket::INET->new(PeerAddr => "$ENV{BIND}:$ENV{PORT}", Timeout => 2) or exit 1;
print $c "GET /healthz HTTP/1.0\r\n\r\n";
my $status = <$c> // '';
exit($status =~ m{^HTTP/1\.\d 200} ? 0 : 1);
`;

const DOCKERFILE = (base: string): string =>
  [
    `FROM ${base}`,
    'COPY server.pl health.pl /app/',
    'ARG APP_VERSION=dev',
    'ENV APP_VERSION=${APP_VERSION}',
    'HEALTHCHECK --interval=1s --timeout=2s --retries=3 CMD ["perl", "/app/health.pl"]',
    'CMD ["perl", "/app/server.pl"]',
    '',
  ].join('\n');

/** Both services on the host network, `init: true` (SIGTERM reaches perl); the worker without a healthcheck. */
export const COMPOSE = `version: "3.8"
services:
  web:
    image: ${sandbox.images.busybox}
    network_mode: host
    init: true
    environment:
      BIND: \${DEPLOY_HOST}
      PORT: \${WEB_PORT}
  worker:
    image: ${sandbox.images.busybox}
    network_mode: host
    init: true
    command: ["perl", "-e", "$$SIG{TERM} = sub { exit 0 }; sleep 1 while 1"]
    healthcheck:
      disable: true
`;

export type CutImages = Record<string, Record<'web' | 'worker', string>>;

/** Build and push the app for each version: service -> image. */
export function buildCutImages(versions: readonly string[]): CutImages {
  const base = sandbox.images.debian;
  if (!base) throw new Error('the sandbox has no Debian base image: bash scripts/sandbox up --with-debian');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-cut-img-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE(base));
  fs.writeFileSync(path.join(dir, 'server.pl'), SERVER);
  fs.writeFileSync(path.join(dir, 'health.pl'), HEALTH);
  const out: CutImages = {};
  try {
    for (const version of versions) {
      const tag = `${REPOSITORY}:${version}`;
      docker(['build', '-q', '--build-arg', `APP_VERSION=${version}`, '-t', tag, dir]);
      docker(['push', '-q', tag]);
      out[version] = { web: tag, worker: tag };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export interface CutApp {
  id: string;
  workspace: string;
  port: number;
}

/** A workspace with the compose file and an env file giving this app its own port. */
export function makeCutApp(used: Set<number>): CutApp {
  const id = uniqueId();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-cut-ws-'));
  let port = freePort();
  while (used.has(port)) port = freePort();
  used.add(port);
  fs.writeFileSync(path.join(workspace, 'docker-compose.yml'), COMPOSE);
  fs.writeFileSync(path.join(workspace, 'app.env'), `WEB_PORT=${port}\n`);
  return { id, workspace, port };
}
