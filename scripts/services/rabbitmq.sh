# shellcheck shell=bash
# RabbitMQ for the rabbitmq scaler, with the management plugin on: KEDA's HTTP mode (and our
# tests' setup and assertions) read queue lengths from its API, AMQP mode uses the AMQP port.
# Both also listen with TLS, requiring a client certificate from the test CA (tls.sh), for the
# scaler's `ca`, `cert`, `key` and `unsafeSsl`.
#
# Run from Debian's package but as our own node: its own epmd on a private port (the distro's
# wrapper would switch to the rabbitmq user and use /var/lib/rabbitmq, and a shared epmd outlives
# `down`), its own cookie, config, data and logs under the service dir, all on loopback.

rabbitmq_packages() { echo rabbitmq-server curl; }

rabbitmq_procs() { echo epmd rabbitmq; }

RABBITMQ_HOME="/usr/lib/rabbitmq/bin"

# The environment both the server and any CLI tool (rabbitmqctl, rabbitmq-diagnostics) need to
# find our node rather than the distro's.
rabbitmq_exports() {
  local dir
  dir="$(svc_dir rabbitmq)"
  export HOME="$dir" # the Erlang cookie lives in $HOME/.erlang.cookie
  export ERL_EPMD_PORT="$RABBITMQ_EPMD_PORT" ERL_EPMD_ADDRESS="$HOST"
  export RABBITMQ_NODENAME="tidal@localhost"
  export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/logs"
  export RABBITMQ_LOGS="-" # to stdout, which proc_start sends to our log file
  export RABBITMQ_PID_FILE="$dir/rabbitmq.erl.pid"
  export RABBITMQ_NODE_IP_ADDRESS="$HOST" RABBITMQ_NODE_PORT="$RABBITMQ_PORT"
  export RABBITMQ_DIST_PORT
  # Distribution on loopback too; and no scheduler busy-waiting, which would burn the shared
  # cores while the broker idles between tests.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} \
+sbwt none +sbwtdcpu none +sbwtdio none"
}

rabbitmq_api() {
  curl -fsS --max-time 10 -u "$SERVICES_USER:$SERVICES_PASSWORD" \
    "http://$HOST:$RABBITMQ_MANAGEMENT_PORT/api/$1" "${@:2}"
}

# aliveness-test declares a queue, publishes to it and consumes from it inside the broker, so it
# proves the broker works, not just that the HTTP listener is up.
rabbitmq_health() {
  [[ "$(rabbitmq_api aliveness-test/%2F 2>/dev/null)" == *'"ok"'* ]] && port_busy "$RABBITMQ_PORT"
}

rabbitmq_aliveness_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$SERVICES_USER:$SERVICES_PASSWORD" \
    "http://$HOST:$RABBITMQ_MANAGEMENT_PORT/api/aliveness-test/%2F"
}

rabbitmq_answers() { [[ "$(rabbitmq_aliveness_code)" =~ ^(200|401)$ ]]; }

rabbitmq_epmd_up() { [[ "$(ERL_EPMD_PORT="$RABBITMQ_EPMD_PORT" epmd -names 2>/dev/null)" == *"up and running"* ]]; }

