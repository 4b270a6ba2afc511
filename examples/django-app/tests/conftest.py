import os
import subprocess
import sys
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parent.parent
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        username="journey", password="correct horse battery staple"
    )


@pytest.fixture
def manage(tmp_path):
    """Runs manage.py in a child process against a file database in tmp_path.

    For behaviour that needs a separate process (a celery worker, a broken
    database) rather than pytest-django's in-memory test database.
    """
    # A clean environment: the test settings put their own values into
    # os.environ (CELERY_TASK_ALWAYS_EAGER among them), which must not leak.
    env = {key: os.environ[key] for key in INHERITED if key in os.environ}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_READ_DOT_ENV": "false",
            "DEBUG": "false",
            "APP_VERSION": "7.7.7-child",
            "DJANGO_SECRET_KEY": "child-process-" + "k" * 60,
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "APP_VAR_DIR": str(tmp_path / "var"),
            "HEARTBEAT_DIR": str(tmp_path),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )

    def run(*args, extra_env=None, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=APP_DIR,
            env={**env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=60,
            **kwargs,
        )

    run.env = env
    run.tmp_path = tmp_path
    return run
