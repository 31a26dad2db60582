# The service's own database: query history and results, owned by role firethorn.
: "${FIRETHORN_DB_PASSWORD:?set FIRETHORN_DB_PASSWORD for metadata}"
run_sql -v firethorn_password="$FIRETHORN_DB_PASSWORD" <<'SQL'
CREATE ROLE firethorn LOGIN PASSWORD :'firethorn_password';
CREATE DATABASE firethorn OWNER firethorn;
SQL
