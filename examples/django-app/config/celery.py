"""Celery app shared by the `celery` (worker) and `celery_beat` services.

Both run from the web image with a different command; see docker-compose.yml.
"""

import os

from celery import Celery, bootsteps, signals
from celery.beat import PersistentScheduler
from django.conf import settings

import heartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_INTERVAL = 15.0


def ensure_broker_dirs():
    """kombu's filesystem transport expects its folders to exist."""
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
        if folder:
            os.makedirs(folder, exist_ok=True)


@signals.before_task_publish.connect
def _broker_dirs_before_publish(**_kwargs):
    ensure_broker_dirs()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Touches the worker heartbeat file from the worker's own timer."""

    requires = {"celery.worker.components:Timer"}

    def start(self, worker):
        ensure_broker_dirs()
        heartbeat.beat("worker")
        self.tref = worker.timer.call_repeatedly(
            HEARTBEAT_INTERVAL, heartbeat.beat, ("worker",), priority=10
        )

    def stop(self, worker):
        if getattr(self, "tref", None) is not None:
            self.tref.cancel()


app.steps["worker"].add(WorkerHeartbeat)


class HeartbeatScheduler(PersistentScheduler):
    """Beat's scheduler, touching the beat heartbeat file on every tick.

    Beat ticks at least every CELERY_BEAT_MAX_LOOP_INTERVAL seconds.
    """

    def setup_schedule(self):
        ensure_broker_dirs()
        super().setup_schedule()

    def tick(self, *args, **kwargs):
        heartbeat.beat("beat")
        return super().tick(*args, **kwargs)
