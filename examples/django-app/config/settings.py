"""Settings for the example app, read from the environment (12-factor).

Everything deploy-specific comes from environment variables, which the
pipeline renders into `.env` from deploy/env.template. Production defaults are
the safe ones: with DEBUG off, cookies are secure, HTTP redirects to HTTPS and
HSTS is on unless the environment says otherwise.
"""

from pathlib import Path

import django
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# A .env next to manage.py is optional (developer machines, compose's env_file
# already exports it in containers). Real environment variables win.
if env_bool("DJANGO_READ_DOT_ENV", True):
    try:
        from dotenv import load_dotenv
    except ImportError:  # python3-dotenv is optional
        pass
    else:
        load_dotenv(env_str("DOTENV_PATH", str(BASE_DIR / ".env")), override=False)

DEBUG = env_bool("DEBUG", False)
APP_VERSION = env_str("APP_VERSION", "0.0.0-dev")

# DJANGO_SECRET_KEY is the name deploy/env.template renders; SECRET_KEY is
# accepted too so a plain Django environment works unchanged.
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set; set it (50+ random characters) "
            "or run with DEBUG=true for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)


def _trusted_origins(origins):
    # Django 4 wants scheme://host; Django 3.2 (Debian bookworm) wants the bare
    # host. The environment always carries https://host so it is ready for 4.x.
    if django.VERSION >= (4, 0):
        return origins
    return [origin.split("://", 1)[-1] for origin in origins]


CSRF_TRUSTED_ORIGINS = _trusted_origins(env_list("CSRF_TRUSTED_ORIGINS"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "notes",
]

MIDDLEWARE = [
    "notes.middleware.AppVersionHeaderMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Probes answer before CommonMiddleware validates the Host header, so a
    # container health check on 127.0.0.1 works whatever ALLOWED_HOSTS says.
    "notes.middleware.ProbeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "notes.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notes.context_processors.app_version",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation." + name}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "note-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_L10N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
# Hashed names + gzip; needs `manage.py collectstatic` (the Dockerfile runs it).
STATICFILES_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"

# --- Security (on by default whenever DEBUG is off) -------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes are read-only and are called over plain HTTP on loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^version$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# gunicorn listens on 127.0.0.1 only, so the sole client is the TLS proxy in
# front of it (nginx), which sets X-Forwarded-Proto.
if env_bool("BEHIND_TLS_PROXY", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

# --- Metrics -----------------------------------------------------------------
# Bearer token for /metrics; empty means the endpoint refuses every request.
METRICS_TOKEN = env_str("METRICS_TOKEN")

# /version?wait=N may hold its answer up to this many seconds (0: never); for tests of
# in-flight requests during a release switch, never set in production.
SLOW_REQUEST_MAX_SECONDS = env_int("SLOW_REQUEST_MAX_SECONDS", 0)

# --- Celery (python3-celery) -------------------------------------------------
# Default broker is kombu's filesystem transport: no extra server, the web,
# celery and celery_beat containers share APP_VAR_DIR through a volume.
APP_VAR_DIR = Path(env_str("APP_VAR_DIR", str(BASE_DIR / "var")))
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost//")
CELERY_BROKER_DIR = APP_VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(APP_VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_MAX_LOOP_INTERVAL = 15
CELERY_BEAT_SCHEDULE = {
    "count-notes": {"task": "notes.tasks.count_notes", "schedule": 60.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
