#!/usr/bin/env bash
# Runs the operator's end-to-end suite (crates/tidal-e2e) against the local control plane:
# brings the cluster up, installs the CRDs and RBAC, writes the operator's ServiceAccount
# kubeconfig, builds `tidal`, and runs the tests. The apiserver-restart test runs last and
# alone, because it restarts the shared kube-apiserver.
#
# Usage: [TIDAL_E2E_TESTS="scalers ..."] scripts/test-e2e.sh [extra cargo test filters...]
# Operator logs land in $TIDAL_CACHE/e2e-logs (one file per test operator).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$TIDAL_ROOT"

log "Starting the local control plane."
scripts/cluster.sh up
eval "$(scripts/cluster.sh env)"

# The scaler tests read real servers: Redis (with a password), and Prometheus scraping the
# settable exporter. Starting them is idempotent; test.sh has usually started them already.
log "Starting the servers the scaler tests read."
scripts/services.sh up redis exporter prometheus
eval "$(scripts/services.sh env)"
# The external-push test drives the Python grpcio external scaler of the scaler tests.
if ! python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
  log "Installing grpcio and grpcio-tools for the external scaler test server."
  python3 -m pip install --quiet grpcio grpcio-tools
fi

# Namespaces left by an interrupted run (or benchmark): release their ScaledObjects, then
# delete them, so their pods do not fill the nodes.
for ns in $(kubectl get namespaces -o name | sed -n 's#^namespace/\(e2e-.*\|tidal-bench-.*\)#\1#p'); do
  kubectl get scaledobjects.tidal.dev -n "$ns" -o name 2>/dev/null |
    xargs -r kubectl patch -n "$ns" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null || true
  kubectl delete namespace "$ns" --wait=false >/dev/null || true
done

log "Installing the CRDs and the operator's RBAC."
# Server-side: the ScaledJob CRD is larger than client-side apply's annotation limit.
kubectl apply --server-side --force-conflicts -f deploy/crds/ >/dev/null
kubectl apply --server-side --force-conflicts -f deploy/rbac/ >/dev/null
kubectl wait --for condition=established --timeout=60s crd/scaledobjects.tidal.dev >/dev/null
# Each test elects through its own Lease so tests run in parallel; the production Role only
# names `tidal-operator`, so the suite grants its test Leases here.
kubectl apply --server-side --force-conflicts -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: tidal-e2e-leases, namespace: tidal-system}
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["get", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: tidal-e2e-leases, namespace: tidal-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: tidal-e2e-leases}
subjects: [{kind: ServiceAccount, name: tidal-operator, namespace: tidal-system}]
YAML

export TIDAL_E2E_OPERATOR_KUBECONFIG="$TIDAL_CACHE/e2e/operator.kubeconfig"
scripts/cluster.sh kubeconfig-for-sa tidal-system tidal-operator "$TIDAL_E2E_OPERATOR_KUBECONFIG" 2h
export TIDAL_E2E_ADMIN_KUBECONFIG="$KUBECONFIG"
export TIDAL_E2E_CLUSTER_SCRIPT="$TIDAL_ROOT/scripts/cluster.sh"
export TIDAL_E2E_APISERVER_PIDFILE="${TIDAL_CLUSTER_DIR:-$TIDAL_CACHE/cluster}/pids/kube-apiserver.pid"
export TIDAL_E2E_LOG_DIR="$TIDAL_CACHE/e2e-logs"
rm -rf "$TIDAL_E2E_LOG_DIR"

log "Building tidal."
cargo build --locked -p tidal-cli
export TIDAL_E2E_BIN="$CARGO_TARGET_DIR/debug/tidal"

# TIDAL_E2E_TESTS narrows the run to some test files, e.g. TIDAL_E2E_TESTS="scalers".
suites="${TIDAL_E2E_TESTS:-scaling resilience scalers apiserver_restart}"
parallel=()
for suite in $suites; do
  [[ "$suite" == apiserver_restart ]] || parallel+=(--test "$suite")
done
# A failed run prints the end of the logs of the operators whose tests failed: CI keeps only
# this output. A passing test deletes its namespace; a failing one leaves it Active. Logs are
# named <namespace>-<identity>.log.
show_operator_logs() {
  local file name namespace
  for file in "$TIDAL_E2E_LOG_DIR"/*.log; do
    [[ -e "$file" ]] || continue
    name="$(basename "$file" .log)"
    namespace="${name%-*}"
    [[ "$(kubectl get namespace "$namespace" -o jsonpath='{.status.phase}' 2>/dev/null)" == Active ]] ||
      continue
    echo "----- the last 40 lines of $name.log -----"
    tail -n 40 "$file"
  done
}
status=0
if ((${#parallel[@]})); then
  log "Running the end-to-end tests."
  cargo test --locked --no-fail-fast -p tidal-e2e "${parallel[@]}" -- --ignored --test-threads=4 "$@" ||
    status=$?
fi
if ((status == 0)) && [[ " $suites " == *" apiserver_restart "* ]]; then
  log "Running the apiserver restart test (alone)."
  cargo test --locked -p tidal-e2e --test apiserver_restart -- --ignored --test-threads=1 "$@" ||
    status=$?
fi
if ((status != 0)); then
  show_operator_logs
  exit "$status"
fi
