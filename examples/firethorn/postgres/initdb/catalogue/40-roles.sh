# Read-only roles: firethorn (the web service, through the ambassador) and tester (the
# direct route). Three locks: SELECT-only grants, read-only transactions by default for
# these roles, and the service's own checks.
: "${FIRETHORN_DB_PASSWORD:?set FIRETHORN_DB_PASSWORD for pgcat}"
: "${TESTER_DB_PASSWORD:?set TESTER_DB_PASSWORD for pgcat}"
run_sql -d catalogue -v firethorn_password="$FIRETHORN_DB_PASSWORD" -v tester_password="$TESTER_DB_PASSWORD" <<'SQL'
REVOKE ALL ON DATABASE catalogue FROM PUBLIC;
CREATE ROLE catalogue_reader NOLOGIN;
GRANT CONNECT ON DATABASE catalogue TO catalogue_reader;
GRANT USAGE ON SCHEMA public TO catalogue_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO catalogue_reader;
CREATE ROLE firethorn LOGIN PASSWORD :'firethorn_password' IN ROLE catalogue_reader;
CREATE ROLE tester LOGIN PASSWORD :'tester_password' IN ROLE catalogue_reader;
ALTER ROLE firethorn SET default_transaction_read_only = on;
ALTER ROLE tester SET default_transaction_read_only = on;
SQL
