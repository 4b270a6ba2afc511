import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from 'undici';
import { loadSandbox, type SandboxInfo } from '@deploy-kit/harness';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/build-images');

export const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export function sandbox(): SandboxInfo {
  return loadSandbox();
}

const namespaces: string[] = [];

/** A unique image namespace per test, so parallel runs and reruns never share tags. */
export function namespace(): string {
  const ns = `bi-${crypto.randomBytes(4).toString('hex')}`;
  namespaces.push(ns);
  return ns;
}

/** Remove the local images the tests of this file built (call from afterAll): the sandbox daemon is shared. */
export function removeTestImages(): void {
  const refs = docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])
    .split('\n')
    .filter((ref) => namespaces.some((ns) => ref.startsWith(`${ns}/`) || ref.includes(`/${ns}/`)));
  if (refs.length > 0) docker(['image', 'rm', '--force', ...refs]);
}

/** A fresh workspace holding a copy of a fixture folder. */
export function workspaceFrom(fixture: string): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-ws-'));
  fs.cpSync(path.join(FIXTURES, fixture), ws, { recursive: true });
  return ws;
}

/** An empty DOCKER_CONFIG standing for the user's own, to prove we never write to it. */
export function userDockerConfig(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-user-docker-'));
  fs.writeFileSync(path.join(dir, 'config.json'), '{}\n');
  return dir;
}

export function docker(args: string[], env: Record<string, string> = {}): string {
  return execFileSync('docker', args, {
    env: { ...process.env, DOCKER_HOST: sandbox().docker.host, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The digest the registry itself serves for a tag (HEAD with the manifest media types). */
export async function registryDigest(
  address: string,
  repoPath: string,
  tag: string,
  auth?: { username: string; password: string },
): Promise<string | undefined> {
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
  if (auth)
    headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  const res = await request(`http://${address}/v2/${repoPath}/manifests/${tag}`, { method: 'HEAD', headers });
  await res.body.dump();
  if (res.statusCode !== 200) return undefined;
  return res.headers['docker-content-digest'] as string;
}

export async function registryTags(address: string, repoPath: string): Promise<string[]> {
  const res = await request(`http://${address}/v2/${repoPath}/tags/list`);
  const body = (await res.body.json()) as { tags?: string[] };
  return (body.tags ?? []).sort();
}

/**
 * A registry that misbehaves before it works: a small HTTP proxy in front of
 * the real one that answers the first requests with the given faults (an HTTP
 * status, or 'reset' to drop the connection) and forwards everything after.
 * Every request it sees is recorded, so a test can count the attempts.
 */
export interface FlakyRegistry {
  address: string;
  seen: { method: string; url: string; answer: string }[];
  close(): Promise<void>;
}

export type Fault = number | 'reset';

/** `faults` are served first, in order; then `after` (if given) may fault any later request. */
export async function flakyRegistry(
  upstream: string,
  faults: Fault[],
  after?: (req: http.IncomingMessage, seen: FlakyRegistry['seen']) => Fault | undefined,
): Promise<FlakyRegistry> {
  const [upHost, upPort] = upstream.split(':') as [string, string];
  const queue = [...faults];
  const seen: FlakyRegistry['seen'] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const fault = queue.length > 0 ? queue.shift() : after?.(req, seen);
    if (fault === 'reset') {
      seen.push({ method: req.method ?? '', url: req.url ?? '', answer: 'reset' });
      req.socket.destroy();
      return;
    }
    if (fault !== undefined) {
      seen.push({ method: req.method ?? '', url: req.url ?? '', answer: String(fault) });
      res.writeHead(fault, {
        'content-type': 'application/json',
        ...(fault === 429 ? { 'retry-after': '1' } : {}),
      });
      res.end(
        JSON.stringify({
          errors: [{ code: fault === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE', message: 'injected fault' }],
        }),
      );
      return;
    }
    seen.push({ method: req.method ?? '', url: req.url ?? '', answer: 'forwarded' });
    // Host is kept: the registry builds upload Location URLs from it, so they point back at the proxy.
    const upstreamReq = http.request(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
