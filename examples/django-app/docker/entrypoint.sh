#!/bin/sh
# One image, three roles. The last step always `exec`s, so the server is the
# process that receives signals (compose adds `init: true` as PID 1).
set -eu

case "${1:-web}" in
    web)
        if [ "${MIGRATE_ON_START:-true}" = "true" ]; then
            python3 manage.py migrate --noinput
        fi
        # --reuse-port (SO_REUSEPORT): during a zero-downtime switch the new container listens
        # on the same address beside the old one (network_mode: host), which then drains on SIGTERM.
        # --preload: Django is imported BEFORE the socket is bound, so the kernel sends the new
        # copy no connection until it can answer (without it, connections wait in its backlog
        # while its workers import Django). A new release is a new container, not a SIGHUP.
        exec gunicorn config.wsgi:application \
            --bind "${BIND_ADDRESS:-127.0.0.1}:${PORT:-8000}" \
            --reuse-port \
            --preload \
            --workers "${GUNICORN_WORKERS:-2}" \
            --timeout "${GUNICORN_TIMEOUT:-30}" \
            --access-logfile -
        ;;
    worker)
        # python3 -m: Debian's python3-celery ships the module, not a celery script.
        exec python3 -m celery -A config worker --pool=solo --loglevel="${LOG_LEVEL:-INFO}"
        ;;
    beat)
        exec python3 -m celery -A config beat --loglevel="${LOG_LEVEL:-INFO}" \
            --scheduler config.celery:HeartbeatScheduler
        ;;
    *)
        exec "$@"
        ;;
esac
