import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './run-action';
import { sandboxDockerEnv, type SandboxInfo } from './sandbox';

/**
 * The example app (examples/django-app) as `bash scripts/demo` ships it — gunicorn web, nginx,
 * celery and beat in one Compose project — built for the sandbox. One home for the tests and the
 * benches that deploy it.
 */

export const EXAMPLE_APP_DIR = path.join(REPO_ROOT, 'examples', 'django-app');

/** The sandbox's docker CLI: its stdout, or an error with its stderr. */
export function sandboxDocker(sb: SandboxInfo, args: readonly string[], input?: string): string {
  const r = spawnSync((sb.docker as { cli?: string }).cli ?? 'docker', args, {
    env: sandboxDockerEnv(sb),
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new Error(`docker ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** One version's images: service -> image reference (the `images` input). */
export type ExampleImages = Record<string, string>;

/**
 * Build and push the app's web and nginx images for each version to `repository` (and
 * `repository-nginx`) in the sandbox's registry; celery and beat run the web image. Needs the
 * Debian base image (`bash scripts/sandbox up --with-debian`).
 */
export function buildExampleAppImages(
  sb: SandboxInfo,
  repository: string,
  versions: readonly string[],
): Record<string, ExampleImages> {
  const base = sb.images.debian;
  if (!base) throw new Error('the sandbox has no Debian base image: bash scripts/sandbox up --with-debian');
  const out: Record<string, ExampleImages> = {};
  for (const version of versions) {
    const web = `${repository}:${version}`;
    const nginx = `${repository}-nginx:${version}`;
    for (const [target, tag] of [
      ['web', web],
      ['nginx', nginx],
    ] as const) {
      sandboxDocker(sb, [
        'build',
        '-q',
        '--network',
        'host',
        '--target',
        target,
        '--build-arg',
        `BASE_IMAGE=${base}`,
        '--build-arg',
        `APP_VERSION=${version}`,
        '-t',
        tag,
        EXAMPLE_APP_DIR,
      ]);
      sandboxDocker(sb, ['push', '-q', tag]);
    }
    out[version] = { web, celery: web, celery_beat: web, nginx };
  }
  return out;
}

/** The `images` input of one version's images. */
export const exampleImagesInput = (images: ExampleImages): string =>
  Object.entries(images)
    .map(([service, image]) => `${service}=${image}`)
    .join('\n');

/** The app's .env on the sandbox: sqlite in the shared volume, web and nginx on the given ports. */
export function exampleAppEnv(options: {
  secretKey: string;
  port: number;
  nginxPort: number;
  extra?: readonly string[];
}): string {
  return [
    'DEBUG=false',
    `DJANGO_SECRET_KEY=${options.secretKey}`,
    'ALLOWED_HOSTS=*',
    'DATABASE_URL=sqlite:////var/lib/django-app/db.sqlite3',
    `PORT=${options.port}`,
    `NGINX_PORT=${options.nginxPort}`,
    'GUNICORN_WORKERS=2',
    ...(options.extra ?? []),
    '',
  ].join('\n');
}
