#!/usr/bin/env node
// Benchmark (not a test): 50 independent smoke-test checks against a local nginx
// (Debian, TLS with an openssl-made certificate), run by the committed bundle the
// way the runner runs it, next to a sequential curl loop doing the same checks.
// Two workloads: nginx answering itself (static), and nginx proxying to an app
// that takes 200 ms per request (what a real Django view costs).
// Target (issue 4): wall time of the 50 checks <= 1.5 x the slowest single check.
// Usage: node bench/smoke-test.mjs [runs]   (default 5; reports medians)
import { createRequire } from 'node:module';
import { execFile, execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { runAction, NODE24, processExists, waitFor } = require(
  path.join(root, 'packages/harness/dist/index.js'),
);

const RUNS = Number(process.argv[2] ?? 5);
const CHECKS = 50;
const NGINX_PORT = 18490;
const APP_PORT = 18491;
const APP_DELAY_MS = 200;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function assertFree(port) {
  await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', () => reject(new Error(`port ${port} is in use`)));
    s.listen(port, '127.0.0.1', () => s.close(resolve));
  });
}

const canConnect = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

// --- servers -----------------------------------------------------------------
await Promise.all([NGINX_PORT, APP_PORT].map(assertFree));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-bench-smoke-'));
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    path.join(dir, 'key.pem'),
    '-out',
    path.join(dir, 'cert.pem'),
  ],
  { stdio: 'ignore' },
);
for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
  fs.mkdirSync(path.join(dir, 'tmp', t), { recursive: true });

// The "app": answers after APP_DELAY_MS, like a view doing real work.
const app = http.createServer((req, res) => {
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`ok ${req.url}\n`);
  }, APP_DELAY_MS);
});
await new Promise((r) => app.listen(APP_PORT, '127.0.0.1', r));

