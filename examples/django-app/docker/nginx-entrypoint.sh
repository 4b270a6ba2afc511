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

# BIND_ADDRESS: the loopback address both listen on (several "hosts" sharing one machine, as in
# deploy-kit's sandbox, each have their own); 127.0.0.1 on a real server.
BIND_ADDRESS=${BIND_ADDRESS:-127.0.0.1}
case "$BIND_ADDRESS" in
    *[!0-9.]* | '')
        echo "nginx-entrypoint: BIND_ADDRESS must be an IPv4 address (got '$BIND_ADDRESS')" >&2
        exit 64
        ;;
esac

sed -e "s/@PORT@/${PORT}/g" -e "s/@NGINX_PORT@/${NGINX_PORT}/g" -e "s/@BIND_ADDRESS@/${BIND_ADDRESS}/g" \
    /etc/nginx/django-app.conf.template >/tmp/nginx.conf
nginx -t -q -c /tmp/nginx.conf -e stderr
exec nginx -c /tmp/nginx.conf -e stderr -g 'daemon off;'
