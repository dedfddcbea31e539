#!/usr/bin/env bash
# Runs the scalers' tests against real servers: installs and starts the servers with
# scripts/services.sh, exports their addresses, then runs tidal-scalers' unit tests and the
# `real_servers` integration tests (cargo feature `integration-tests`).
#
#   scripts/test-scalers.sh                 every scaler test
#   scripts/test-scalers.sh redis::         only tests whose name contains "redis::"
#
# Under CI=true an integration test whose server variables are missing fails instead of
# skipping, so a CI run that forgot a server cannot pass silently.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$TIDAL_ROOT"

log "Installing and starting the test servers."
scripts/services.sh install
scripts/services.sh up
eval "$(scripts/services.sh env)"

# The external scaler's test server is Python (tests/grpc); it needs grpcio and grpcio-tools.
if [[ -d tests/grpc ]] && ! python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
  log "Installing grpcio and grpcio-tools for the external scaler's test server."
  python3 -m pip install --quiet grpcio grpcio-tools
fi
export TIDAL_GRPC_TEST_SERVER="$TIDAL_ROOT/tests/grpc/server.py"

log "Running the scaler unit tests."
cargo test -p tidal-scalers --locked
log "Running the scaler integration tests against the real servers."
cargo test -p tidal-scalers --locked --features integration-tests --test real_servers -- "$@"