fs.writeFileSync(
  path.join(dir, 'nginx.conf'),
  `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi; uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
  upstream app { server 127.0.0.1:${APP_PORT}; keepalive 64; }
  server {
    listen 127.0.0.1:${NGINX_PORT} ssl;
    ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;
    location /static/ { default_type text/plain; return 200 "ok $uri\\n"; }
    location /app/ { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
);
execFileSync('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', path.join(dir, 'error.log')]);
const nginxPidFile = path.join(dir, 'nginx.pid');

async function stop() {
  const pid = fs.existsSync(nginxPidFile) ? Number(fs.readFileSync(nginxPidFile, 'utf8')) : undefined;
  if (pid) {
    process.kill(pid, 'SIGTERM');
    await waitFor('nginx to exit', () => !processExists(pid)).catch(() => undefined);
  }
  await new Promise((r) => app.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
}

try {
  await waitFor('nginx', () => fs.existsSync(nginxPidFile) && canConnect(NGINX_PORT));
  const caCert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  const base = `https://localhost:${NGINX_PORT}`;

  // --- the action: all checks in one step -----------------------------------
  async function actionRun(prefix, n) {
    const checks = Array.from({ length: n }, (_, i) => ({
      name: `check ${i}`,
      url: `${prefix}${i}`,
      expect: { status: 200, 'body-contains': 'ok' },
    }));
    const started = performance.now();
    const result = await runAction({
      action: 'smoke-test',
      node: NODE24,
      inputs: {
        url: `${base}/`,
        checks: JSON.stringify(checks),
        'ca-cert': caCert,
        timeout: '60s',
        parallel: '50',
      },
    });
    const processMs = performance.now() - started;
    if (result.exitCode !== 0) throw new Error(`smoke-test failed: ${result.error}\n${result.stderr}`);
    const results = JSON.parse(result.outputs.results).checks;
    // The checks' own wall time: the summary title carries the elapsed time of the run.
    const m = /\((\d+(?:\.\d+)?) (ms|s)\)\n/.exec(result.summary);
    const checksWallMs = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
    return { processMs, checksWallMs, slowestMs: Math.max(...results.map((r) => r.durationMs)) };
  }

  // --- curl: the same checks one after another --------------------------------
  // Async so the app (in this process) keeps answering while curl waits.
  const run = promisify(execFile);
  async function curlLoop(prefix, n) {
    const caFile = path.join(dir, 'cert.pem');
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const { stdout: out } = await run(
        'curl',
        ['-sS', '--cacert', caFile, '-w', '\\n%{http_code}', `${base}${prefix}${i}`],
        {
          encoding: 'utf8',
        },
      );
      const lines = out.trimEnd().split('\n');
      if (lines.at(-1) !== '200' || !out.includes('ok')) throw new Error(`curl check ${i} failed: ${out}`);
    }
    return performance.now() - started;
  }

  const rows = [];
  for (const [label, prefix] of [
    ['nginx static', '/static/'],
    [`nginx -> app (${APP_DELAY_MS} ms)`, '/app/'],
  ]) {
    await actionRun(prefix, 5); // warm caches (page cache of the bundle, nginx worker)
    const single = [];
    const many = [];
    const curl = [];
    for (let r = 0; r < RUNS; r++) {
      single.push(await actionRun(prefix, 1));
      many.push(await actionRun(prefix, CHECKS));
      curl.push(await curlLoop(prefix, CHECKS));
    }
    const singleCheckMs = median(single.map((x) => x.slowestMs));
    const wallMs = median(many.map((x) => x.checksWallMs));
    const processMs = median(many.map((x) => x.processMs));
    const curlMs = median(curl);
    rows.push({
      workload: label,
      checks: CHECKS,
      singleCheckMs: Math.round(singleCheckMs),
      slowestOf50Ms: Math.round(median(many.map((x) => x.slowestMs))),
      checksWallMs: Math.round(wallMs),
      wallOverSingle: +(wallMs / singleCheckMs).toFixed(2),
      wallOverSlowest: +(wallMs / median(many.map((x) => x.slowestMs))).toFixed(2),
      actionProcessMs: Math.round(processMs),
      singleActionProcessMs: Math.round(median(single.map((x) => x.processMs))),
      curlLoopMs: Math.round(curlMs),
      curlOverAction: +(curlMs / processMs).toFixed(2),
    });
  }

  const meta = {
    date: new Date().toISOString(),
    runs: RUNS,
    node: 'node24',
    cpus: os.cpus().length,
    // The machine is shared: the 1-minute load average says how much these numbers suffered.
    loadAverage: +os.loadavg()[0].toFixed(1),
  };
  const outDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'smoke-test.json'), JSON.stringify({ ...meta, rows }, null, 2) + '\n');
  const md = [
    `# smoke-test: ${CHECKS} independent checks vs a sequential curl loop`,
    '',
    `${meta.date}, ${meta.cpus} CPUs (load average ${meta.loadAverage} at the end), Node 24, medians of ${RUNS} runs. Command: \`node bench/smoke-test.mjs ${RUNS}\`.`,
    '',
    '"checks wall" is the action\'s own time from the first request to the last result; "process" adds',
    "Node's start-up and bundle load (what a workflow step costs). Target: checks wall <= 1.5 x the slowest single check",
    '(of the same run: "wall / slowest"; "wall / alone" compares with one check run by itself).',
    '',
    '| Workload | One check alone | Slowest of 50 | 50 checks wall | Wall / slowest | Wall / alone | Action process (50) | Action process (1) | curl loop (50) | curl / action |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.singleCheckMs} ms | ${r.slowestOf50Ms} ms | ${r.checksWallMs} ms | ${r.wallOverSlowest} | ${r.wallOverSingle} | ${r.actionProcessMs} ms | ${r.singleActionProcessMs} ms | ${r.curlLoopMs} ms | ${r.curlOverAction} |`,
    ),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(outDir, 'smoke-test.md'), md);
  console.log(md);
} finally {
  await stop();
}