rabbitmq_up() {
  local dir
  dir="$(svc_dir rabbitmq)"
  mkdir -p "$dir/mnesia"
  # RABBITMQ_CONF_ENV_FILE points at a file that does not exist: that keeps the distro's
  # /etc/rabbitmq/rabbitmq-env.conf out; everything it could set comes from rabbitmq_exports.
  rm -f "$dir/rabbitmq-env.conf"
  echo '[rabbitmq_management].' >"$dir/enabled_plugins"
  tls_server_cert rabbitmq root
  install -m 600 /dev/null "$dir/rabbitmq.conf"
  cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = $HOST:$RABBITMQ_PORT
management.tcp.ip = $HOST
management.tcp.port = $RABBITMQ_MANAGEMENT_PORT
listeners.ssl.default = $HOST:$RABBITMQ_TLS_PORT
ssl_options.cacertfile = $TLS_DIR/ca.pem
ssl_options.certfile = $TLS_DIR/rabbitmq.pem
ssl_options.keyfile = $TLS_DIR/rabbitmq.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
management.ssl.ip = $HOST
management.ssl.port = $RABBITMQ_MANAGEMENT_TLS_PORT
management.ssl.cacertfile = $TLS_DIR/ca.pem
management.ssl.certfile = $TLS_DIR/rabbitmq.pem
management.ssl.keyfile = $TLS_DIR/rabbitmq.key
management.ssl.verify = verify_peer
management.ssl.fail_if_no_peer_cert = true
# Only applied when the node's database is first created.
default_user = $SERVICES_USER
default_pass = $SERVICES_PASSWORD
default_user_tags.administrator = true
loopback_users = none
# Queue counts in the HTTP API come from statistics events; every second instead of every five
# lets scaler tests observe a publish quickly.
collect_statistics_interval = 1000
# Modest limits: the machine is shared with the rest of the test suite.
vm_memory_high_watermark.absolute = 512MiB
disk_free_limit.absolute = 50MB
EOF
  (
    rabbitmq_exports
    if ! proc_pid "$dir/pids/epmd.pid" >/dev/null; then
      require_free_ports rabbitmq "$RABBITMQ_EPMD_PORT"
      proc_start "$dir/pids/epmd.pid" "$dir/logs/epmd.log" \
        epmd -port "$RABBITMQ_EPMD_PORT" -address "$HOST"
    fi
    wait_for 15 "epmd on $HOST:$RABBITMQ_EPMD_PORT" "$dir/pids/epmd.pid" rabbitmq_epmd_up ||
      { show_log_tail "$dir/logs/epmd.log"; die "epmd did not start."; }
    if ! proc_pid "$dir/pids/rabbitmq.pid" >/dev/null; then
      require_free_ports rabbitmq "$RABBITMQ_PORT" "$RABBITMQ_MANAGEMENT_PORT" "$RABBITMQ_DIST_PORT" \
        "$RABBITMQ_TLS_PORT" "$RABBITMQ_MANAGEMENT_TLS_PORT"
      # The script in /usr/lib/rabbitmq/bin runs as the caller (the /usr/sbin wrapper would su to
      # the rabbitmq user); it traps SIGTERM and stops the VM cleanly.
      proc_start "$dir/pids/rabbitmq.pid" "$dir/logs/rabbitmq.log" \
        "$RABBITMQ_HOME/rabbitmq-server"
    fi
  )
  # Wait for the broker to answer at all, then judge the answer: a 401 means the database was
  # created with other credentials, which no amount of waiting fixes.
  wait_for 120 "rabbitmq on $HOST:$RABBITMQ_PORT (management $RABBITMQ_MANAGEMENT_PORT)" \
    "$dir/pids/rabbitmq.pid" rabbitmq_answers ||
    { show_log_tail "$dir/logs/rabbitmq.log"; die "rabbitmq did not start."; }
  if [[ "$(rabbitmq_aliveness_code)" == 401 ]]; then
    die "rabbitmq refuses $SERVICES_USER: its database was created with other credentials;" \
      "run 'scripts/services.sh down --purge rabbitmq' to recreate it."
  fi
  wait_for 30 "rabbitmq aliveness test" "$dir/pids/rabbitmq.pid" rabbitmq_health ||
    { show_log_tail "$dir/logs/rabbitmq.log"; die "rabbitmq did not pass its aliveness test."; }
}

rabbitmq_env() {
  q TIDAL_RABBITMQ_HOST "$HOST"
  q TIDAL_RABBITMQ_PORT "$RABBITMQ_PORT"
  q TIDAL_RABBITMQ_MANAGEMENT_PORT "$RABBITMQ_MANAGEMENT_PORT"
  q TIDAL_RABBITMQ_USERNAME "$SERVICES_USER"
  q TIDAL_RABBITMQ_PASSWORD "$SERVICES_PASSWORD"
  q TIDAL_RABBITMQ_VHOST /
  # The forms KEDA's `host` parameter takes: AMQP URI or management URL, vhost last.
  q TIDAL_RABBITMQ_AMQP_URL "amqp://$SERVICES_USER:$SERVICES_PASSWORD@$HOST:$RABBITMQ_PORT/%2F"
  q TIDAL_RABBITMQ_HTTP_URL \
    "http://$SERVICES_USER:$SERVICES_PASSWORD@$HOST:$RABBITMQ_MANAGEMENT_PORT/%2F"
  q TIDAL_RABBITMQ_AMQPS_URL "amqps://$SERVICES_USER:$SERVICES_PASSWORD@$HOST:$RABBITMQ_TLS_PORT/%2F"
  q TIDAL_RABBITMQ_HTTPS_URL \
    "https://$SERVICES_USER:$SERVICES_PASSWORD@$HOST:$RABBITMQ_MANAGEMENT_TLS_PORT/%2F"
}
