"""Liveness files for the celery worker and beat health checks.

Neither process serves HTTP, and kombu's filesystem broker has no broadcast
channel for `celery inspect ping`, so each one touches a file on a timer and
the container HEALTHCHECK checks that the file is fresh:

    python3 -m heartbeat check worker

A top-level module on purpose: importing the `config` package would load
Celery and the Django settings, which a check every few seconds does not need.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

MAX_AGE_SECONDS = 90


def heartbeat_file(name):
    directory = os.environ.get("HEARTBEAT_DIR") or tempfile.gettempdir()
    return Path(directory) / f"django-app-{name}.heartbeat"


def beat(name):
    path = heartbeat_file(name)
    path.touch()
    return path


def is_fresh(name, max_age=MAX_AGE_SECONDS, now=None):
    try:
        mtime = heartbeat_file(name).stat().st_mtime
    except FileNotFoundError:
        return False
    return ((time.time() if now is None else now) - mtime) <= max_age


def main(argv):
    if len(argv) != 3 or argv[1] != "check":
        print("usage: python3 -m heartbeat check <worker|beat>", file=sys.stderr)
        return 2
    if is_fresh(argv[2]):
        return 0
    print(f"{heartbeat_file(argv[2])} is missing or older than {MAX_AGE_SECONDS}s")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
