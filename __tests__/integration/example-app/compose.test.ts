import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { APP_DIR, run } from './helpers';

// docker-compose 1.29 (`config` needs no daemon) is the tool the targets run.
const COMPOSE_FILE = path.join(APP_DIR, 'docker-compose.yml');
const SERVICES = ['celery', 'celery_beat', 'nginx', 'web'];

interface Service {
  image?: string;
  network_mode?: string;
  init?: boolean;
  networks?: unknown;
  ports?: unknown;
  command?: string[];
  env_file?: unknown;
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] };
  build?: { target?: string; network?: string };
  depends_on?: Record<string, { condition?: string }>;
}

interface ComposeConfig {
  services: Record<string, Service>;
  networks?: unknown;
  volumes?: Record<string, unknown>;
}

async function composeConfig(env: Record<string, string | undefined>) {
  // A clean environment: only PATH and the variables under test.
  return run('docker-compose', ['-f', COMPOSE_FILE, 'config'], {
    env: {
      DOCKER_HOST: undefined,
      IMAGE_WEB: undefined,
      IMAGE_NGINX: undefined,
      ENV_FILE: undefined,
      ...env,
    },
  });
}

jest.setTimeout(60_000);

describe('examples/django-app docker-compose.yml', () => {
  let config: ComposeConfig;

  beforeAll(async () => {
    const result = await composeConfig({
      ENV_FILE: '.env.example',
      IMAGE_WEB: '127.0.0.1:5000/django-app:1.4.0',
      IMAGE_NGINX: '127.0.0.1:5000/django-app-nginx:1.4.0',
    });
    if (result.code !== 0) throw new Error(`docker-compose config failed: ${result.stderr}`);
    config = parseYaml(result.stdout) as ComposeConfig;
  });

  test('declares exactly web, celery, celery_beat and nginx', () => {
    expect(Object.keys(config.services).sort()).toEqual(SERVICES);
  });

  test.each(SERVICES)('%s uses host networking with init, no networks and no ports', (name) => {
    const service = config.services[name] as Service;
    expect(service.network_mode).toBe('host');
    expect(service.init).toBe(true);
    expect(service.networks).toBeUndefined();
    expect(service.ports).toBeUndefined();
    expect(service.healthcheck?.test?.[0]).toBe('CMD');
  });

  test('no top-level networks section', () => {
    expect(config.networks).toBeUndefined();
  });

  test('web, celery and celery_beat share IMAGE_WEB with different commands; nginx uses IMAGE_NGINX', () => {
    const { web, celery, celery_beat: beat, nginx } = config.services as Record<string, Service>;
    for (const service of [web, celery, beat]) expect(service?.image).toBe('127.0.0.1:5000/django-app:1.4.0');
    expect(nginx?.image).toBe('127.0.0.1:5000/django-app-nginx:1.4.0');
    expect([web?.command, celery?.command, beat?.command]).toEqual([['web'], ['worker'], ['beat']]);
    expect(web?.build).toMatchObject({ target: 'web', network: 'host' });
    expect(nginx?.build).toMatchObject({ target: 'nginx', network: 'host' });
    // The worker and beat start once web (which migrates) is healthy.
    expect(celery?.depends_on?.web?.condition).toBe('service_healthy');
    expect(beat?.depends_on?.web?.condition).toBe('service_healthy');
  });

  test('every service gets the env file', () => {
    for (const name of SERVICES) {
      expect(config.services[name]?.environment).toMatchObject({ APP_VERSION: '0.0.0-dev', PORT: '8000' });
    }
  });

  test('image names default to local/ tags when the variables are unset', async () => {
    const result = await composeConfig({ ENV_FILE: '.env.example' });
    expect(result.code).toBe(0);
    const services = (parseYaml(result.stdout) as ComposeConfig).services;
    expect(services.web?.image).toBe('local/django-app:latest');
    expect(services.nginx?.image).toBe('local/django-app-nginx:latest');
  });

  test('without a rendered .env next to it, docker-compose refuses to run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djapp-compose-'));
    try {
      fs.copyFileSync(COMPOSE_FILE, path.join(dir, 'docker-compose.yml'));
      const result = await run('docker-compose', ['-f', path.join(dir, 'docker-compose.yml'), 'config'], {
        env: { ENV_FILE: undefined },
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`Couldn't find env file: ${dir}/.env`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
