#!/usr/bin/env bash
# Installs (if needed) and starts a local PostgreSQL server on 127.0.0.1:5432 for the projects
# example's tests, and prints the admin URL they use. Idempotent: safe to run twice.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
    pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
    pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
    su postgres -c "psql -qAtc 'SELECT 1'" >/dev/null 2>&1 && break
    sleep 1
done
su postgres -c "psql -qc \"DO \\\$\\\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authz') THEN
        CREATE ROLE authz LOGIN CREATEDB PASSWORD 'authz';
    END IF;
END \\\$\\\$;\"" >&2
su postgres -c "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname = 'authz'\"" | grep -q 1 \
    || su postgres -c "createdb -O authz authz" >&2

echo "postgres://authz:authz@127.0.0.1:5432/authz"
