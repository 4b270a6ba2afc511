"""Prometheus text exposition for /metrics (no client library in Debian needed)."""

import hmac
import time

PROCESS_START = time.time()


def bearer_token(authorization):
    """The token from an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_matches(presented, expected):
    # Constant-time compare; an unset METRICS_TOKEN never matches anything.
    if not expected or presented is None:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


def _label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(version, notes_total, database_up):
    lines = [
        "# HELP django_app_info Build information of the running app.",
        "# TYPE django_app_info gauge",
        f'django_app_info{{version="{_label(version)}"}} 1',
        "# HELP django_app_database_up Whether the database answered SELECT 1.",
        "# TYPE django_app_database_up gauge",
        f"django_app_database_up {1 if database_up else 0}",
        "# HELP django_app_notes Notes stored in the database.",
        "# TYPE django_app_notes gauge",
        f"django_app_notes {notes_total}",
        "# HELP django_app_process_start_time_seconds Start time of this process.",
        "# TYPE django_app_process_start_time_seconds gauge",
        f"django_app_process_start_time_seconds {PROCESS_START:.3f}",
    ]
    return "\n".join(lines) + "\n"
