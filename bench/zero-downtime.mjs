#!/usr/bin/env node
// Benchmark (not a test) for issue 19: requests refused while a release switches.
// The example app exactly as `bash scripts/demo` ships it (gunicorn web + nginx + celery + beat
// per host, every service on the host network) on three sandbox hosts behind a balancer like the
// demo's (nginx, round robin, max_fails=1 fail_timeout=2s). A poller opens a fresh connection
// every 20 ms against each host's nginx and the balancer, from before the deploy starts until it
// ends, during deploy 1.0.0 -> 1.1.0 and rollback-to 1.0.0, once with `strategy: recreate` and
// once with `strategy: zero-downtime` (same run, same machine). Prints failed requests per URL,
// the longest stretch of failures, and the deploy's wall time.
// Usage: node bench/zero-downtime.mjs   (needs `bash scripts/sandbox up --with-debian`; as root)
//   ZD_STRATEGIES=zero-downtime  to measure one strategy only.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  benchDir,
  buildExampleImages,
  docker,
  exampleWorkspace,
  imagesInput,
  root,
  runAction,
  sandbox,
  sh,
} from './lib/example-app.mjs';

const HOSTS = sandbox.ssh.hosts.slice(0, 3);
const dir = benchDir('zd-bench-');
const STRATEGIES = (process.env.ZD_STRATEGIES ?? 'recreate,zero-downtime').split(',');

/** One GET on a fresh connection: '' when it answered 200, else the status or the error code. */
function getOnce(url) {
  return new Promise((resolve) => {
    const req = http.get(
      url,
      { agent: false, timeout: 5000, headers: { 'X-Forwarded-Proto': 'https' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? '' : String(res.statusCode)));
        res.on('error', (e) => resolve(e.code ?? 'error'));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e.code ?? e.message));
  });
}

/** Poll every 20 ms until stopped: requests, failed, and the longest run of failures in ms. */
function poll(url) {
  const r = { url, requests: 0, failed: 0, longestOutageMs: 0, failures: {} };
  let running = true;
  let outageStart;
  const loop = (async () => {
    while (running) {
      const t = Date.now();
      const problem = await getOnce(url);
      r.requests++;
      if (problem === '') {
        if (outageStart !== undefined)
          r.longestOutageMs = Math.max(r.longestOutageMs, Date.now() - outageStart);
        outageStart = undefined;
      } else {
        r.failed++;
        r.failures[problem] = (r.failures[problem] ?? 0) + 1;
        outageStart ??= t;
      }
      await new Promise((res) => setTimeout(res, Math.max(0, 20 - (Date.now() - t))));
    }
    if (outageStart !== undefined) r.longestOutageMs = Math.max(r.longestOutageMs, Date.now() - outageStart);
  })();
  return async () => {
    running = false;
    await loop;
    return r;
  };
}

function freePort(used) {
  for (;;) {
    const p = 20000 + Math.floor(Math.random() * 12000);
    if (!used.has(p)) return (used.add(p), p);
  }
}

