"""config/settings.py evaluated under different environments.

Each case loads the module afresh under a private name, so the settings the
test run itself uses are untouched.
"""

import importlib.util
import itertools

import pytest
from django.core.exceptions import ImproperlyConfigured

import config

SETTINGS_FILE = config.__path__[0] + "/settings.py"
VARIABLES = (
    "DEBUG",
    "DJANGO_SECRET_KEY",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "METRICS_TOKEN",
    "APP_VERSION",
    "DOTENV_PATH",
    "DJANGO_READ_DOT_ENV",
)
_counter = itertools.count()


@pytest.fixture
def load_settings(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_READ_DOT_ENV", "false")

    def load(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        spec = importlib.util.spec_from_file_location(
            f"config._settings_case_{next(_counter)}", SETTINGS_FILE
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


PRODUCTION = {
    "DJANGO_SECRET_KEY": "s" * 64,
    "ALLOWED_HOSTS": "app.example.test",
    "DATABASE_URL": "postgres://app:p%40ss@127.0.0.1:5433/app",
}


def test_production_defaults_are_secure(load_settings):
    s = load_settings(**PRODUCTION)
    assert s.DEBUG is False
    assert s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE
    assert s.SECURE_SSL_REDIRECT is True
    assert s.SECURE_HSTS_SECONDS == 31536000
    assert s.SECURE_CONTENT_TYPE_NOSNIFF is True
    assert s.X_FRAME_OPTIONS == "DENY"
    assert s.SECURE_REFERRER_POLICY == "same-origin"
    assert "frame-ancestors 'none'" in s.CONTENT_SECURITY_POLICY


def test_database_url_is_parsed(load_settings):
    db = load_settings(**PRODUCTION).DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql_psycopg2"
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("127.0.0.1", 5433, "app")
    assert (db["USER"], db["PASSWORD"]) == ("app", "p@ss")


def test_environment_overrides(load_settings):
    s = load_settings(
        **{**PRODUCTION, "ALLOWED_HOSTS": "a.example.test,b.example.test"},
        SECURE_HSTS_SECONDS="600",
        SECURE_SSL_REDIRECT="false",
        CSRF_TRUSTED_ORIGINS="https://a.example.test",
        APP_VERSION="1.4.0",
        METRICS_TOKEN="t" * 64,
    )
    assert s.SECURE_HSTS_SECONDS == 600
    assert s.SECURE_SSL_REDIRECT is False
    assert s.ALLOWED_HOSTS == ["a.example.test", "b.example.test"]
    # Django 3.2 compares bare hosts; the environment carries https:// origins.
    assert s.CSRF_TRUSTED_ORIGINS == ["a.example.test"]
    assert s.APP_VERSION == "1.4.0"
    assert s.METRICS_TOKEN == "t" * 64


def test_production_requires_a_secret_key(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is not set"):
        load_settings(ALLOWED_HOSTS="app.example.test")


def test_plain_secret_key_name_is_accepted(load_settings):
    env = {**PRODUCTION, "SECRET_KEY": "p" * 60}
    del env["DJANGO_SECRET_KEY"]
    assert load_settings(**env).SECRET_KEY == "p" * 60


def test_debug_relaxes_defaults(load_settings):
    s = load_settings(DEBUG="true")
    assert s.SECRET_KEY.startswith("django-insecure-")
    assert s.SECURE_SSL_REDIRECT is False
    assert s.SESSION_COOKIE_SECURE is False
    assert s.SECURE_HSTS_SECONDS == 0
    assert "localhost" in s.ALLOWED_HOSTS
    assert s.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_dotenv_is_loaded_but_environment_wins(load_settings, tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "DEBUG=true\nAPP_VERSION=from-dotenv\nMETRICS_TOKEN=from-dotenv\n"
    )
    s = load_settings(
        DJANGO_READ_DOT_ENV="true", DOTENV_PATH=str(dotenv), METRICS_TOKEN="from-env"
    )
    assert s.DEBUG is True
    assert s.APP_VERSION == "from-dotenv"
    assert s.METRICS_TOKEN == "from-env"
