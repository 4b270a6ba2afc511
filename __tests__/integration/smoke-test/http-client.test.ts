import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HttpClient, HttpError, parseResolve, probeTls } from '@deploy-kit/shared/http';
import { makeCertificates } from '../../fixtures/smoke-test/servers';

// The shared HTTP client in-process against real local servers (node's own
// http/https, certificates from openssl): pinning, CA, body cap, timeouts.

jest.setTimeout(30_000);

let dir: string;
let ca: string;
let tlsServer: https.Server;
let plain: http.Server;
let silent: net.Server;
let tlsPort: number;
let plainPort: number;
let silentPort: number;
const seenHosts: string[] = [];
const sockets = new Set<net.Socket>();

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-http-'));
  makeCertificates(dir);
  ca = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8');
  tlsServer = https.createServer(
    { cert: fs.readFileSync(path.join(dir, 'valid.pem')), key: fs.readFileSync(path.join(dir, 'valid.key')) },
    (req, res) => {
      seenHosts.push(req.headers.host ?? '');
      res.end('secure');
    },
  );
  plain = http.createServer((req, res) => {
    if (req.url === '/big') {
      res.write(Buffer.alloc(64 * 1024, 0x62));
      res.end(Buffer.alloc(64 * 1024, 0x62));
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: '/elsewhere' }).end();
    } else if (req.url === '/stall-body') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    } else {
      res.writeHead(200, { 'set-cookie': ['a=1', 'b=2'] }).end('plain');
    }
  });
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  [tlsPort, plainPort, silentPort] = await Promise.all([listen(tlsServer), listen(plain), listen(silent)]);
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  plain.closeAllConnections();
  tlsServer.closeAllConnections();
  await Promise.all([tlsServer, plain, silent].map((s) => new Promise((r) => s.close(r))));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('pinned resolve connects to the address and verifies TLS against the name', async () => {
  const client = new HttpClient({ ca, resolve: parseResolve('resolve', `app.test:${tlsPort}:127.0.0.1`) });
  try {
    const res = await client.request({ url: `https://app.test:${tlsPort}/` });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('secure');
    expect(seenHosts.at(-1)).toBe(`app.test:${tlsPort}`);
  } finally {
    await client.destroy();
  }
  const wrong = new HttpClient({
    ca,
    resolve: parseResolve('resolve', `wrong.example:${tlsPort}:127.0.0.1`),
  });
  try {
    await expect(wrong.request({ url: `https://wrong.example:${tlsPort}/` })).rejects.toThrow(
      'the certificate is not valid for this host name',
    );
  } finally {
    await wrong.destroy();
  }
});

test('without the CA the chain is refused; a foreign Host header keeps the URL host for TLS', async () => {
  const bare = new HttpClient();
  try {
    const error = await bare.request({ url: `https://localhost:${tlsPort}/` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).message).toMatch(/^TLS to localhost:\d+ failed: /);
  } finally {
    await bare.destroy();
  }
  const client = new HttpClient({ ca });
  try {
    const res = await client.request({
      url: `https://localhost:${tlsPort}/`,
      headers: { host: 'foreign.invalid' },
    });
    expect(res.status).toBe(200);
    expect(seenHosts.at(-1)).toBe('foreign.invalid');
  } finally {
    await client.destroy();
  }
});

test('bodies are capped, redirects are returned as they are, repeated headers kept', async () => {
  const client = new HttpClient({ maxBodyBytes: 100_000 });
  try {
    const big = await client.request({ url: `http://127.0.0.1:${plainPort}/big` });
    expect(big.truncated).toBe(true);
    expect(big.body.length).toBe(100_000);
    const redirect = await client.request({ url: `http://127.0.0.1:${plainPort}/redirect` });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('/elsewhere');
    const small = await client.request({ url: `http://127.0.0.1:${plainPort}/` });
    expect(small.truncated).toBe(false);
    expect(small.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  } finally {
    await client.destroy();
  }
});

test('headers and body timeouts, and requestWithRetry bounded by its deadline', async () => {
  const client = new HttpClient({ headersTimeoutMs: 300, bodyTimeoutMs: 300 });
  try {
    await expect(client.request({ url: `http://127.0.0.1:${silentPort}/` })).rejects.toThrow(
      /accepted the connection but sent no response headers in time/,
    );
    await expect(client.request({ url: `http://127.0.0.1:${plainPort}/stall-body` })).rejects.toThrow(
      /stopped sending the response body/,
    );
    const started = Date.now();
    await expect(
      client.requestWithRetry(
        { url: `http://127.0.0.1:${plainPort}/redirect` },
        { deadlineMs: 800, initialDelayMs: 50, accept: (r) => r.status === 200 },
      ),
    ).rejects.toThrow(/gave up after \d+ attempts: unexpected status 302/);
    expect(Date.now() - started).toBeLessThan(1_500);
  } finally {
    await client.destroy();
  }
});

test('probeTls reports protocol, verification and expiry through pinning', async () => {
  const result = await probeTls({
    host: 'app.test',
    port: tlsPort,
    ca,
    resolve: parseResolve('resolve', `app.test:${tlsPort}:127.0.0.1`),
    timeoutMs: 5_000,
  });
  expect(result.authorized).toBe(true);
  expect(result.protocol).toBe('TLSv1.3');
  expect(result.subjectAltName).toContain('DNS:app.test');
  expect(result.validTo!.getTime()).toBeGreaterThan(Date.now());
  const untrusted = await probeTls({ host: '127.0.0.1', port: tlsPort, timeoutMs: 5_000 });
  expect(untrusted.authorized).toBe(false);
  expect(untrusted.authorizationError).toMatch(
    /UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED|UNABLE_TO_VERIFY/,
  );
  await expect(probeTls({ host: '127.0.0.1', port: silentPort, timeoutMs: 300 })).rejects.toThrow(
    /timed out/,
  );
});
