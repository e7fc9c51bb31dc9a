#!/usr/bin/env bash
# Start the machine's Debian PostgreSQL cluster for the test suite and print the URL to use.
#
# PostgreSQL refuses to run as root, so we use the packaged cluster, which pg_ctlcluster runs as
# the postgres user. The version is whatever is installed (never assumed). Usage:
#   export FAIRDEBT_TEST_POSTGRES_URL=$(bash scripts/start-postgres.sh)
set -euo pipefail

version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
if [ -z "$version" ]; then
  echo "start-postgres: no PostgreSQL server installed (apt-get install postgresql)" >&2
  exit 1
fi
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.2
done
# A throw-away superuser for tests only; the cluster listens on loopback alone.
su postgres -c "psql -q -p $port -c \"DO \\\$\\\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fairdebt_test') THEN
    CREATE ROLE fairdebt_test LOGIN SUPERUSER PASSWORD 'fairdebt_test';
  END IF; END \\\$\\\$;\"" >&2
echo "postgresql+psycopg://fairdebt_test:fairdebt_test@127.0.0.1:${port}/postgres"
