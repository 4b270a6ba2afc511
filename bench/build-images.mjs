#!/usr/bin/env node
// Benchmark (not a test): a Compose app whose web, celery and celery_beat share one
// build context. Wall time of
//   (a) one `docker build` of that context,
//   (b) three separate `docker build`s, one per service, as three build-push-action
//       steps do on a fresh runner (--no-cache: nothing shared between the steps),
//   (c) three separate builds sharing the local cache (the best case for (b)),
//   (d) the build-images bundle (run as the runner runs it, push: false),
//   (e) the bundle pushing all three services to the sandbox registry.
// Every trial busts the cache with a fresh build arg, so each measures a real build.
// Needs the sandbox (bash scripts/sandbox up). Usage: node bench/build-images.mjs [runs]  (default 3)
import { createRequire } from 'node:module';
import { execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { runAction, loadSandbox } = require(path.join(root, 'packages/harness/dist/index.js'));

const RUNS = Number(process.argv[2] ?? 3);
const sb = loadSandbox();
const DOCKER_HOST = sb.docker.host;
const env = { ...process.env, DOCKER_HOST };

// The same choice the action makes: a docker CLI older than 23 drives the daemon's BuildKit.
function buildkitDocker() {
  const seen = new Set();
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const bin = path.join(dir, 'docker');
    if (!fs.existsSync(bin) || seen.has(fs.realpathSync(bin))) continue;
    seen.add(fs.realpathSync(bin));
    const version = execFileSync(bin, ['version', '--format', '{{.Client.Version}}'], {
      env,
      encoding: 'utf8',
    }).trim();
    if (Number(version.split('.')[0]) < 23) return bin;
  }
  throw new Error('no docker CLI older than 23 on PATH (BuildKit without buildx)');
}
const DOCKER = buildkitDocker();

function workspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-bench-bi-'));
  // A build with real work: hashing 400 MiB and writing a 16 MiB layer.
  fs.writeFileSync(
    path.join(ws, 'Dockerfile'),
    [
      `FROM ${sb.images.busybox}`,
      'ARG BUST',
      'RUN echo "$BUST" > /bust && dd if=/dev/zero bs=1M count=400 2>/dev/null | sha256sum > /work.sha && head -c 16777216 /dev/urandom > /blob',
      'COPY app.sh /app/app.sh',
      'USER 1000',
      'HEALTHCHECK CMD ["true"]',
      'CMD ["sh", "/app/app.sh"]',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(ws, 'app.sh'), 'echo "$1"\n');
  const service = (name) =>
    `  ${name}:\n    build: { context: ., args: { BUST: "\${BUST}" } }\n    image: "\${REGISTRY}/\${NS}/${name}"\n    command: ["sh", "/app/app.sh", "${name}"]\n`;
  fs.writeFileSync(
    path.join(ws, 'docker-compose.yml'),
    `services:\n${['web', 'celery', 'celery_beat'].map(service).join('')}`,
  );
  return ws;
}

function dockerBuild(ws, tag, bust, extra = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      DOCKER,
      [
        'build',
        '--progress=plain',
        '--network',
        'host',
        '--build-arg',
        `BUST=${bust}`,
        '--tag',
        tag,
        ...extra,
        ws,
      ],
      { env: { ...env, DOCKER_BUILDKIT: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`docker build failed: ${err.slice(-500)}`)),
    );
  });
}

async function timed(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const bust = () => crypto.randomBytes(8).toString('hex');
const ns = `bench-${bust()}`;
const SERVICES = ['web', 'celery', 'celery_beat'];

const modes = {
  'one docker build': async (ws) => {
    await dockerBuild(ws, `${ns}/one:x`, bust());
  },
  'three docker builds (--no-cache, like 3 build steps)': async (ws) => {
    const b = bust();
    for (const s of SERVICES) await dockerBuild(ws, `${ns}/${s}:x`, b, ['--no-cache']);
  },
  'three docker builds (shared local cache)': async (ws) => {
    const b = bust();
    for (const s of SERVICES) await dockerBuild(ws, `${ns}/${s}:x`, b);
  },
  'build-images action (push: false)': async (ws) => {
    const result = await runAction({
      action: 'build-images',
      workspace: ws,
      inputs: {
        'compose-file': 'docker-compose.yml',
        push: 'false',
        network: 'host',
        tags: 'type=sha',
        policy: 'warn',
      },
      env: { DOCKER_HOST, BUST: bust(), REGISTRY: sb.registry.address, NS: ns },
      timeoutMs: 600_000,
    });
    if (result.exitCode !== 0) throw new Error(`action failed: ${result.error}`);
  },
  'build-images action (push to registry)': async (ws) => {
    const result = await runAction({
      action: 'build-images',
      workspace: ws,
      inputs: {
        'compose-file': 'docker-compose.yml',
        push: 'true',
        network: 'host',
        tags: `type=raw,value=${bust()}`,
      },
      env: { DOCKER_HOST, BUST: bust(), REGISTRY: sb.registry.address, NS: ns },
      timeoutMs: 600_000,
    });
    if (result.exitCode !== 0) throw new Error(`action failed: ${result.error}`);
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ws = workspace();
const times = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
// Interleave the modes so drift on this shared machine hits all of them alike.
for (let run = 0; run < RUNS; run++)
  for (const [name, fn] of Object.entries(modes)) times[name].push(await timed(() => fn(ws)));

const base = median(times['one docker build']);
const rows = Object.entries(times).map(([mode, ts]) => ({
  mode,
  medianMs: Math.round(median(ts)),
  runsMs: ts.map(Math.round),
  ratioToOneBuild: Number((median(ts) / base).toFixed(2)),
}));
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  docker: `${DOCKER} (BuildKit), daemon ${execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { env, encoding: 'utf8' }).trim()}`,
  runs: RUNS,
  rows,
};
const md = [
  `# build-images benchmark (${result.date}, ${result.machine}, ${RUNS} runs, median)`,
  '',
  `3-service Compose app (web, celery, celery_beat) on one context; builder ${result.docker}.`,
  '',
  '| Mode | Median | × one build | Runs (ms) |',
  '| --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.mode} | ${(r.medianMs / 1000).toFixed(2)} s | ${r.ratioToOneBuild} | ${r.runsMs.join(', ')} |`,
  ),
  '',
].join('\n');
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/build-images.json'), JSON.stringify(result, null, 2) + '\n');
fs.writeFileSync(path.join(root, 'bench/results/build-images.md'), md);
fs.rmSync(ws, { recursive: true, force: true });
// The sandbox daemon is shared: remove what this run built.
const built = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], {
  env,
  encoding: 'utf8',
})
  .split('\n')
  .filter((ref) => ref.startsWith(`${ns}/`) || ref.includes(`/${ns}/`));
if (built.length > 0) execFileSync('docker', ['image', 'rm', '--force', ...built], { env, stdio: 'ignore' });
console.log(md);
