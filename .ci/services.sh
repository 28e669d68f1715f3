#!/usr/bin/env bash
# PostgreSQL (with the roles `ci`, owner and superuser, and `ci_app`, the application's role) and Redis
# on 127.0.0.1, installed with apt when missing (as root) and started when stopped. Idempotent; used by
# .ci/run and `make bench`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
for pkg in postgresql redis-server; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "Please install ${need[*]} (or run as root with apt-get)" >&2
    exit 1
  fi
fi

if ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | grep -q "^$pg_version main"; then
    pg_createcluster "$pg_version" main >/dev/null
  fi
  pg_ctlcluster "$pg_version" main start 2>/dev/null || true
fi
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done
pg_isready -h 127.0.0.1
if [ "$(id -u)" = 0 ]; then
  su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname='ci'\" | grep -q 1 || psql -q -c \"CREATE ROLE ci LOGIN SUPERUSER PASSWORD 'ci'\""
  su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='ci'\" | grep -q 1 || createdb -O ci ci"
  # The application's role (docs/operations.md, Database roles): a login that owns nothing and is no
  # superuser; `ci` above is the owner that runs the migrations.
  su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname='ci_app'\" | grep -q 1 || psql -q -c \"CREATE ROLE ci_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'ci_app'\""
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
fi
for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
redis-cli -h 127.0.0.1 ping
