#!/usr/bin/env bash
# Runs the scalers' tests against real servers: installs and starts the servers with
# scripts/services.sh, exports their addresses, then runs all of tidal-scalers' tests with the
# cargo feature `integration-tests` (which adds the `real_servers` suite).
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

# The external scalers' test server is Python (crates/tidal-scalers/tests/grpc); it needs
# grpcio and grpcio-tools.
GRPC_SERVER="$TIDAL_ROOT/crates/tidal-scalers/tests/grpc/server.py"
if [[ -f "$GRPC_SERVER" ]] && ! python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
  log "Installing grpcio and grpcio-tools for the external scalers' test server."
  python3 -m pip install --quiet grpcio grpcio-tools
fi
export TIDAL_GRPC_TEST_SERVER="$GRPC_SERVER"

log "Running the scaler tests: unit tests, then every scaler against its real server."
cargo test -p tidal-scalers --locked --features integration-tests -- "$@"
