"""The worker and beat processes, for real, with kombu's filesystem broker.

This is what the celery and celery_beat compose services run; a deadline
bounds every wait and the processes started here are the ones stopped.
"""

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import heartbeat

APP_DIR = Path(__file__).resolve().parent.parent
DEADLINE_SECONDS = 30


def wait_for(condition, what):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {DEADLINE_SECONDS}s waiting for {what}")


def start(manage, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=APP_DIR,
        env=manage.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stdout.read()


def test_worker_consumes_a_task_from_the_web_side(manage, monkeypatch):
    assert manage("migrate", "--noinput").returncode == 0
    worker = start(manage, "worker", "--pool=solo", "--loglevel=INFO")
    try:
        queued = manage(
            "shell",
            "-c",
            "from notes.models import Note; from notes.tasks import count_words; "
            "n = Note.objects.create(title='four words in', body='title'); "
            "r = count_words.delay(n.pk); print(n.pk, r.id)",
        )
        assert queued.returncode == 0, queued.stderr
        note_id, task_id = queued.stdout.split()
        note_id = int(note_id)

        def word_count():
            with sqlite3.connect(manage.tmp_path / "db.sqlite3") as db:
                row = db.execute(
                    "SELECT word_count FROM notes_note WHERE id = ?", (note_id,)
                ).fetchone()
            return row[0]

        assert wait_for(word_count, "the worker to count the words") == 4
        monkeypatch.setenv("HEARTBEAT_DIR", str(manage.tmp_path))
        assert heartbeat.is_fresh("worker")
    finally:
        log = stop(worker)
    # The worker, not the queuing process, ran the task.
    assert f"Task notes.tasks.count_words[{task_id}] succeeded" in log


def test_beat_ticks_and_writes_its_heartbeat(manage):
    beat = start(
        manage,
        "beat",
        "--loglevel=INFO",
        "--scheduler",
        "config.celery:HeartbeatScheduler",
    )
    try:
        check = [sys.executable, "-m", "heartbeat", "check", "beat"]

        def healthy():
            return subprocess.run(check, cwd=APP_DIR, env=manage.env).returncode == 0

        wait_for(healthy, "beat's heartbeat file")
    finally:
        log = stop(beat)
    assert "beat: Starting" in log
    # shelve may add a suffix (.db) depending on the dbm backend.
    names = [p.name for p in (manage.tmp_path / "var").iterdir()]
    assert any(name.startswith("celerybeat-schedule") for name in names), names


def test_heartbeat_freshness(monkeypatch, tmp_path):
    monkeypatch.setenv("HEARTBEAT_DIR", str(tmp_path))
    assert heartbeat.is_fresh("worker") is False
    path = heartbeat.beat("worker")
    assert heartbeat.is_fresh("worker") is True
    stale = path.stat().st_mtime + heartbeat.MAX_AGE_SECONDS + 1
    assert heartbeat.is_fresh("worker", now=stale) is False
    assert heartbeat.main(["heartbeat", "check", "worker"]) == 0
    assert heartbeat.main(["heartbeat", "check", "beat"]) == 1
    assert heartbeat.main(["heartbeat"]) == 2
