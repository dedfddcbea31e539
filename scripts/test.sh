#!/usr/bin/env bash
# Runs every Tidal test on a fresh machine, in the order a failure is cheapest to find:
#   1. formatting and lints;
#   2. the workspace's unit, conformance, property, corpus and CLI tests, and every scaler against
#      its real server (Prometheus, Redis, RabbitMQ, PostgreSQL, MariaDB, NATS, Kafka, a Python
#      gRPC external scaler), installed and started by scripts/services.sh;
#   3. the operator end to end on a real local control plane (scripts/cluster.sh).
# Everything slow (Rust targets, Kubernetes binaries, Kafka jars) is cached under ~/.cache/tidal,
# so a second run on the same machine only rebuilds what changed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$TIDAL_ROOT"

cleanup() {
  local status=$?
  if [[ "${TIDAL_KEEP_SERVICES:-}" != 1 ]]; then
    scripts/services.sh down >/dev/null 2>&1 || true
    scripts/cluster.sh down >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT

log "Checking formatting."
cargo fmt --all -- --check
log "Running clippy."
cargo clippy --workspace --all-targets --locked --features tidal-scalers/integration-tests -- -D warnings
log "Installing and starting the real metric servers."
scripts/services.sh install
scripts/services.sh up
eval "$(scripts/services.sh env)"
GRPC_SERVER="$TIDAL_ROOT/crates/tidal-scalers/tests/grpc/server.py"
if ! python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
  log "Installing grpcio and grpcio-tools for the external scalers' test server."
  python3 -m pip install --quiet grpcio grpcio-tools
fi
export TIDAL_GRPC_TEST_SERVER="$GRPC_SERVER"

log "Running the workspace tests, the scalers against their real servers included."
cargo test --workspace --locked --features tidal-scalers/integration-tests

log "Running the end-to-end tests on the local control plane."
scripts/test-e2e.sh
log "All tests passed."
