# shellcheck shell=bash
# Redis for the redis and redis-streams scalers: one open instance and one that needs a password,
# with both the default user's password (requirepass, KEDA's `password` alone) and an ACL user
# (KEDA's `username` + `password`), so both auth paths run against a real server; and one that
# speaks only TLS and requires a client certificate from the test CA (tls.sh), for `enableTLS`,
# `ca`, `cert`, `key` and `unsafeSsl`. For redis-cluster: a three-node Redis Cluster with a
# password (all slots spread over three masters), and a TLS-only twin. For redis-sentinel: a
# sentinel with a password of its own that monitors the open instance as master `tidal-master`,
# and a TLS-only twin that monitors the TLS-only instance.

redis_packages() { echo redis-server redis-tools; }

redis_procs() {
  echo redis redis-auth redis-tls redis-cluster-0 redis-cluster-1 redis-cluster-2 redis-sentinel \
    redis-cluster-tls-0 redis-cluster-tls-1 redis-cluster-tls-2 redis-sentinel-tls
}

# redis_cluster_ports BASE: a cluster's three node ports.
redis_cluster_ports() { echo "$1" "$(($1 + 1))" "$(($1 + 2))"; }

# The settings of a TLS-only instance: the test CA's server certificate, client certificates
# required, and the test client certificate for the connections it opens itself (cluster bus,
# replication, a sentinel's to its master).
redis_tls_conf() {
  local port="$1"
  redis_conf 0 "tls-port $port" \
    "tls-cert-file $TLS_DIR/redis.pem" "tls-key-file $TLS_DIR/redis.key" \
    "tls-ca-cert-file $TLS_DIR/ca.pem" "tls-auth-clients yes" \
    "tls-client-cert-file $TLS_DIR/client.pem" "tls-client-key-file $TLS_DIR/client.key" \
    "tls-replication yes" "tls-cluster yes"
}

