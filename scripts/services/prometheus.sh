# shellcheck shell=bash
# Prometheus for the prometheus scaler. It scrapes every target listed in the file_sd folder
# (TIDAL_PROMETHEUS_TARGETS_DIR), which starts with the test exporter; a test can drop more
# target files there. One-second scrapes so a gauge a test sets shows up in queries quickly.

prometheus_packages() { echo prometheus curl; }

prometheus_procs() { echo prometheus; }

prometheus_targets_dir() { printf '%s/targets\n' "$(svc_dir prometheus)"; }

prometheus_health() { http_ok "http://$HOST:$PROMETHEUS_PORT/-/ready"; }

prometheus_up() {
  local dir targets
  dir="$(svc_dir prometheus)"
  targets="$(prometheus_targets_dir)"
  mkdir -p "$dir/data" "$targets"
  cat >"$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tidal-test
    file_sd_configs:
      - files: ['$targets/*.json', '$targets/*.yml', '$targets/*.yaml']
        # Target files are also watched with inotify; this is the fallback.
        refresh_interval: 1s
YAML
  # Written atomically: Prometheus may be reading the folder right now.
  printf '[{"targets": ["%s:%s"], "labels": {"service": "exporter"}}]\n' "$HOST" "$EXPORTER_PORT" \
    >"$targets/.exporter.json.tmp"
  mv "$targets/.exporter.json.tmp" "$targets/exporter.json"
  if ! proc_pid "$dir/pids/prometheus.pid" >/dev/null; then
    require_free_ports prometheus "$PROMETHEUS_PORT"
    # lifecycle and admin APIs: tests may reload the config or delete series between cases;
    # both are only reachable on loopback.
    proc_start "$dir/pids/prometheus.pid" "$dir/logs/prometheus.log" \
      prometheus --config.file="$dir/prometheus.yml" \
      --storage.tsdb.path="$dir/data" --storage.tsdb.retention.time=1d \
      --web.listen-address="$HOST:$PROMETHEUS_PORT" \
      --web.enable-lifecycle --web.enable-admin-api
  fi
  wait_for 60 "prometheus on $HOST:$PROMETHEUS_PORT" "$dir/pids/prometheus.pid" prometheus_health ||
    { show_log_tail "$dir/logs/prometheus.log"; die "prometheus did not become ready."; }
}

prometheus_env() {
  q TIDAL_PROMETHEUS_PORT "$PROMETHEUS_PORT"
  q TIDAL_PROMETHEUS_URL "http://$HOST:$PROMETHEUS_PORT"
  q TIDAL_PROMETHEUS_TARGETS_DIR "$(prometheus_targets_dir)"
  q TIDAL_PROMETHEUS_SCRAPE_INTERVAL 1s
}
