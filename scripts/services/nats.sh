# shellcheck shell=bash
# NATS with JetStream for the nats-jetstream scaler, which reads stream and consumer state from
# the server's HTTP monitoring endpoint (/jsz), so that port is part of the service.
#
# Debian 12 packages nats-server (2.9), which has JetStream and /jsz. Where the package is
# missing, or TIDAL_NATS_FROM=go asks for it, the server is built from its Go module instead.

nats_from_go() {
  [[ "${TIDAL_NATS_FROM:-}" == go ]] && return 0
  [[ "${TIDAL_NATS_FROM:-}" == apt ]] && return 1
  ! pkg_installed nats-server && ! pkg_available nats-server
}

nats_go_bin() { printf '%s/nats/%s/bin/nats-server\n' "$TIDAL_CACHE" "$NATS_GO_VERSION"; }

nats_bin() {
  if nats_from_go; then
    nats_go_bin
  elif [[ -x /usr/sbin/nats-server ]]; then
    echo /usr/sbin/nats-server # where Debian puts it
  else
    command -v nats-server || echo /usr/sbin/nats-server
  fi
}

nats_packages() {
  if nats_from_go; then echo curl python3; else echo nats-server curl python3; fi
}

nats_install() {
  nats_from_go || return 0
  local bin
  bin="$(nats_go_bin)"
  [[ -x "$bin" ]] && return 0
  command -v go >/dev/null || apt_install golang-go
  log "Building nats-server $NATS_GO_VERSION from its Go module (TIDAL_NATS_FROM=go or no Debian package)."
  # Module and build caches under TIDAL_CACHE so a rebuild of another version reuses them;
  # GOTOOLCHAIN=auto lets an older distro Go fetch the toolchain the module asks for.
  GOBIN="$(dirname "$bin")" GOMODCACHE="$TIDAL_CACHE/go/mod" GOCACHE="$TIDAL_CACHE/go/build" \
    GOTOOLCHAIN=auto GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go install "github.com/nats-io/nats-server/v2@$NATS_GO_VERSION" ||
    die "go install github.com/nats-io/nats-server/v2@$NATS_GO_VERSION failed."
}

nats_procs() { echo nats-server; }

nats_monitor() { curl -fsS --max-time 5 "http://$HOST:$NATS_MONITORING_PORT/$1"; }

# healthz with js-enabled-only fails until JetStream has finished starting.
nats_health() {
  [[ "$(nats_monitor 'healthz?js-enabled-only=true' 2>/dev/null)" == *'"ok"'* ]] &&
    port_busy "$NATS_PORT"
}

nats_up() {
  local dir bin
  dir="$(svc_dir nats)"
  bin="$(nats_bin)"
  [[ -x "$bin" ]] || die "No nats-server at $bin; run 'scripts/services.sh install nats'."
  mkdir -p "$dir/jetstream"
  cat >"$dir/nats.conf" <<EOF
server_name: tidal
listen: $HOST:$NATS_PORT
http: $HOST:$NATS_MONITORING_PORT
jetstream {
  store_dir: "$dir/jetstream"
  # Small caps: tests create a few streams with a few messages each.
  max_memory_store: 64MB
  max_file_store: 1GB
}
EOF
  if ! proc_pid "$dir/pids/nats-server.pid" >/dev/null; then
    require_free_ports nats "$NATS_PORT" "$NATS_MONITORING_PORT"
    proc_start "$dir/pids/nats-server.pid" "$dir/logs/nats-server.log" "$bin" -c "$dir/nats.conf"
  fi
  wait_for 30 "nats on $HOST:$NATS_PORT (monitoring $NATS_MONITORING_PORT)" \
    "$dir/pids/nats-server.pid" nats_health ||
    { show_log_tail "$dir/logs/nats-server.log"; die "nats-server did not become healthy."; }
}

nats_env() {
  q TIDAL_NATS_HOST "$HOST"
  q TIDAL_NATS_PORT "$NATS_PORT"
  q TIDAL_NATS_URL "nats://$HOST:$NATS_PORT"
  q TIDAL_NATS_MONITORING_PORT "$NATS_MONITORING_PORT"
  # KEDA's natsServerMonitoringEndpoint is host:port without a scheme.
  q TIDAL_NATS_MONITORING_ENDPOINT "$HOST:$NATS_MONITORING_PORT"
  q TIDAL_NATS_MONITORING_URL "http://$HOST:$NATS_MONITORING_PORT"
}
