import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildDebianImage, docker, freePort, knownHosts, sandbox, uniqueId, type Host } from './helpers';

/**
 * A test-fixture Django app (not the shared example app) whose releases differ only in their
 * `items` migrations, on the sandbox's real PostgreSQL (a database of its own per test):
 *   1.0  items.0001 creates Item(name)
 *   2.0  adds 0002: a NOT NULL column `sku` (no database default: 1.0's INSERT fails on it),
 *        and its /healthz answers 503, so its health gate goes red
 *   2.0s 2.0's migration, but healthy: its /smoke answers 500 (the one-step deploy's smoke test goes red)
 *   irr  adds 0002: a RunPython data migration without a reverse (irreversible) that upper-cases
 *        every name, and its /healthz answers 503 too
 * POST /items inserts (the journey that WRITES), GET /items lists the names.
 */

const SETTINGS = `import os
SECRET_KEY = "fixture-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "items"]
MIDDLEWARE = []
ROOT_URLCONF = "shop.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "HOST": os.environ["PGHOST"],
  "PORT": os.environ["PGPORT"], "USER": os.environ["PGUSER"], "PASSWORD": os.environ["PGPASSWORD"],
  "NAME": os.environ.get("APP_DB") or os.environ["PGDATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
`;

const URLS = `from django.urls import path
from items import views
urlpatterns = [path("healthz", views.healthz), path("smoke", views.smoke), path("items", views.items)]
`;

const VIEWS = (healthy: boolean, smokeOk: boolean) => `import json, os
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from items.models import Item

def healthz(request):
    return HttpResponse("ok " + os.environ.get("APP_VERSION", "?"), status=${healthy ? 200 : 503})

def smoke(request):
    return HttpResponse("smoke " + os.environ.get("APP_VERSION", "?"), status=${smokeOk ? 200 : 500})

@csrf_exempt
def items(request):
    if request.method == "POST":
        item = Item.objects.create(name=request.POST["name"])
        return JsonResponse({"id": item.id}, status=201)
    return JsonResponse({"names": list(Item.objects.order_by("id").values_list("name", flat=True))})
`;

const MODEL = (sku: boolean) => `from django.db import models
class Item(models.Model):
    name = models.CharField(max_length=100)
${sku ? '    sku = models.CharField(max_length=20)\n' : ''}`;

const M0001 = `from django.db import migrations, models
class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.CreateModel(name="Item", fields=[
        ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("name", models.CharField(max_length=100))])]
`;

const M0002_SKU = `from django.db import migrations, models
class Migration(migrations.Migration):
    dependencies = [("items", "0001_initial")]
    operations = [migrations.AddField(model_name="item", name="sku",
        field=models.CharField(default="none", max_length=20), preserve_default=False)]
`;

const M0002_UPPER = `from django.db import migrations
def upper(apps, schema_editor):
    Item = apps.get_model("items", "Item")
    for item in Item.objects.all():
        item.name = item.name.upper()
        item.save()
class Migration(migrations.Migration):
    dependencies = [("items", "0001_initial")]
    operations = [migrations.RunPython(upper)]
`;

export type Release = '1.0' | '2.0' | '2.0s' | 'irr';

function files(release: Release): Record<string, string> {
  const out: Record<string, string> = {
    'app/manage.py':
      'import os, sys\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n',
    'app/shop/__init__.py': '',
    'app/shop/settings.py': SETTINGS,
    'app/shop/urls.py': URLS,
    'app/shop/wsgi.py':
      'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\nfrom django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n',
    'app/items/__init__.py': '',
    'app/items/migrations/__init__.py': '',
    'app/items/migrations/0001_initial.py': M0001,
    'app/items/models.py': MODEL(release.startsWith('2.0')),
    'app/items/views.py': VIEWS(release === '1.0' || release === '2.0s', release === '1.0'),
  };
  if (release.startsWith('2.0')) out['app/items/migrations/0002_item_sku.py'] = M0002_SKU;
  if (release === 'irr') out['app/items/migrations/0002_upper_names.py'] = M0002_UPPER;
  return out;
}

/** The release's image, pushed to the sandbox registry (cached by content). */
export function migrationsAppImage(release: Release): string {
  return buildDebianImage('rd-migrations-app', {
    packages: ['python3-django', 'python3-psycopg2', 'gunicorn'],
    files: files(release),
    lines: [
      'COPY app /app',
      'WORKDIR /app',
      `ENV APP_VERSION=${release} DJANGO_SETTINGS_MODULE=shop.settings PYTHONDONTWRITEBYTECODE=1`,
      'CMD ["sh", "-c", "exec gunicorn --bind \\"$BIND:$PORT\\" --workers 1 shop.wsgi"]',
    ],
  });
}

