# shellcheck shell=bash
# MariaDB for the mysql scaler (KEDA's mysql scaler speaks the MySQL protocol, which MariaDB
# serves; Debian ships no Oracle MySQL). Our own data dir, a database and a password user.

mariadb_packages() { echo mariadb-server mariadb-client; }

mariadb_procs() { echo mariadbd; }

mariadb_sock() { printf '%s/run/mysqld.sock\n' "$(svc_dir mariadb)"; }

# --no-defaults everywhere: /etc/mysql/my.cnf belongs to the distro's server, not ours.
mariadb_admin_sql() { mariadb --no-defaults -S "$(mariadb_sock)" -u root "$@"; }

mariadb_user_sql() {
  MYSQL_PWD="$SERVICES_PASSWORD" mariadb --no-defaults --protocol=TCP -h "$HOST" -P "$MYSQL_PORT" \
    -u "$SERVICES_USER" "$SERVICES_DB" "$@"
}

mariadb_health() { [[ "$(mariadb_user_sql -N -B -e 'SELECT 1' 2>/dev/null)" == 1 ]]; }

mariadb_ping() { mariadb-admin --no-defaults -S "$(mariadb_sock)" -u root ping; }

# sql_string VALUE: VALUE as a single-quoted SQL string literal.
sql_string() {
  local s="${1//\\/\\\\}"
  printf "'%s'" "${s//\'/\'\'}"
}

mariadb_up() {
  local dir
  dir="$(svc_dir mariadb)"
  mkdir -p "$dir/run"
  if [[ ! -d "$dir/data/mysql" ]]; then
    log "Creating the MariaDB data dir in $dir/data."
    # root authenticates by unix socket only, so the admin path needs no password at all.
    # Into a temporary dir first, so a failed run is not mistaken for a data dir next time.
    rm -rf "$dir/data.tmp"
    mariadb-install-db --no-defaults --datadir="$dir/data.tmp" --user=root \
      --auth-root-authentication-method=socket --skip-test-db \
      >"$dir/logs/install-db.log" 2>&1 ||
      { show_log_tail "$dir/logs/install-db.log"; die "mariadb-install-db failed."; }
    rm -rf "$dir/data"
    mv "$dir/data.tmp" "$dir/data"
  fi
  # TLS with a certificate from the test CA (tls.sh); plain connections still work.
  tls_server_cert mariadb root
  if ! proc_pid "$dir/pids/mariadbd.pid" >/dev/null; then
    require_free_ports mariadb "$MYSQL_PORT"
    # --user=root: mariadbd otherwise refuses to run as root; our data dir is root's anyway.
    # Small buffers and lazy flushing: a disposable test database on a shared machine.
    proc_start "$dir/pids/mariadbd.pid" "$dir/logs/mariadbd.log" \
      mariadbd --no-defaults --user=root --datadir="$dir/data" \
      --socket="$(mariadb_sock)" --pid-file="$dir/run/mariadbd.pid" \
      --bind-address="$HOST" --port="$MYSQL_PORT" --skip-name-resolve \
      --innodb-buffer-pool-size=64M --performance-schema=OFF --max-connections=50 \
      --innodb-flush-log-at-trx-commit=0 --skip-log-bin \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
      --ssl-cert="$TLS_DIR/mariadb.pem" --ssl-key="$TLS_DIR/mariadb.key" \
      --ssl-ca="$TLS_DIR/ca.pem"
  fi
  wait_for 60 "mariadb on $HOST:$MYSQL_PORT" "$dir/pids/mariadbd.pid" mariadb_ping ||
    { show_log_tail "$dir/logs/mariadbd.log"; die "mariadbd did not start."; }
  local user pw db
  user="$(sql_string "$SERVICES_USER")"
  pw="$(sql_string "$SERVICES_PASSWORD")"
  db="\`${SERVICES_DB//\`/\`\`}\`"
  # Re-applied on every up, so a changed TIDAL_SERVICES_PASSWORD takes effect without a purge.
  # Host '%' is safe: the server listens on loopback only.
  # Anonymous accounts would match before ours for some client hosts; tests have no use for them.
  mariadb_admin_sql --batch <<SQL
DROP USER IF EXISTS ''@'localhost', ''@'$(hostname)';
CREATE DATABASE IF NOT EXISTS $db;
CREATE USER IF NOT EXISTS $user@'%' IDENTIFIED BY $pw;
ALTER USER $user@'%' IDENTIFIED BY $pw;
GRANT ALL PRIVILEGES ON $db.* TO $user@'%';
SQL
  mariadb_health || die "mariadb is up but $SERVICES_USER cannot query $SERVICES_DB over TCP."
}

mariadb_env() {
  q TIDAL_MYSQL_HOST "$HOST"
  q TIDAL_MYSQL_PORT "$MYSQL_PORT"
  q TIDAL_MYSQL_USER "$SERVICES_USER"
  q TIDAL_MYSQL_PASSWORD "$SERVICES_PASSWORD"
  q TIDAL_MYSQL_DB "$SERVICES_DB"
  # KEDA's mysql `connectionString` is a Go MySQL DSN.
  q TIDAL_MYSQL_DSN "$SERVICES_USER:$SERVICES_PASSWORD@tcp($HOST:$MYSQL_PORT)/$SERVICES_DB"
  q TIDAL_MYSQL_URL "mysql://$SERVICES_USER:$SERVICES_PASSWORD@$HOST:$MYSQL_PORT/$SERVICES_DB"
}
