#!/usr/bin/env bash
# Start a local PostgreSQL 15 + PostGIS 3 server for foncier's tests (Debian 12, run as root).
#
# Idempotent: installs the packages when missing, creates (once) a cluster "foncier" on port
# $FONCIER_PG_PORT (55432), starts it, creates the database foncier_test with the postgis
# extension, gives the role the right to create databases and creates the template database
# foncier_template_gis (PostGIS installed in its schema "gis", not "public"), from which the tests
# copy throwaway databases without being superuser; then prints the line to source and writes it
# to $FONCIER_PG_ENV_FILE (default /tmp/foncier-postgis.env):
#   export FONCIER_TEST_PG=postgresql://foncier:foncier@127.0.0.1:55432/foncier_test
# No stdin is read; safe with CI=true.
set -euo pipefail

PG_VERSION=15
PORT="${FONCIER_PG_PORT:-55432}"
CLUSTER=foncier
DB=foncier_test
ROLE=foncier
PASSWORD=foncier

ENV_FILE="${FONCIER_PG_ENV_FILE:-/tmp/foncier-postgis.env}"
export DEBIAN_FRONTEND=noninteractive

log() { echo "[postgis.sh] $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
    log "à lancer en root (installe des paquets et démarre un serveur en tant que postgres)."
    exit 1
fi

# 1. Packages.
if [ ! -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ] \
   || [ ! -f "/usr/share/postgresql/$PG_VERSION/extension/postgis.control" ]; then
    log "installation de postgresql-$PG_VERSION et postgresql-$PG_VERSION-postgis-3"
    apt-get update -qq </dev/null
    apt-get install -y -qq --no-install-recommends "postgresql-$PG_VERSION" \
        "postgresql-$PG_VERSION-postgis-3" </dev/null >&2
fi

# 2. Cluster (created once, on its own port, so it never touches a "main" cluster).
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $CLUSTER"; then
    log "création du cluster $PG_VERSION/$CLUSTER sur le port $PORT"
    pg_createcluster "$PG_VERSION" "$CLUSTER" --port "$PORT" </dev/null >&2
fi
status=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')
if [ "$status" != "online" ]; then
    log "démarrage du cluster $PG_VERSION/$CLUSTER"
    pg_ctlcluster "$PG_VERSION" "$CLUSTER" start </dev/null >&2
fi
for _ in $(seq 1 30); do
    if pg_isready -q -h 127.0.0.1 -p "$PORT"; then break; fi
    sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { log "le serveur ne répond pas sur le port $PORT"; exit 1; }

# 3. Role, database, extension.
psql_admin() { su postgres -c "psql -X -q -v ON_ERROR_STOP=1 -p $PORT $*" </dev/null; }
if [ "$(psql_admin "-tAc \"SELECT 1 FROM pg_roles WHERE rolname='$ROLE'\"")" != "1" ]; then
    psql_admin "-c \"CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'\""
fi
if [ "$(psql_admin "-tAc \"SELECT 1 FROM pg_database WHERE datname='$DB'\"")" != "1" ]; then
    psql_admin "-c \"CREATE DATABASE $DB OWNER $ROLE\""
fi
psql_admin "-d $DB -c \"CREATE EXTENSION IF NOT EXISTS postgis\""

# 4. For the tests of PostGIS in another schema and of a database without PostGIS: the role may
#    create (and drop) its own databases, copied from a template where PostGIS lives in "gis".
TEMPLATE=foncier_template_gis
psql_admin "-c \"ALTER ROLE $ROLE CREATEDB\""
if [ "$(psql_admin "-tAc \"SELECT 1 FROM pg_database WHERE datname='$TEMPLATE'\"")" != "1" ]; then
    log "création de la base modèle $TEMPLATE (PostGIS dans le schéma gis)"
    psql_admin "-c \"CREATE DATABASE $TEMPLATE OWNER $ROLE IS_TEMPLATE true\""
    psql_admin "-d $TEMPLATE -c \"CREATE SCHEMA gis\" -c \"CREATE EXTENSION postgis SCHEMA gis\""
fi
psql_admin "-d $TEMPLATE -c \"GRANT USAGE ON SCHEMA gis TO PUBLIC\""

URL="postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
echo "export FONCIER_TEST_PG=$URL" > "$ENV_FILE"
log "prêt : $URL (ligne écrite dans $ENV_FILE)"
echo "export FONCIER_TEST_PG=$URL"
