#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 with a role and database for Berth.
# Reuses a running server; installs Debian's postgresql with apt-get and starts the cluster when
# absent (root only). Settings: BERTH_PG_USER (berth), BERTH_PG_PASSWORD (berth-dev-only),
# BERTH_PG_DB (berth). Prints nothing secret.
set -euo pipefail

PG_USER="${BERTH_PG_USER:-berth}"
PG_PASSWORD="${BERTH_PG_PASSWORD:-berth-dev-only}"
PG_DB="${BERTH_PG_DB:-berth}"

answers() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

# Already set up (possibly by someone else, as another user): nothing to change.
if answers && PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -U "$PG_USER" -d "$PG_DB" -qtAc "SELECT 1" >/dev/null 2>&1; then
  echo "ensure-postgres: ready on 127.0.0.1:5432 (database $PG_DB, role $PG_USER)"
  exit 0
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then
    echo "ensure-postgres: PostgreSQL is not installed and we are not root; install postgresql and retry" >&2
    exit 1
  fi
  echo "ensure-postgres: installing postgresql with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
fi

if ! answers; then
  VERSION="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$VERSION" ]; then
    echo "ensure-postgres: no PostgreSQL cluster found under /etc/postgresql" >&2
    exit 1
  fi
  echo "ensure-postgres: starting PostgreSQL $VERSION cluster 'main'"
  pg_ctlcluster "$VERSION" main start || true
  for _ in $(seq 1 60); do answers && break; sleep 0.5; done
  answers || { echo "ensure-postgres: PostgreSQL did not answer on 127.0.0.1:5432" >&2; exit 1; }
fi

as_postgres() { if [ "$(id -u)" = "0" ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }

as_postgres "psql -v ON_ERROR_STOP=1 -qtA -d postgres" <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE "$PG_USER" LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE "$PG_USER" LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SQL
if ! as_postgres "psql -qtA -d postgres -c \"SELECT 1 FROM pg_database WHERE datname = '$PG_DB'\"" | grep -q 1; then
  as_postgres "createdb -O '$PG_USER' '$PG_DB'"
fi
echo "ensure-postgres: ready on 127.0.0.1:5432 (database $PG_DB, role $PG_USER)"
