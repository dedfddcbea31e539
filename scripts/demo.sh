#!/usr/bin/env bash
# Tidal, live: a real local control plane, the operator running as its ServiceAccount, and a
# Deployment on fake nodes following a load curve through a metrics-api trigger.
#
# Usage: scripts/demo.sh            (make demo)
#   TIDAL_DEMO_SECONDS=180          how long to run before cleaning up (Ctrl-C stops earlier)
#   TIDAL_DEMO_PERIOD=150           seconds of one load cycle (quiet, ramp up, peak, ramp down)
#   TIDAL_DEMO_PORT=18090           loopback port of the load generator
#   TIDAL_DEMO_METRICS_PORT=18091   loopback port of the operator's /metrics
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$TIDAL_ROOT"

SECONDS_TO_RUN="${TIDAL_DEMO_SECONDS:-180}"
PERIOD="${TIDAL_DEMO_PERIOD:-150}"
PORT="${TIDAL_DEMO_PORT:-18090}"
METRICS_PORT="${TIDAL_DEMO_METRICS_PORT:-18091}"
WORK="$TIDAL_CACHE/demo"
mkdir -p "$WORK"
OPERATOR_PID="" LOAD_PID="" STARTED_CLUSTER=0

cleanup() {
  trap - EXIT INT TERM
  echo
  log "Cleaning up."
  if [[ -n "${KUBECONFIG:-}" ]]; then
    # Delete the ScaledObject while the operator runs, so its finalizer restores the original
    # replica count and is released; then the namespace goes.
    kubectl delete scaledobject shop -n tidal-demo --ignore-not-found --timeout=20s >/dev/null 2>&1 || true
    kubectl delete namespace tidal-demo --ignore-not-found --wait=false >/dev/null 2>&1 || true
  fi
  [[ -n "$OPERATOR_PID" ]] && kill -TERM "$OPERATOR_PID" 2>/dev/null && wait "$OPERATOR_PID" 2>/dev/null || true
  [[ -n "$LOAD_PID" ]] && kill -TERM "$LOAD_PID" 2>/dev/null && wait "$LOAD_PID" 2>/dev/null || true
  if ((STARTED_CLUSTER)); then scripts/cluster.sh down >/dev/null 2>&1 || true; fi
  log "Done. The operator's log is in $WORK/operator.log."
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v python3 >/dev/null || die "python3 is needed for the demo's load generator."
scripts/cluster.sh status >/dev/null 2>&1 || STARTED_CLUSTER=1
log "Starting the local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)."
scripts/cluster.sh up
eval "$(scripts/cluster.sh env)"

log "Building tidal."
cargo build --quiet -p tidal-cli
TIDAL="$CARGO_TARGET_DIR/debug/tidal"

log "Installing Tidal: CRDs, RBAC, and the operator as ServiceAccount tidal-system/tidal-operator."
kubectl apply --server-side --force-conflicts -f deploy/crds/ >/dev/null
kubectl apply --server-side --force-conflicts -f deploy/rbac/ >/dev/null
kubectl wait --for condition=established --timeout=60s crd/scaledobjects.tidal.dev >/dev/null
scripts/cluster.sh kubeconfig-for-sa tidal-system tidal-operator "$WORK/operator.kubeconfig" 1h
"$TIDAL" operator --kubeconfig "$WORK/operator.kubeconfig" \
  --namespace tidal-demo --metrics-addr "127.0.0.1:$METRICS_PORT" --lease-namespace tidal-system \
  >"$WORK/operator.log" 2>&1 &
OPERATOR_PID=$!

log "Starting the load generator on 127.0.0.1:$PORT (one cycle every ${PERIOD}s)."
python3 scripts/demo/load.py "$PORT" "$PERIOD" 80 &
LOAD_PID=$!

log "Deploying the example app (Deployment shop, on fake nodes) and its ScaledObject."
kubectl create namespace tidal-demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
sed "s#__LOAD_URL__#http://127.0.0.1:$PORT/#" scripts/demo/app.yaml | kubectl apply -f - >/dev/null

log "Following the load for ${SECONDS_TO_RUN}s (Ctrl-C to stop). Target: 10 requests/s per replica."
printf '\n%-8s %-10s %-6s %-8s %-6s %-22s %s\n' TIME PHASE LOAD DESIRED READY REPLICAS "WHY (status.lastDecision)"
end=$((SECONDS + SECONDS_TO_RUN))
while ((SECONDS < end)); do
  kill -0 "$OPERATOR_PID" 2>/dev/null || die "The operator exited; see $WORK/operator.log."
  sample="$(curl -fsS "http://127.0.0.1:$PORT/" 2>/dev/null || echo '{}')"
  load="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get("value","?"), d.get("phase","?"))' "$sample")"
  read -r value phase <<<"$load"
  desired="$(kubectl get deploy shop -n tidal-demo -o jsonpath='{.spec.replicas}' 2>/dev/null || echo '?')"
  ready="$(kubectl get deploy shop -n tidal-demo -o jsonpath='{.status.readyReplicas}' 2>/dev/null)"
  reason="$(kubectl get so shop -n tidal-demo -o jsonpath='{.status.lastDecision.reason}' 2>/dev/null | cut -c1-70)"
  bar="$(printf '%*s' "${desired:-0}" '' | tr ' ' '#')"
  printf '%-8s %-10s %-6s %-8s %-6s %-22s %s\n' "$(date +%H:%M:%S)" "$phase" "$value" "$desired" "${ready:-0}" "$bar" "$reason"
  sleep 2
done
log "Time is up."
kubectl get scaledobject shop -n tidal-demo
