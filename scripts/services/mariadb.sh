# shellcheck shell=bash
# MariaDB for the mysql scaler (KEDA's mysql scaler speaks the MySQL protocol, which MariaDB
# serves; Debian ships no Oracle MySQL). Our own data dir, a database and a password user.
# Two instances: the main one speaks TLS (a certificate from the test CA) beside plain text;
# a second, smaller one speaks no TLS at all, for the DSN's tls=preferred falling back.

mariadb_packages() { echo mariadb-server mariadb-client; }

mariadb_procs() { echo mariadbd mariadbd-plain; }

# mariadb_sock [NAME]: the unix socket of instance NAME (mariadbd by default).
mariadb_sock() { printf '%s/run/%s.sock\n' "$(svc_dir mariadb)" "${1:-mariadbd}"; }

# --no-defaults everywhere: /etc/mysql/my.cnf belongs to the distro's server, not ours.
# mariadb_admin_sql NAME ARGS...
mariadb_admin_sql() {
  local name="$1"
  shift
  mariadb --no-defaults -S "$(mariadb_sock "$name")" -u root "$@"
}

# mariadb_user_sql PORT ARGS...
mariadb_user_sql() {
  local port="$1"
  shift
  MYSQL_PWD="$SERVICES_PASSWORD" mariadb --no-defaults --protocol=TCP -h "$HOST" -P "$port" \
    -u "$SERVICES_USER" "$SERVICES_DB" "$@"
}

mariadb_health() {
  [[ "$(mariadb_user_sql "$MYSQL_PORT" -N -B -e 'SELECT 1' 2>/dev/null)" == 1 ]] &&
    [[ "$(mariadb_user_sql "$MYSQL_PLAIN_PORT" -N -B -e 'SELECT 1' 2>/dev/null)" == 1 ]]
}

# mariadb_ping NAME
mariadb_ping() { mariadb-admin --no-defaults -S "$(mariadb_sock "$1")" -u root ping; }

# sql_string VALUE: VALUE as a single-quoted SQL string literal.
sql_string() {
  local s="${1//\\/\\\\}"
  printf "'%s'" "${s//\'/\'\'}"
}

# mariadb_instance NAME PORT EXTRA_FLAGS...: instance NAME (its data in NAME-data, or data for
# the main one) on PORT, with the test database and user.
mariadb_instance() {
  local name="$1" port="$2" dir data
  shift 2
  dir="$(svc_dir mariadb)"
  data="$dir/data"
  [[ "$name" == mariadbd ]] || data="$dir/$name-data"
  mkdir -p "$dir/run"
  if [[ ! -d "$data/mysql" ]]; then
    log "Creating the MariaDB data dir in $data."
    # root authenticates by unix socket only, so the admin path needs no password at all.
    # Into a temporary dir first, so a failed run is not mistaken for a data dir next time.
    rm -rf "$data.tmp"
    mariadb-install-db --no-defaults --datadir="$data.tmp" --user=root \
      --auth-root-authentication-method=socket --skip-test-db \
      >"$dir/logs/$name-install-db.log" 2>&1 ||
      { show_log_tail "$dir/logs/$name-install-db.log"; die "mariadb-install-db failed."; }
    rm -rf "$data"
    mv "$data.tmp" "$data"
  fi
  if ! proc_pid "$dir/pids/$name.pid" >/dev/null; then
    require_free_ports mariadb "$port"
    # --user=root: mariadbd otherwise refuses to run as root; our data dir is root's anyway.
    # Small buffers and lazy flushing: a disposable test database on a shared machine.
    proc_start "$dir/pids/$name.pid" "$dir/logs/$name.log" \
      mariadbd --no-defaults --user=root --datadir="$data" \
      --socket="$(mariadb_sock "$name")" --pid-file="$dir/run/$name.pid" \
      --bind-address="$HOST" --port="$port" --skip-name-resolve \
      --innodb-buffer-pool-size=64M --performance-schema=OFF --max-connections=50 \
      --innodb-flush-log-at-trx-commit=0 --skip-log-bin \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci "$@"
  fi
  wait_for 60 "$name on $HOST:$port" "$dir/pids/$name.pid" mariadb_ping "$name" ||
    { show_log_tail "$dir/logs/$name.log"; die "$name did not start."; }
  local user pw db
  user="$(sql_string "$SERVICES_USER")"
  pw="$(sql_string "$SERVICES_PASSWORD")"
  db="\`${SERVICES_DB//\`/\`\`}\`"
  # Re-applied on every up, so a changed TIDAL_SERVICES_PASSWORD takes effect without a purge.
  # Host '%' is safe: the server listens on loopback only.
  # Anonymous accounts would match before ours for some client hosts; tests have no use for them.
  mariadb_admin_sql "$name" --batch <<SQL
DROP USER IF EXISTS ''@'localhost', ''@'$(hostname)';
CREATE DATABASE IF NOT EXISTS $db;
CREATE USER IF NOT EXISTS $user@'%' IDENTIFIED BY $pw;
ALTER USER $user@'%' IDENTIFIED BY $pw;
GRANT ALL PRIVILEGES ON $db.* TO $user@'%';
SQL
  [[ "$(mariadb_user_sql "$port" -N -B -e 'SELECT 1' 2>/dev/null)" == 1 ]] ||
    die "$name is up but $SERVICES_USER cannot query $SERVICES_DB over TCP."
}

mariadb_up() {
  # TLS with a certificate from the test CA (tls.sh); plain connections still work.
  tls_server_cert mariadb root
  mariadb_instance mariadbd "$MYSQL_PORT" \
    --ssl-cert="$TLS_DIR/mariadb.pem" --ssl-key="$TLS_DIR/mariadb.key" --ssl-ca="$TLS_DIR/ca.pem"
  mariadb_instance mariadbd-plain "$MYSQL_PLAIN_PORT" --skip-ssl --innodb-buffer-pool-size=16M
}

mariadb_env() {
  q TIDAL_MYSQL_HOST "$HOST"
  q TIDAL_MYSQL_PORT "$MYSQL_PORT"
  q TIDAL_MYSQL_PLAIN_PORT "$MYSQL_PLAIN_PORT"
  q TIDAL_MYSQL_USER "$SERVICES_USER"
  q TIDAL_MYSQL_PASSWORD "$SERVICES_PASSWORD"
  q TIDAL_MYSQL_DB "$SERVICES_DB"
  # KEDA's mysql `connectionString` is a Go MySQL DSN.
  q TIDAL_MYSQL_DSN "$SERVICES_USER:$SERVICES_PASSWORD@tcp($HOST:$MYSQL_PORT)/$SERVICES_DB"
  q TIDAL_MYSQL_URL "mysql://$SERVICES_USER:$SERVICES_PASSWORD@$HOST:$MYSQL_PORT/$SERVICES_DB"
}
