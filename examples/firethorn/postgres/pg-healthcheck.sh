#!/bin/sh
# Healthy = the server accepts connections on its public socket and $HEALTHCHECK_SQL
# (default: SELECT 1) answers in $POSTGRES_DB. The init server uses another socket, so a
# database that is still loading is never reported healthy.
set -eu
db="${POSTGRES_DB:-postgres}"
pg_isready -q -h /run/postgresql -U postgres -d "$db"
psql -X -q -t -A -h /run/postgresql -U postgres -d "$db" -v ON_ERROR_STOP=1 \
    -c "${HEALTHCHECK_SQL:-SELECT 1}" >/dev/null
