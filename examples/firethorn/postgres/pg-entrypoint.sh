#!/bin/sh
# Start PostgreSQL on the data directory $PGDATA, making the database first if it is new.
#
# First start: initdb, then every script of $INITDB_SCRIPTS in name order (*.sql through
# psql, *.sh sourced, so they can use run_sql and the environment) against a server that
# listens only on a private socket, so health checks cannot see a half-loaded database.
# A marker file is written last: a container killed during the load starts over next time.
# Then PostgreSQL replaces this script as the container's main process, as user postgres.
set -eu

: "${PGDATA:?PGDATA must be set}"
: "${INITDB_SCRIPTS:?INITDB_SCRIPTS must name a directory of init scripts}"
MARKER="$PGDATA/.initialised"
INIT_SOCKET=/tmp/pg-init

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
log() { echo "pg-entrypoint: $*" >&2; }

# run_sql [psql options…]: psql as the superuser against the init server.
run_sql() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$INIT_SOCKET" -U postgres "$@"; }

write_access_rules() {
    cat > "$PGDATA/pg_hba.conf" <<'HBA'
# Inside the container (health checks, init scripts): the socket, no password.
local all all trust
# From the network: passwords only.
host all all 0.0.0.0/0 scram-sha-256
host all all ::/0 scram-sha-256
HBA
}

initialise() {
    if [ -s "$PGDATA/PG_VERSION" ]; then
        log "found an unfinished initialisation in $PGDATA; starting it again"
        find "$PGDATA" -mindepth 1 -delete
    fi
    log "creating the database cluster in $PGDATA"
    as_postgres initdb -D "$PGDATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 --auth=trust >/dev/null
    write_access_rules
    mkdir -p "$INIT_SOCKET" && chown postgres:postgres "$INIT_SOCKET"
    as_postgres pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses='' -c unix_socket_directories=$INIT_SOCKET" start
    for script in "$INITDB_SCRIPTS"/*; do
        started=$(date +%s.%N)
        case "$script" in
            *.sql) run_sql -f "$script" ;;
            *.sh) . "$script" ;;
            *) log "ignoring $script (neither .sql nor .sh)"; continue ;;
        esac
        log "ran $(basename "$script") in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }") s"
    done
    as_postgres pg_ctl -D "$PGDATA" -w -s -m fast stop
    touch "$MARKER"
    log "database ready"
}

mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 0700 "$PGDATA"
[ -e "$MARKER" ] || initialise
exec setpriv --reuid=postgres --regid=postgres --init-groups \
    postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/run/postgresql "$@"