export const MIGRATIONS_COMPOSE = `version: "3.8"
services:
  web:
    image: unused
    network_mode: host
    init: true
    environment:
      BIND: \${DEPLOY_HOST}
      PORT: \${APP_PORT}
      PGHOST: \${PGHOST}
      PGPORT: \${PGPORT}
      PGUSER: \${PGUSER}
      PGPASSWORD: \${PGPASSWORD}
      PGDATABASE: \${PGDATABASE}
      APP_DB: \${APP_DB:-}
`;

/** SQL on the sandbox's PostgreSQL, as its user (psql on this machine). */
export function psql(database: string, statements: string): string {
  const pg = sandbox.postgres;
  const r = spawnSync(
    'psql',
    ['-v', 'ON_ERROR_STOP=1', '-qAtX', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', database],
    {
      input: statements,
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: pg.password },
    },
  );
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

export interface MigrationsApp {
  id: string;
  workspace: string;
  port: number;
  database: string;
  projectDir: string;
  project: string;
  host: Host;
}

/** A workspace (compose file, env file), a database of its own and a project dir on `host`. */
export function makeMigrationsApp(host: Host): MigrationsApp {
  const id = uniqueId();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-mig-'));
  const database = `mig_${id}`;
  const pg = sandbox.postgres;
  psql(pg.database, `CREATE DATABASE ${database};`);
  const port = freePort();
  fs.writeFileSync(path.join(workspace, 'docker-compose.yml'), MIGRATIONS_COMPOSE);
  fs.writeFileSync(
    path.join(workspace, 'app.env'),
    `APP_PORT=${port}\nPGHOST=${pg.host}\nPGPORT=${pg.port}\nPGUSER=${pg.user}\nPGPASSWORD=${pg.password}\nPGDATABASE=${database}\n`,
  );
  return {
    id,
    workspace,
    port,
    database,
    projectDir: `${host.workDir}/rd-mig-${id}`,
    project: `rdmig${id}`,
    host,
  };
}

/**
 * The remote-deploy inputs every database test gives: `app` on its host, one copy of `image` as
 * `version`, migrations, the health URL. The fixture runs one copy with no healthcheck: the plain
 * up -d (these tests are about the database, not the switch). Callers add the env file (the
 * one-step deploy renders its own), timeouts and what their test is about.
 */
export function migrationsDeployInputs(
  app: MigrationsApp,
  image: string,
  version: string,
): Record<string, string> {
  const { host } = app;
  return {
    hosts: `- host: ${host.host}\n  port: ${host.port}\n  project-dir: ${app.projectDir}\n  project-name: ${app.project}`,
    user: sandbox.ssh.user,
    'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
    'known-hosts': knownHosts([host]),
    'project-dir': '/unused',
    'compose-files': 'docker-compose.yml',
    strategy: 'recreate',
    images: `web=${image}`,
    version,
    'migrate-command': 'python3 manage.py migrate --noinput',
    healthcheck: 'none',
    'health-url': `http://{host}:${app.port}/healthz`,
  };
}

/**
 * Removes what `makeMigrationsApp` made and the deploys started: the project's containers, the
 * workspace, the project dir and the database (and `otherDatabases`); a database still in use
 * stays (the sandbox goes down with it).
 */
export function removeMigrationsApp(app: MigrationsApp, otherDatabases: string[] = []): void {
  const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${app.project}`]).trim();
  if (ids) docker(['rm', '-f', ...ids.split('\n')]);
  fs.rmSync(app.workspace, { recursive: true, force: true });
  fs.rmSync(app.projectDir, { recursive: true, force: true });
  for (const database of [app.database, ...otherDatabases])
    try {
      psql(sandbox.postgres.database, `DROP DATABASE IF EXISTS ${database};`);
    } catch {
      // still in use: the sandbox goes down with it
    }
}

/** POST /items on the app as served now: the HTTP status. */
export async function insertItem(app: MigrationsApp, name: string): Promise<number> {
  const res = await fetch(`http://${app.host.host}:${app.port}/items`, {
    method: 'POST',
    body: new URLSearchParams({ name }),
    signal: AbortSignal.timeout(10_000),
  });
  return res.status;
}

export function columns(app: MigrationsApp): string[] {
  return psql(
    app.database,
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'items_item' ORDER BY column_name;",
  ).split('\n');
}

export function appliedMigrations(app: MigrationsApp): string[] {
  return psql(app.database, "SELECT name FROM django_migrations WHERE app = 'items' ORDER BY id;")
    .split('\n')
    .filter(Boolean);
}

export function names(app: MigrationsApp): string[] {
  return psql(app.database, 'SELECT name FROM items_item ORDER BY id;').split('\n').filter(Boolean);
}
