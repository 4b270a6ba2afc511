import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildExampleAppImages,
  EXAMPLE_APP_DIR,
  exampleAppEnv,
  exampleImagesInput,
  type ExampleImages,
} from '@deploy-kit/harness';
import { freePort, sandbox, uniqueId, type Host } from './helpers';

/**
 * The example app (examples/django-app) as `bash scripts/demo` ships it — gunicorn web, nginx,
 * celery and beat in one Compose project, every service on the host network — built for the
 * sandbox, and a poller that opens a fresh connection every 20 ms.
 */

const REPOSITORY = `${sandbox.registry.address}/zd-django-app`;

export type Images = ExampleImages;

/** Build and push web and nginx images of the example app for each version: `images` input values. */
export const buildExampleImages = (versions: readonly string[]): Record<string, Images> =>
  buildExampleAppImages(sandbox, REPOSITORY, versions);

export const imagesInput = exampleImagesInput;

export interface ExampleApp {
  id: string;
  workspace: string;
  port: number;
  nginxPort: number;
}

/** A workspace with the example's compose files and an env file for the sandbox (sqlite in the shared volume). */
export function makeExampleApp(): ExampleApp {
  const id = uniqueId();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-ws-'));
  fs.mkdirSync(path.join(workspace, 'deploy'));
  for (const f of ['docker-compose.yml', 'deploy/compose.sandbox.yml'])
    fs.copyFileSync(path.join(EXAMPLE_APP_DIR, f), path.join(workspace, f));
  const port = freePort();
  let nginxPort = freePort();
  while (nginxPort === port) nginxPort = freePort();
  fs.writeFileSync(
    path.join(workspace, '.env'),
    exampleAppEnv({
      secretKey: `zd-${id}-${'k'.repeat(50)}`,
      port,
      nginxPort,
      extra: ['SLOW_REQUEST_MAX_SECONDS=10', 'LOG_LEVEL=WARNING'],
    }),
  );
  return { id, workspace, port, nginxPort };
}

/** One GET on a fresh connection: the status, or the error code. */
export function getOnce(
  url: string,
  timeoutMs = 15_000,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.get(
      url,
      { agent: false, headers: { 'X-Forwarded-Proto': 'https' }, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

export interface PollResult {
  requests: number;
  failed: number;
  /** Failures by status or error code. */
  failures: Record<string, number>;
  /** Versions seen, in order of first appearance. */
  versions: string[];
}

/** Poll `url` every 20 ms, each request on a fresh connection, until stop() is called. */
export function poll(url: string): { stop: () => Promise<PollResult> } {
  const result: PollResult = { requests: 0, failed: 0, failures: {}, versions: [] };
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const r = await getOnce(url, 5_000);
      result.requests++;
      if ('status' in r && r.status === 200) {
        const v = /"version":\s*"([^"]+)"/.exec(r.body)?.[1] ?? '?';
        if (!result.versions.includes(v)) result.versions.push(v);
      } else {
        result.failed++;
        const key = 'status' in r ? String(r.status) : r.error;
        result.failures[key] = (result.failures[key] ?? 0) + 1;
      }
      await new Promise((res) => setTimeout(res, Math.max(0, 20 - (Date.now() - started))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return result;
    },
  };
}

/** The hosts-input line of one host for the example app. */
export function exampleHostsYaml(app: ExampleApp, host: Host, projectDir: string): string {
  return [
    `- host: ${host.host}`,
    `  port: ${host.port}`,
    `  project-dir: ${projectDir}`,
    `  project-name: zd${app.id}${host.name}`,
  ].join('\n');
}
