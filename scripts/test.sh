#!/usr/bin/env bash
# Runs every Tidal test on a fresh machine, in the order a failure is cheapest to find:
#   1. formatting and lints;
#   2. the workspace's unit, conformance, property, corpus and CLI tests;
#   3. the scalers against real servers (Prometheus, Redis, RabbitMQ, PostgreSQL, MariaDB, NATS,
#      Kafka), installed and started by scripts/services.sh;
#   4. the operator end to end on a real local control plane (scripts/cluster.sh).
# Everything slow (Rust targets, Kubernetes binaries, Kafka jars) is cached under ~/.cache/tidal,
# so a second run on the same machine only rebuilds what changed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$TIDAL_ROOT"

cleanup() {
  local status=$?
  if [[ "${TIDAL_KEEP_SERVICES:-}" != 1 ]]; then
    scripts/services.sh down >/dev/null 2>&1 || true
    [[ -x scripts/cluster.sh ]] && scripts/cluster.sh down >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT

log "Checking formatting."
cargo fmt --all -- --check
log "Running clippy."
cargo clippy --workspace --all-targets --locked -- -D warnings
log "Running the workspace tests."
cargo test --workspace --locked

log "Running the scaler tests against real servers."
scripts/test-scalers.sh

if [[ -x scripts/test-e2e.sh ]]; then
  log "Running the end-to-end tests on the local control plane."
  scripts/test-e2e.sh
fi
log "All tests passed."
