#!/bin/sh
# Renders the nginx config for this container's ports, then becomes nginx.
# Runs as www-data: every writable path is under /tmp.
set -eu

for value in "${PORT:=8000}" "${NGINX_PORT:=8080}"; do
    case "$value" in
        '' | *[!0-9]*)
            echo "nginx-entrypoint: PORT and NGINX_PORT must be numbers (got '$value')" >&2
            exit 64
            ;;
    esac
done

sed -e "s/@PORT@/${PORT}/g" -e "s/@NGINX_PORT@/${NGINX_PORT}/g" \
    /etc/nginx/django-app.conf.template >/tmp/nginx.conf
nginx -t -q -c /tmp/nginx.conf -e stderr
exec nginx -c /tmp/nginx.conf -e stderr -g 'daemon off;'
