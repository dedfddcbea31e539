# shellcheck shell=bash
# Redis for the redis and redis-streams scalers: one open instance and one that needs a password,
# with both the default user's password (requirepass, KEDA's `password` alone) and an ACL user
# (KEDA's `username` + `password`), so both auth paths run against a real server; and one that
# speaks only TLS and requires a client certificate from the test CA (tls.sh), for `enableTLS`,
# `ca`, `cert`, `key` and `unsafeSsl`.

redis_packages() { echo redis-server redis-tools; }

redis_procs() { echo redis redis-auth redis-tls; }

# redis_conf PORT EXTRA...: a config for one instance. Persistence is off: tests make their data.
redis_conf() {
  local port="$1" dir
  shift
  dir="$(svc_dir redis)/data-$port"
  mkdir -p "$dir"
  cat <<EOF
bind $HOST
port $port
protected-mode yes
daemonize no
dir $dir
save ""
appendonly no
logfile ""
maxmemory 128mb
EOF
  printf '%s\n' "$@"
}

redis_cli_open() { redis-cli -h "$HOST" -p "$REDIS_PORT" "$@"; }
# REDISCLI_AUTH keeps the password off the command line and silences redis-cli's warning.
redis_cli_auth() {
  REDISCLI_AUTH="$SERVICES_PASSWORD" redis-cli -h "$HOST" -p "$REDIS_AUTH_PORT" \
    --user "$SERVICES_USER" "$@"
}

redis_cli_tls() {
  redis-cli -h "$HOST" -p "$REDIS_TLS_PORT" --tls --cacert "$TLS_DIR/ca.pem" \
    --cert "$TLS_DIR/client.pem" --key "$TLS_DIR/client.key" "$@"
}

redis_ping_open() { [[ "$(redis_cli_open ping 2>/dev/null)" == PONG ]]; }
redis_ping_auth() { [[ "$(redis_cli_auth ping 2>/dev/null)" == PONG ]]; }
redis_ping_tls() { [[ "$(redis_cli_tls ping 2>/dev/null)" == PONG ]]; }
redis_health() { redis_ping_open && redis_ping_auth && redis_ping_tls; }

redis_up() {
  local dir
  dir="$(svc_dir redis)"
  redis_conf "$REDIS_PORT" >"$dir/redis.conf"
  # Written with 0600 before the password goes in: it is a test password, but still a password.
  install -m 600 /dev/null "$dir/redis-auth.conf"
  redis_conf "$REDIS_AUTH_PORT" \
    "requirepass $SERVICES_PASSWORD" \
    "user $SERVICES_USER on >$SERVICES_PASSWORD ~* &* +@all" >"$dir/redis-auth.conf"
  tls_server_cert redis root
  redis_conf 0 \
    "tls-port $REDIS_TLS_PORT" \
    "tls-cert-file $TLS_DIR/redis.pem" \
    "tls-key-file $TLS_DIR/redis.key" \
    "tls-ca-cert-file $TLS_DIR/ca.pem" \
    "tls-auth-clients yes" >"$dir/redis-tls.conf"
  if ! proc_pid "$dir/pids/redis.pid" >/dev/null; then
    require_free_ports redis "$REDIS_PORT"
    proc_start "$dir/pids/redis.pid" "$dir/logs/redis.log" redis-server "$dir/redis.conf"
  fi
  if ! proc_pid "$dir/pids/redis-auth.pid" >/dev/null; then
    require_free_ports redis "$REDIS_AUTH_PORT"
    proc_start "$dir/pids/redis-auth.pid" "$dir/logs/redis-auth.log" \
      redis-server "$dir/redis-auth.conf"
  fi
  if ! proc_pid "$dir/pids/redis-tls.pid" >/dev/null; then
    require_free_ports redis "$REDIS_TLS_PORT"
    proc_start "$dir/pids/redis-tls.pid" "$dir/logs/redis-tls.log" \
      redis-server "$dir/redis-tls.conf"
  fi
  wait_for 30 "redis on $HOST:$REDIS_PORT" "$dir/pids/redis.pid" redis_ping_open ||
    { show_log_tail "$dir/logs/redis.log"; die "redis did not answer PING."; }
  wait_for 30 "redis with auth on $HOST:$REDIS_AUTH_PORT" "$dir/pids/redis-auth.pid" redis_ping_auth ||
    { show_log_tail "$dir/logs/redis-auth.log"; die "redis with auth did not answer PING."; }
  wait_for 30 "redis with TLS on $HOST:$REDIS_TLS_PORT" "$dir/pids/redis-tls.pid" redis_ping_tls ||
    { show_log_tail "$dir/logs/redis-tls.log"; die "redis with TLS did not answer PING."; }
}

redis_env() {
  q TIDAL_REDIS_HOST "$HOST"
  q TIDAL_REDIS_PORT "$REDIS_PORT"
  q TIDAL_REDIS_ADDRESS "$HOST:$REDIS_PORT"
  q TIDAL_REDIS_URL "redis://$HOST:$REDIS_PORT"
  q TIDAL_REDIS_AUTH_PORT "$REDIS_AUTH_PORT"
  q TIDAL_REDIS_AUTH_ADDRESS "$HOST:$REDIS_AUTH_PORT"
  q TIDAL_REDIS_AUTH_USERNAME "$SERVICES_USER"
  q TIDAL_REDIS_AUTH_PASSWORD "$SERVICES_PASSWORD"
  q TIDAL_REDIS_AUTH_URL "redis://$SERVICES_USER:$SERVICES_PASSWORD@$HOST:$REDIS_AUTH_PORT"
  q TIDAL_REDIS_TLS_ADDRESS "$HOST:$REDIS_TLS_PORT"
}
