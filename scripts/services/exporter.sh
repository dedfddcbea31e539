# shellcheck shell=bash
# The test exporter (exporter.py): gauges a test sets over HTTP, served in Prometheus text format
# for Prometheus to scrape and as JSON for the metrics-api scaler.

exporter_packages() { echo python3 curl; }

exporter_procs() { echo exporter; }

# Debian's interpreter when there is one: it does not move when a developer switches pyenv.
exporter_python() {
  if [[ -n "${TIDAL_PYTHON:-}" ]]; then
    echo "$TIDAL_PYTHON"
  elif [[ -x /usr/bin/python3 ]]; then
    echo /usr/bin/python3
  else
    command -v python3 || die "No python3; run 'scripts/services.sh install exporter'."
  fi
}

exporter_health() { http_ok "http://$HOST:$EXPORTER_PORT/healthz"; }

exporter_up() {
  local dir
  dir="$(svc_dir exporter)"
  if ! proc_pid "$dir/pids/exporter.pid" >/dev/null; then
    require_free_ports exporter "$EXPORTER_PORT"
    # -u: unbuffered, so its start line reaches the log at once.
    proc_start "$dir/pids/exporter.pid" "$dir/logs/exporter.log" \
      "$(exporter_python)" -u "$SERVICES_LIB/exporter.py" --host "$HOST" --port "$EXPORTER_PORT"
  fi
  wait_for 15 "test exporter on $HOST:$EXPORTER_PORT" "$dir/pids/exporter.pid" exporter_health ||
    { show_log_tail "$dir/logs/exporter.log"; die "the test exporter did not start."; }
}

exporter_env() {
  q TIDAL_EXPORTER_PORT "$EXPORTER_PORT"
  q TIDAL_EXPORTER_URL "http://$HOST:$EXPORTER_PORT"
  # For the metrics-api scaler: JSON of every gauge (valueLocation is the gauge name), or one.
  q TIDAL_METRICS_API_URL "http://$HOST:$EXPORTER_PORT/api/values"
}
