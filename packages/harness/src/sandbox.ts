import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './run-action';

/**
 * What `scripts/sandbox up` started, as written to `<dir>/sandbox.json`.
 * Tests read this file; they never guess ports or paths.
 */
export interface SandboxSshHost {
  /** Short name, e.g. host1. */
  name: string;
  /** Loopback address, 127.0.0.x. */
  host: string;
  port: number;
  /** OpenSSH form: SHA256:base64-without-padding. */
  hostKeyFingerprint: string;
  /** A known_hosts line for this host (`[host]:port ssh-ed25519 AAAA...`). */
  knownHostsLine: string;
  pidFile: string;
  /**
   * Every host shares one filesystem, one login user and one dockerd. This
   * directory (owned by the login user; `$DEPLOY_KIT_SANDBOX_WORKDIR` in its
   * sessions) is this host's own place to deploy to, so hosts do not collide.
   */
  workDir: string;
  /** DOCKER_CONFIG of this host's ssh sessions (its cli-plugins/docker-compose is real Compose v2; `docker login` state stays per host). */
  dockerConfig: string;
}

export interface SandboxInfo {
  /** Absolute path of the sandbox directory (default <repo>/.sandbox). */
  dir: string;
  /** When this sandbox was first brought up (ISO 8601, UTC). */
  startedAt: string;
  ssh: {
    /** Login user on every host (a dedicated non-root user in the docker group when run as root). */
    user: string;
    /**
     * Key fields are absolute FILE PATHS (usable with `ssh -i`; read them for ssh2's privateKey).
     * ed25519 client private key (OpenSSH format, no passphrase) and its .pub.
     */
    clientKey: string;
    clientKeyPub: string;
    /** RSA 3072 client key (rsa-sha2 signatures), authorised on every host. */
    rsaClientKey: string;
    rsaClientKeyPub: string;
    /** ed25519 key protected by `passphrase`, authorised on every host. */
    passphraseClientKey: string;
    passphraseClientKeyPub: string;
    /** The passphrase itself (not a path). */
    passphrase: string;
    /** known_hosts file with every host's line. */
    knownHostsFile: string;
    hosts: SandboxSshHost[];
  };
  docker: {
    /** unix:///.../docker.sock */
    host: string;
    /** DOCKER_CONFIG directory (credentials stay in the sandbox; holds the Compose v2 CLI plugin). */
    config: string;
    pidFile: string;
    /** The docker CLI the sandbox uses (CLI 28 at /usr/local/bin/docker here; legacy builder). */
    cli: string;
  };
  /** Both Compose generations: v1 (Debian bookworm's Python docker-compose 1.29) and v2 (Go, from Debian trixie). */
  compose: {
    /** docker-compose v1 executable. */
    v1: string;
    /** The Compose v2 docker CLI plugin every sandbox host uses for `docker compose`. */
    v2Plugin: string;
  };
  /** Plain HTTP registries on loopback (docker allows 127.0.0.0/8 as insecure); delete enabled. */
  registry: { address: string; pidFile: string };
  authRegistry: { address: string; username: string; password: string; pidFile: string };
  nginx: {
    httpUrl: string;
    httpsUrl: string;
    /** The self-signed certificate (PEM), usable as a CA bundle. */
    caCert: string;
    /** The same certificate as a file (for curl --cacert, NODE_EXTRA_CA_CERTS, ...). */
    caCertFile: string;
    pidFile: string;
  };
  postgres: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    pidFile: string;
  };
  images: {
    /** FROM scratch + busybox-static, always built. */
    busybox: string;
    /** Debian bookworm minbase imported with debootstrap, when `up --with-debian` was used. */
    debian?: string;
  };
}

export function sandboxDir(): string {
  // An empty DEPLOY_KIT_SANDBOX means the default, as in scripts/sandbox (`${VAR:-default}`).
  return path.resolve(process.env.DEPLOY_KIT_SANDBOX || path.join(REPO_ROOT, '.sandbox'));
}

/** Load sandbox.json, or throw a sentence telling how to start the sandbox. */
export function loadSandbox(): SandboxInfo {
  const file = path.join(sandboxDir(), 'sandbox.json');
  if (!fs.existsSync(file)) throw new Error(`no sandbox at ${file}; start it with: bash scripts/sandbox up`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxInfo;
}

/**
 * Environment for running the docker CLI (and docker-compose) against the
 * sandbox's dockerd: its socket and its DOCKER_CONFIG (Compose v2 plugin),
 * without any DOCKER_CONTEXT inherited from the caller.
 */
export function sandboxDockerEnv(sb: SandboxInfo, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: sb.docker.host,
    DOCKER_CONFIG: sb.docker.config,
    ...extra,
  };
  delete env.DOCKER_CONTEXT;
  return env;
}
