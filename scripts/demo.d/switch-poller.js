// The demo's measurement of issue 19: a poller opening a fresh connection every 20 ms against
// each host's nginx and the TLS balancer while a deploy (and its rollback) runs. The line the
// demo prints is the count it measured, not a claim.
'use strict';

const http = require('node:http');
const https = require('node:https');

function getOnce(url, ca) {
  return new Promise((resolve) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(
      url,
      { agent: false, timeout: 5000, ca, headers: { 'X-Forwarded-Proto': 'https' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

/** Poll every URL every 20 ms while `work()` runs; returns its result and the counts per URL. */
async function pollDuring(urls, ca, work) {
  const counts = Object.fromEntries(Object.keys(urls).map((name) => [name, { requests: 0, failed: 0 }]));
  let running = true;
  const loops = Object.entries(urls).map(async ([name, url]) => {
    while (running) {
      const t = Date.now();
      const ok = await getOnce(url, ca);
      counts[name].requests++;
      if (!ok) counts[name].failed++;
      await new Promise((r) => setTimeout(r, Math.max(0, 20 - (Date.now() - t))));
    }
  });
  try {
    return { result: await work(), counts };
  } finally {
    running = false;
    await Promise.all(loops);
  }
}

/** "0 requests failed during the switch (…)", from the counts. */
function switchLine(counts) {
  const failed = Object.values(counts).reduce((n, c) => n + c.failed, 0);
  const requests = Object.values(counts).reduce((n, c) => n + c.requests, 0);
  const per = Object.entries(counts)
    .map(([name, c]) => `${name} ${c.failed}/${c.requests}`)
    .join(', ');
  return `${failed} requests failed during the switch (measured: ${requests} requests, a fresh connection every 20 ms per URL; failed/sent: ${per})`;
}

module.exports = { pollDuring, switchLine };
