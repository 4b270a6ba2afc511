#!/usr/bin/env bash
# Regenerates the encrypted vault files of the example app:
#   deploy/group_vars/{staging,production}/vault.yml
# with fresh random values, encrypted by the real `ansible-vault` (Debian
# package `ansible`) using deploy/vault-password.demo.
#
# DEMO ONLY: the password file is committed so tests and the demo can decrypt
# the vaults. A real project keeps its vault password in a CI secret
# (render-env's `vault-password` input) and never in the repository.
#
# The plaintext exists only in a private temporary directory that is removed
# on exit; it is never written into the repository.
#
# Usage: bash deploy/make-vault.sh [environment...]   (default: staging production)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
password_file=${VAULT_PASSWORD_FILE:-$here/vault-password.demo}
environments=("$@")
((${#environments[@]})) || environments=(staging production)

command -v ansible-vault >/dev/null || {
    echo "make-vault.sh: ansible-vault not found; install the Debian package 'ansible'" >&2
    exit 1
}
[[ -r $password_file ]] || {
    echo "make-vault.sh: cannot read the vault password file $password_file" >&2
    exit 1
}

workdir=$(mktemp -d)
chmod 0700 "$workdir"
trap 'rm -rf "$workdir"' EXIT

# Random values sized for the django-production policy: secret key >= 50
# characters (not django-insecure-), tokens >= 64 characters.
generate() {
    python3 - <<'PY'
import secrets

print(f"django_secret_key: \"{secrets.token_urlsafe(48)}\"")
print(f"db_password: \"{secrets.token_hex(24)}\"")
print(f"metrics_token: \"{secrets.token_hex(40)}\"")
PY
}

for environment in "${environments[@]}"; do
    case $environment in
        staging | production) ;;
        *)
            echo "make-vault.sh: unknown environment '$environment' (use staging or production)" >&2
            exit 2
            ;;
    esac
    plain=$workdir/$environment.yml
    {
        echo "# Secrets of the $environment environment (made by deploy/make-vault.sh)."
        generate
    } >"$plain"
    target=$here/group_vars/$environment/vault.yml
    mkdir -p "$(dirname "$target")"
    ansible-vault encrypt --vault-password-file "$password_file" \
        --output "$target" "$plain"
    # Prove the file opens with the same password before reporting success.
    ansible-vault view --vault-password-file "$password_file" "$target" >/dev/null
    echo "wrote $target"
done