# redis_cli_to PORT TLS ARGS...: redis-cli with the test password, over TLS when TLS is 1.
redis_cli_to() {
  local port="$1" tls="$2"
  shift 2
  local flags=()
  ((tls)) && flags=(--tls --cacert "$TLS_DIR/ca.pem" --cert "$TLS_DIR/client.pem" --key "$TLS_DIR/client.key")
  REDISCLI_AUTH="$SERVICES_PASSWORD" redis-cli -h "$HOST" -p "$port" "${flags[@]}" "$@"
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

redis_ping_open() { [[ "$(redis_cli_open ping 2>/dev/null)" == PONG ]]; }
redis_ping_auth() { [[ "$(redis_cli_auth ping 2>/dev/null)" == PONG ]]; }
redis_ping_tls() { [[ "$(redis_cli_tls ping 2>/dev/null)" == PONG ]]; }
# redis_node_ping PORT TLS
redis_node_ping() { [[ "$(redis_cli_to "$1" "$2" ping 2>/dev/null)" == PONG ]]; }
# redis_cluster_ok BASE TLS
redis_cluster_ok() { redis_cli_to "$1" "$2" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
# redis_sentinel_ok PORT TLS MASTER_PORT: the sentinel names the master on MASTER_PORT.
redis_sentinel_ok() {
  [[ "$(redis_cli_to "$1" "$2" sentinel get-master-addr-by-name tidal-master 2>/dev/null |
    tail -1)" == "$3" ]]
}
redis_health() {
  redis_ping_open && redis_ping_auth && redis_ping_tls &&
    redis_cluster_ok "$REDIS_CLUSTER_PORT" 0 && redis_cluster_ok "$REDIS_CLUSTER_TLS_PORT" 1 &&
    redis_sentinel_ok "$REDIS_SENTINEL_PORT" 0 "$REDIS_PORT" &&
    redis_sentinel_ok "$REDIS_SENTINEL_TLS_PORT" 1 "$REDIS_TLS_PORT"
}

# redis_cluster_up DIR NAME BASE TLS: three nodes NAME-0..2 on BASE.. and the cluster they form,
# over TLS only when TLS is 1. A node started afresh forgets any earlier cluster (its nodes file
# is removed first), so the three always form one anew.
redis_cluster_up() {
  local dir="$1" name="$2" base="$3" tls="$4" port n=0 started=0 conf
  for port in $(redis_cluster_ports "$base"); do
    if ! proc_pid "$dir/pids/$name-$n.pid" >/dev/null; then
      require_free_ports redis "$port" "$((port + 10000))"
      rm -f "$dir/data-$port/nodes.conf"
      conf="$dir/$name-$n.conf"
      install -m 600 /dev/null "$conf"
      {
        if ((tls)); then redis_tls_conf "$port"; else redis_conf "$port"; fi
        printf '%s\n' "dir $dir/data-$port" "cluster-enabled yes" \
          "cluster-config-file nodes.conf" "cluster-node-timeout 5000" \
          "requirepass $SERVICES_PASSWORD" "masterauth $SERVICES_PASSWORD"
      } >"$conf"
      mkdir -p "$dir/data-$port"
      proc_start "$dir/pids/$name-$n.pid" "$dir/logs/$name-$n.log" redis-server "$conf"
      started=1
    fi
    wait_for 30 "$name node on $HOST:$port" "$dir/pids/$name-$n.pid" \
      redis_node_ping "$port" "$tls" ||
      { show_log_tail "$dir/logs/$name-$n.log"; die "a $name node did not answer PING."; }
    n=$((n + 1))
  done
  if ((started)) || ! redis_cluster_ok "$base" "$tls"; then
    ((started)) ||
      die "The $name on $HOST:$base is unhealthy; run 'scripts/services.sh down redis' and up again."
    local nodes=() flags=()
    for port in $(redis_cluster_ports "$base"); do nodes+=("$HOST:$port"); done
    ((tls)) && flags=(--tls --cacert "$TLS_DIR/ca.pem" --cert "$TLS_DIR/client.pem" --key "$TLS_DIR/client.key")
    log "Forming the $name ${nodes[*]}."
    REDISCLI_AUTH="$SERVICES_PASSWORD" redis-cli "${flags[@]}" --cluster create "${nodes[@]}" \
      --cluster-replicas 0 --cluster-yes >"$dir/logs/$name-create.log" 2>&1 ||
      { show_log_tail "$dir/logs/$name-create.log"; die "redis-cli --cluster create failed."; }
  fi
  wait_for 30 "the $name's state ok" "$dir/pids/$name-0.pid" redis_cluster_ok "$base" "$tls" ||
    { show_log_tail "$dir/logs/$name-0.log"; die "the $name did not reach state ok."; }
}

# redis_sentinel_up DIR NAME PORT MASTER_PORT TLS: a sentinel (password protected) monitoring the
# instance on MASTER_PORT as tidal-master, over TLS only when TLS is 1. Sentinel rewrites its
# config file, so it is written afresh before each start.
redis_sentinel_up() {
  local dir="$1" name="$2" port="$3" master="$4" tls="$5" conf
  if ! proc_pid "$dir/pids/$name.pid" >/dev/null; then
    require_free_ports redis "$port"
    conf="$dir/$name.conf"
    install -m 600 /dev/null "$conf"
    {
      if ((tls)); then redis_tls_conf "$port"; else redis_conf "$port"; fi
      printf '%s\n' "sentinel monitor tidal-master $HOST $master 1" \
        "sentinel down-after-milliseconds tidal-master 60000" "requirepass $SERVICES_PASSWORD"
    } | grep -v -e '^save' -e '^appendonly' -e '^maxmemory' -e '^tls-cluster' >"$conf"
    proc_start "$dir/pids/$name.pid" "$dir/logs/$name.log" redis-server "$conf" --sentinel
  fi
  wait_for 30 "$name on $HOST:$port" "$dir/pids/$name.pid" \
    redis_sentinel_ok "$port" "$tls" "$master" ||
    { show_log_tail "$dir/logs/$name.log"; die "$name does not name the master."; }
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
  redis_cluster_up "$dir" redis-cluster "$REDIS_CLUSTER_PORT" 0
  redis_cluster_up "$dir" redis-cluster-tls "$REDIS_CLUSTER_TLS_PORT" 1
  redis_sentinel_up "$dir" redis-sentinel "$REDIS_SENTINEL_PORT" "$REDIS_PORT" 0
  redis_sentinel_up "$dir" redis-sentinel-tls "$REDIS_SENTINEL_TLS_PORT" "$REDIS_TLS_PORT" 1
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
  local port addresses=() tls_addresses=()
  for port in $(redis_cluster_ports "$REDIS_CLUSTER_PORT"); do addresses+=("$HOST:$port"); done
  for port in $(redis_cluster_ports "$REDIS_CLUSTER_TLS_PORT"); do
    tls_addresses+=("$HOST:$port")
  done
  q TIDAL_REDIS_CLUSTER_ADDRESSES "$(IFS=,; echo "${addresses[*]}")"
  q TIDAL_REDIS_CLUSTER_TLS_ADDRESSES "$(IFS=,; echo "${tls_addresses[*]}")"
  q TIDAL_REDIS_SENTINEL_ADDRESS "$HOST:$REDIS_SENTINEL_PORT"
  q TIDAL_REDIS_SENTINEL_TLS_ADDRESS "$HOST:$REDIS_SENTINEL_TLS_PORT"
  q TIDAL_REDIS_SENTINEL_MASTER tidal-master
}
