"""Settings for pytest: the production settings module, fed a production-like
environment (DEBUG off, HTTPS on) with SQLite instead of PostgreSQL.

The values are forced rather than defaulted so a developer's shell or .env
cannot change what the tests see.
"""

import os

os.environ.update(
    {
        "DJANGO_READ_DOT_ENV": "false",
        "DEBUG": "false",
        "APP_VERSION": "9.9.9-test",
        "DJANGO_SECRET_KEY": "test-only-" + "x" * 60,
        "ALLOWED_HOSTS": "testserver,app.example.test",
        "CSRF_TRUSTED_ORIGINS": "https://app.example.test",
        "DATABASE_URL": "sqlite:///:memory:",
        "METRICS_TOKEN": "test-metrics-token-" + "m" * 64,
        "SECURE_HSTS_SECONDS": "3600",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
)
for name in (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECRET_KEY",
    "CONTENT_SECURITY_POLICY",
):
    os.environ.pop(name, None)

from .settings import *  # noqa: E402,F401,F403

# Tests do not run collectstatic first (test_static.py does, on its own).
STATICFILES_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
# Serve from the app directories, as in development, instead of STATIC_ROOT.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