/** A balancer like the demo's (scripts/demo.d/pipeline.js), plain HTTP, in front of the three hosts' nginx. */
function startBalancer(tag, nginxPort, port) {
  const lb = path.join(dir, `lb-${tag}`);
  fs.mkdirSync(path.join(lb, 'tmp'), { recursive: true });
  const conf = path.join(lb, 'nginx.conf');
  fs.writeFileSync(
    conf,
    [
      `pid ${lb}/nginx.pid;`,
      `error_log ${lb}/error.log warn;`,
      'worker_processes 1;',
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${lb}/tmp/${t};`),
      `  upstream hosts { ${HOSTS.map((h) => `server ${h.host}:${nginxPort} max_fails=1 fail_timeout=2s;`).join(' ')} }`,
      `  server { listen 127.0.0.1:${port}; location / { proxy_pass http://hosts; proxy_set_header X-Forwarded-Proto https; } }`,
      '}',
      '',
    ].join('\n'),
  );
  sh(fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx', [
    '-c',
    conf,
    '-p',
    lb,
    '-e',
    path.join(lb, 'error.log'),
  ]);
  return () => {
    try {
      process.kill(Number(fs.readFileSync(path.join(lb, 'nginx.pid'), 'utf8')), 'SIGQUIT');
    } catch {
      /* gone */
    }
  };
}

async function run(strategy, images, used) {
  const tag = `zdb${Math.random().toString(16).slice(2, 8)}`;
  const port = freePort(used),
    nginxPort = freePort(used),
    lbPort = freePort(used);
  const ws = exampleWorkspace(dir, tag, { port, nginxPort, extraEnv: ['LOG_LEVEL=WARNING'] });
  const deploy = async (version, extra) => {
    const t = Date.now();
    const result = await runAction({
      action: 'remote-deploy',
      workspace: ws,
      timeoutMs: 900_000,
      inputs: {
        hosts: HOSTS.map(
          (h) =>
            `- host: ${h.host}\n  port: ${h.port}\n  project-dir: ${h.workDir}/${tag}\n  project-name: ${tag}${h.name}`,
        ).join('\n'),
        user: sandbox.ssh.user,
        'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
        'known-hosts': HOSTS.map((h) => h.knownHostsLine).join('\n'),
        'project-dir': '/unused',
        'compose-files': 'docker-compose.yml\ndeploy/compose.sandbox.yml',
        'env-file': '.env',
        'health-timeout': '150s',
        strategy,
        ...extra,
        ...(version ? { version, images: imagesInput(images[version]) } : {}),
      },
    });
    if (result.exitCode !== 0)
      throw new Error(`remote-deploy (${strategy}) failed: ${result.error}\n${result.log.slice(-3000)}`);
    return Date.now() - t;
  };
  await deploy('1.0.0', {});
  const stopLb = startBalancer(tag, nginxPort, lbPort);
  const urls = [
    ...HOSTS.map((h) => [h.name, `http://${h.host}:${nginxPort}/version`]),
    ['balancer', `http://127.0.0.1:${lbPort}/version`],
  ];
  const measured = {};
  try {
    for (const [phase, version, extra] of [
      ['deploy 1.0.0 -> 1.1.0', '1.1.0', {}],
      ['rollback 1.1.0 -> 1.0.0', undefined, { 'rollback-to': '1.0.0' }],
    ]) {
      await new Promise((r) => setTimeout(r, 3000)); // the balancer sees every host up again
      const stops = urls.map(([, u]) => poll(u));
      const ms = await deploy(version, extra);
      const polled = await Promise.all(stops.map((s) => s()));
      measured[phase] = { ms, urls: Object.fromEntries(urls.map(([name], i) => [name, polled[i]])) };
      console.log(
        `${strategy.padEnd(13)} ${phase}: ${(ms / 1000).toFixed(1)} s; failed: ${urls.map(([n], i) => `${n} ${polled[i].failed}/${polled[i].requests}${polled[i].failed ? ` ${JSON.stringify(polled[i].failures)}` : ''}`).join(', ')}`,
      );
    }
  } finally {
    stopLb();
    for (const h of HOSTS) {
      const ids = docker([
        'ps',
        '-aq',
        '--filter',
        `label=com.docker.compose.project=${tag}${h.name}`,
      ]).trim();
      if (ids) docker(['rm', '-f', ...ids.split('\n')]);
    }
  }
  return measured;
}

const images = buildExampleImages('zd-bench-app', ['1.0.0', '1.1.0']);
const used = new Set();
const results = {};
for (const s of STRATEGIES) results[s] = await run(s, images, used);

const lines = [
  `## Zero-downtime switch (issue 19): failed requests while a release switches`,
  '',
  `Measured ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB: the example app on three sandbox hosts, a poller (fresh connection every 20 ms) per URL for the whole deploy.`,
  '',
  '| strategy | phase | deploy wall time | ' +
    ['host1', 'host2', 'host3', 'balancer']
      .map((n) => `${n} failed / requests (longest outage)`)
      .join(' | ') +
    ' |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
for (const [s, phases] of Object.entries(results))
  for (const [phase, m] of Object.entries(phases))
    lines.push(
      `| ${s} | ${phase} | ${(m.ms / 1000).toFixed(1)} s | ` +
        Object.values(m.urls)
          .map((u) => `${u.failed} / ${u.requests} (${(u.longestOutageMs / 1000).toFixed(1)} s)`)
          .join(' | ') +
        ' |',
    );
if (results.recreate && results['zero-downtime'])
  for (const phase of Object.keys(results.recreate)) {
    const a = results.recreate[phase].ms,
      b = results['zero-downtime'][phase].ms;
    lines.push(
      '',
      `${phase}: zero-downtime takes ${((b - a) / 1000).toFixed(1)} s longer than recreate (${(b / a).toFixed(2)} ×).`,
    );
  }
console.log('\n' + lines.join('\n'));
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(
  path.join(root, 'bench/results/zero-downtime.json'),
  JSON.stringify(results, null, 2) + '\n',
);
fs.writeFileSync(path.join(root, 'bench/results/zero-downtime.md'), lines.join('\n') + '\n');
fs.rmSync(dir, { recursive: true, force: true });
