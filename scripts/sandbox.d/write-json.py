#!/usr/bin/python3
"""Write <sandbox>/sandbox.json (the SandboxInfo contract of
packages/harness/src/sandbox.ts) from the values scripts/sandbox exports as
SBXJ_* variables. Secrets are read from their files, never from argv."""
import json
import os
import sys

e = os.environ


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


hosts = []
with open(e["SBXJ_HOSTS_TSV"], encoding="utf-8") as f:
    for line in f:
        if not line.strip():
            continue
        name, host, port, fp, known, pid_file, work_dir, docker_config = line.rstrip("\n").split("\t")
        hosts.append(
            {
                "name": name,
                "host": host,
                "port": int(port),
                "hostKeyFingerprint": fp,
                "knownHostsLine": known,
                "pidFile": pid_file,
                "workDir": work_dir,
                "dockerConfig": docker_config,
            }
        )

info = {
    "dir": e["SBXJ_DIR"],
    "startedAt": e["SBXJ_STARTED_AT"],
    "ssh": {
        "user": e["SBXJ_SSH_USER"],
        "clientKey": e["SBXJ_KEY_ED25519"],
        "clientKeyPub": e["SBXJ_KEY_ED25519"] + ".pub",
        "rsaClientKey": e["SBXJ_KEY_RSA"],
        "rsaClientKeyPub": e["SBXJ_KEY_RSA"] + ".pub",
        "passphraseClientKey": e["SBXJ_KEY_PASS"],
        "passphraseClientKeyPub": e["SBXJ_KEY_PASS"] + ".pub",
        "passphrase": read(e["SBXJ_KEY_PASSPHRASE_FILE"]).strip(),
        "knownHostsFile": e["SBXJ_KNOWN_HOSTS"],
        "hosts": hosts,
    },
    "docker": {
        "host": e["SBXJ_DOCKER_HOST"],
        "config": e["SBXJ_DOCKER_CONFIG"],
        "pidFile": e["SBXJ_DOCKER_PID"],
        "cli": e["SBXJ_DOCKER_CLI"],
    },
    "compose": {
        "v1": e["SBXJ_COMPOSE_V1"],
        "v2Plugin": e["SBXJ_COMPOSE_V2"],
    },
    "registry": {
        "address": e["SBXJ_REG_ADDR"],
        "pidFile": e["SBXJ_REG_PID"],
    },
    "authRegistry": {
        "address": e["SBXJ_AREG_ADDR"],
        "username": e["SBXJ_AREG_USER"],
        "password": read(e["SBXJ_AREG_PASSWORD_FILE"]).strip(),
        "pidFile": e["SBXJ_AREG_PID"],
    },
    "nginx": {
        "httpUrl": e["SBXJ_NGINX_HTTP"],
        "httpsUrl": e["SBXJ_NGINX_HTTPS"],
        "caCert": read(e["SBXJ_NGINX_CERT"]),
        "caCertFile": e["SBXJ_NGINX_CERT"],
        "pidFile": e["SBXJ_NGINX_PID"],
    },
    "postgres": {
        "host": e["SBXJ_PG_HOST"],
        "port": int(e["SBXJ_PG_PORT"]),
        "user": e["SBXJ_PG_USER"],
        "password": read(e["SBXJ_PG_PASSWORD_FILE"]).strip(),
        "database": e["SBXJ_PG_DB"],
        "pidFile": e["SBXJ_PG_PID"],
    },
    "images": {"busybox": e["SBXJ_IMAGE_BUSYBOX"]},
}
if e.get("SBXJ_IMAGE_DEBIAN"):
    info["images"]["debian"] = e["SBXJ_IMAGE_DEBIAN"]

out = sys.argv[1]
tmp = out + ".tmp"
# 0644: the file names secrets of throw-away local servers; tests run as any user.
with open(tmp, "w", encoding="utf-8") as f:
    json.dump(info, f, indent=2)
    f.write("\n")
os.chmod(tmp, 0o644)
os.replace(tmp, out)
