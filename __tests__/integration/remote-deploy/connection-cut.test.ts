import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  baseInputs,
  buildAppImages,
  cleanup,
  currentRelease,
  deploy,
  hosts,
  makeApp,
  releaseLog,
  type App,
} from './helpers';

jest.setTimeout(300_000);

/** A TCP proxy we control: forwards to the host's sshd; cut() kills every open connection (new ones still work). */
class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  port = 0;
  /** Connections to drop at once, before any byte (a server that is still starting). */
  refuseNext = 0;
  constructor(target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (this.refuseNext > 0) {
        this.refuseNext--;
        client.destroy();
        return;
      }
      const upstream = net.connect(target.port, target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
  }
  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  cut(): number {
    const n = this.sockets.size;
    for (const s of this.sockets) s.destroy();
    return n;
  }
  close(): void {
    this.cut();
    this.server.close();
  }
}

const host = hosts[0]!;
let proxy: CuttableProxy;
let app: App;
let images: ReturnType<typeof buildAppImages>;

beforeAll(async () => {
  images = buildAppImages();
  proxy = new CuttableProxy(host);
  await proxy.listen();
  app = makeApp([host]);
});
afterAll(() => {
  proxy.close();
  cleanup(app, [host]);
});

function inputs(extra: Record<string, string>): Record<string, string> {
  const keyPart = host.knownHostsLine.split(' ').slice(1).join(' ');
  return {
    ...baseInputs(app, [host]),
    hosts: [
      `- host: 127.0.0.1`,
      `  port: ${proxy.port}`,
      `  project-dir: ${app.projectDirs[0]}`,
      `  project-name: rd${app.id}${host.name}`,
    ].join('\n'),
    'known-hosts': `[127.0.0.1]:${proxy.port} ${keyPart}`,
    ...extra,
  };
}

test('connection cut mid-migration → the step fails, never reports success, lock released, host still on its release', async () => {
  const dir = app.projectDirs[0]!;
  const first = await deploy(app, inputs({ images: `web=${images.v1}`, version: '1.0' }));
  expect(first.error).toBeUndefined();

  const started = path.join(app.dataDir, 'migration-started');
  const running = deploy(
    app,
    inputs({
      images: `web=${images.v2}`,
      version: '2.0',
      'migrate-command': "sh -c 'touch /data/migration-started; sleep 10; touch /data/migration-finished'",
    }),
  );
  let finished: string | undefined;
  void running.then((r) => (finished = r.error ?? 'success'));
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(started)) {
    if (finished !== undefined)
      throw new Error(`the deploy ended before the migration started: ${finished}\n${(await running).log}`);
    if (Date.now() > deadline) throw new Error('the migration never started');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(proxy.cut()).toBeGreaterThan(0);
  const result = await running;

  expect(result.exitCode).toBe(1);
  expect(result.error).toMatch(
    /migrations on 127\.0\.0\.1:\d+ ended without an exit status \(connection lost\?\)/,
  );
  expect(result.outputs.version).not.toBe('2.0');
  expect(JSON.parse(result.outputs.results as string).hosts[0].status).toBe('failed');
  expect(fs.existsSync(path.join(dir, '.deploy-kit', 'lock'))).toBe(false);
  expect(currentRelease(dir)).toBe('1.0');
  const res = await fetch(`http://127.0.0.1:${app.port}/version`);
  expect((await res.text()).trim()).toBe('1.0');
  expect(releaseLog(dir).at(-1)).toMatchObject({ version: '2.0', outcome: 'failed' });
});

test('connect is retried with backoff before authentication (a host still starting)', async () => {
  proxy.refuseNext = 2;
  const result = await deploy(app, inputs({ images: `web=${images.v1}`, version: '1.0', 'dry-run': 'true' }));
  expect(result.error).toBeUndefined();
  expect(
    result.log.match(/connect to 127\.0\.0\.1:\d+ failed \(attempt \d: .*\); retrying in \d+ ms/g),
  ).toHaveLength(2);
  expect(proxy.refuseNext).toBe(0);
});
