# shellcheck shell=bash
# Redis for the redis and redis-streams scalers: one open instance and one that needs a password,
# with both the default user's password (requirepass, KEDA's `password` alone) and an ACL user
# (KEDA's `username` + `password`), so both auth paths run against a real server; and one that
# speaks only TLS and requires a client certificate from the test CA (tls.sh), for `enableTLS`,
# `ca`, `cert`, `key` and `unsafeSsl`. For redis-cluster: a three-node Redis Cluster with a
# password (all slots spread over three masters). For redis-sentinel: a sentinel with a password
# of its own that monitors the open instance as master `tidal-master`.

redis_packages() { echo redis-server redis-tools; }

redis_procs() {
  echo redis redis-auth redis-tls redis-cluster-0 redis-cluster-1 redis-cluster-2 redis-sentinel
}

# The cluster's node ports.
redis_cluster_ports() {
  echo "$REDIS_CLUSTER_PORT" "$((REDIS_CLUSTER_PORT + 1))" "$((REDIS_CLUSTER_PORT + 2))"
}

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

redis_cli_cluster() {
  REDISCLI_AUTH="$SERVICES_PASSWORD" redis-cli -h "$HOST" -p "$REDIS_CLUSTER_PORT" "$@"
}

redis_cli_sentinel() {
  REDISCLI_AUTH="$SERVICES_PASSWORD" redis-cli -h "$HOST" -p "$REDIS_SENTINEL_PORT" "$@"
}

redis_ping_open() { [[ "$(redis_cli_open ping 2>/dev/null)" == PONG ]]; }
redis_ping_auth() { [[ "$(redis_cli_auth ping 2>/dev/null)" == PONG ]]; }
redis_ping_tls() { [[ "$(redis_cli_tls ping 2>/dev/null)" == PONG ]]; }
redis_node_ping() {
  [[ "$(REDISCLI_AUTH="$SERVICES_PASSWORD" redis-cli -h "$HOST" -p "$1" ping 2>/dev/null)" == PONG ]]
}
redis_cluster_ok() { redis_cli_cluster cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
redis_sentinel_ok() {
  [[ "$(redis_cli_sentinel sentinel get-master-addr-by-name tidal-master 2>/dev/null | tail -1)" == \
    "$REDIS_PORT" ]]
}
redis_health() {
  redis_ping_open && redis_ping_auth && redis_ping_tls && redis_cluster_ok && redis_sentinel_ok
}

# redis_cluster_up: the three nodes, and the cluster they form. A node started afresh forgets
# any earlier cluster (its nodes file is removed first), so the three always form one anew.
redis_cluster_up() {
  local dir="$1" port n=0 started=0
  for port in $(redis_cluster_ports); do
    if ! proc_pid "$dir/pids/redis-cluster-$n.pid" >/dev/null; then
      require_free_ports redis "$port" "$((port + 10000))"
      rm -f "$dir/data-$port/nodes.conf"
      install -m 600 /dev/null "$dir/redis-cluster-$n.conf"
      redis_conf "$port" "cluster-enabled yes" "cluster-config-file nodes.conf" \
        "cluster-node-timeout 5000" "requirepass $SERVICES_PASSWORD" \
        "masterauth $SERVICES_PASSWORD" >"$dir/redis-cluster-$n.conf"
      proc_start "$dir/pids/redis-cluster-$n.pid" "$dir/logs/redis-cluster-$n.log" \
        redis-server "$dir/redis-cluster-$n.conf"
      started=1
    fi
    wait_for 30 "redis cluster node on $HOST:$port" "$dir/pids/redis-cluster-$n.pid" \
      redis_node_ping "$port" ||
      { show_log_tail "$dir/logs/redis-cluster-$n.log"; die "a redis cluster node did not answer PING."; }
    n=$((n + 1))
  done
  if ((started)) || ! redis_cluster_ok; then
    if ((!started)); then
      die "The redis cluster on $HOST:$REDIS_CLUSTER_PORT is unhealthy; run 'scripts/services.sh down redis' and up again."
    fi
    local nodes=()
    for port in $(redis_cluster_ports); do nodes+=("$HOST:$port"); done
    log "Forming the redis cluster ${nodes[*]}."
    REDISCLI_AUTH="$SERVICES_PASSWORD" redis-cli --cluster create "${nodes[@]}" \
      --cluster-replicas 0 --cluster-yes >"$dir/logs/redis-cluster-create.log" 2>&1 ||
      { show_log_tail "$dir/logs/redis-cluster-create.log"; die "redis-cli --cluster create failed."; }
  fi
  wait_for 30 "the redis cluster's state ok" "$dir/pids/redis-cluster-0.pid" redis_cluster_ok ||
    { show_log_tail "$dir/logs/redis-cluster-0.log"; die "the redis cluster did not reach state ok."; }
}

# redis_sentinel_up: a sentinel (password protected) monitoring the open instance. Sentinel
# rewrites its config file, so it is written afresh before each start.
redis_sentinel_up() {
  local dir="$1"
  if ! proc_pid "$dir/pids/redis-sentinel.pid" >/dev/null; then
    require_free_ports redis "$REDIS_SENTINEL_PORT"
    install -m 600 /dev/null "$dir/sentinel.conf"
    redis_conf "$REDIS_SENTINEL_PORT" \
      "sentinel monitor tidal-master $HOST $REDIS_PORT 1" \
      "sentinel down-after-milliseconds tidal-master 60000" \
      "requirepass $SERVICES_PASSWORD" | grep -v -e '^save' -e '^appendonly' -e '^maxmemory' \
      >"$dir/sentinel.conf"
    proc_start "$dir/pids/redis-sentinel.pid" "$dir/logs/redis-sentinel.log" \
      redis-server "$dir/sentinel.conf" --sentinel
  fi
  wait_for 30 "redis sentinel on $HOST:$REDIS_SENTINEL_PORT" "$dir/pids/redis-sentinel.pid" \
    redis_sentinel_ok ||
    { show_log_tail "$dir/logs/redis-sentinel.log"; die "redis sentinel does not name the master."; }
}

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
  redis_cluster_up "$dir"
  redis_sentinel_up "$dir"
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
  local port addresses=()
  for port in $(redis_cluster_ports); do addresses+=("$HOST:$port"); done
  q TIDAL_REDIS_CLUSTER_ADDRESSES "$(IFS=,; echo "${addresses[*]}")"
  q TIDAL_REDIS_SENTINEL_ADDRESS "$HOST:$REDIS_SENTINEL_PORT"
  q TIDAL_REDIS_SENTINEL_MASTER tidal-master
}
