# shellcheck shell=bash
# PostgreSQL for the postgresql scaler: our own cluster (not Debian's `main`), a database and an
# owner with a password, reached over TCP on loopback with scram-sha-256 like a real deployment.
# TLS is on, with a certificate from the test CA (tls.sh), so the scaler's sslmode require,
# verify-ca and verify-full meet a real server; plain connections (sslmode=disable) still work.
# A second role, <user>_mtls, logs in only over TLS with a client certificate from the test CA
# (and its password), so the scaler's sslcert and sslkey meet a server that checks them.

postgresql_packages() { echo postgresql postgresql-client openssl; }

# Fast shutdown (SIGINT): the default smart shutdown would wait for every test's open session.
postgresql_procs() { echo postgres:INT; }

# The newest server Debian installed; postgresql-common keeps one folder per major version.
pg_bin() {
  local v
  v="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -n | tail -1)"
  [[ -n "$v" && -x "/usr/lib/postgresql/$v/bin/postgres" ]] ||
    die "No PostgreSQL server under /usr/lib/postgresql; run 'scripts/services.sh install postgresql'."
  printf '/usr/lib/postgresql/%s/bin\n' "$v"
}

# PostgreSQL refuses to run as root; postgres is the account Debian's package creates for it.
PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --)

# Superuser session over the cluster's private unix socket (trust, reachable by postgres and root).
pg_admin() {
  psql -X -q -v ON_ERROR_STOP=1 -h "$(svc_dir postgresql)/run" -p "$POSTGRES_PORT" -U postgres \
    -d postgres "$@"
}

# The test user's own view: TCP with a password, exactly as a scaler connects.
pg_user() {
  PGPASSWORD="$SERVICES_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$POSTGRES_PORT" \
    -U "$SERVICES_USER" -d "$SERVICES_DB" "$@"
}

# Healthy: the test user can query over TCP, and the server reads the pg_hba.conf `up` writes
# (one started by an older version of this script does not, and is restarted by `up`).
postgresql_health() {
  [[ "$(pg_user -tAc 'SELECT 1' 2>/dev/null)" == 1 ]] &&
    [[ "$(pg_admin -tAc 'SHOW hba_file' 2>/dev/null)" == "$(svc_dir postgresql)/pg_hba.conf" ]]
}

pg_ready() { pg_isready -q -h "$HOST" -p "$POSTGRES_PORT"; }

postgresql_up() {
  local dir bin
  dir="$(svc_dir postgresql)"
  bin="$(pg_bin)"
  tls_server_cert postgresql postgres
  mkdir -p "$dir/data" "$dir/run"
  chown postgres:postgres "$dir/data" "$dir/run"
  chmod 700 "$dir/data" "$dir/run"
  grant_traverse postgres "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    log "Creating the PostgreSQL cluster in $dir/data."
    "${PG_AS[@]}" "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$dir/logs/initdb.log" 2>&1 ||
      { show_log_tail "$dir/logs/initdb.log"; die "initdb failed."; }
  fi
  # Rewritten on every up; the server reads it at start (and on reload).
  cat >"$dir/pg_hba.conf" <<HBA
# TYPE    DATABASE USER                 ADDRESS METHOD
local     all      all                          trust
hostnossl all      ${SERVICES_USER}_mtls all     reject
hostssl   all      ${SERVICES_USER}_mtls all     scram-sha-256 clientcert=verify-ca
host      all      all                  all     scram-sha-256
HBA
  chown postgres: "$dir/pg_hba.conf"
  # A server started by an older version of this script reads another hba file: restart it.
  if proc_pid "$dir/pids/postgres.pid" >/dev/null &&
    [[ "$(pg_admin -tAc 'SHOW hba_file' 2>/dev/null)" != "$dir/pg_hba.conf" ]]; then
    log "Restarting PostgreSQL with the current settings."
    proc_stop "$dir/pids/postgres.pid" INT
  fi
  if ! proc_pid "$dir/pids/postgres.pid" >/dev/null; then
    require_free_ports postgresql "$POSTGRES_PORT"
    # Settings on the command line rather than in postgresql.conf, so a changed port or a new
    # default takes effect on the next `up` without touching the cluster. fsync and friends are
    # off: the data is disposable and tests run faster without waiting on the disk.
    proc_start "$dir/pids/postgres.pid" "$dir/logs/postgres.log" "${PG_AS[@]}" \
      "$bin/postgres" -D "$dir/data" \
      -c listen_addresses="$HOST" -c port="$POSTGRES_PORT" \
      -c unix_socket_directories="$dir/run" \
      -c shared_buffers=64MB -c max_connections=50 \
      -c ssl=on -c ssl_cert_file="$TLS_DIR/postgresql.pem" \
      -c ssl_key_file="$TLS_DIR/postgresql.key" -c ssl_ca_file="$TLS_DIR/ca.pem" \
      -c hba_file="$dir/pg_hba.conf" \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
      -c logging_collector=off
  fi
  wait_for 60 "postgres accepting connections on $HOST:$POSTGRES_PORT" \
    "$dir/pids/postgres.pid" pg_ready ||
    { show_log_tail "$dir/logs/postgres.log"; die "postgres did not start."; }
  pg_admin -c 'SELECT pg_reload_conf()' >/dev/null
  # Re-applied on every up, so a changed TIDAL_SERVICES_PASSWORD takes effect without a purge.
  pg_admin -v user="$SERVICES_USER" -v pw="$SERVICES_PASSWORD" -v db="$SERVICES_DB" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'pw';
SELECT format('CREATE ROLE %I LOGIN', :'user' || '_mtls')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user' || '_mtls') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'user' || '_mtls', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
  postgresql_health || die "postgres is up but $SERVICES_USER cannot query $SERVICES_DB over TCP."
}

postgresql_env() {
  q TIDAL_POSTGRES_HOST "$HOST"
  q TIDAL_POSTGRES_PORT "$POSTGRES_PORT"
  q TIDAL_POSTGRES_USER "$SERVICES_USER"
  q TIDAL_POSTGRES_MTLS_USER "${SERVICES_USER}_mtls"
  q TIDAL_POSTGRES_PASSWORD "$SERVICES_PASSWORD"
  q TIDAL_POSTGRES_DB "$SERVICES_DB"
  # KEDA's `connectionFromEnv` takes a libpq keyword string; these two connect in plain text,
  # the TLS tests add their own sslmode.
  q TIDAL_POSTGRES_CONNECTION "host=$HOST port=$POSTGRES_PORT user=$SERVICES_USER \
password=$SERVICES_PASSWORD dbname=$SERVICES_DB sslmode=disable"
  q TIDAL_POSTGRES_URL \
    "postgresql://$SERVICES_USER:$SERVICES_PASSWORD@$HOST:$POSTGRES_PORT/$SERVICES_DB?sslmode=disable"
}
