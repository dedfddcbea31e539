#!/usr/bin/env bash
# Benchmarks the operator on the local control plane and prints the figures:
#   1. reaction latency: from the metric crossing its threshold to /scale written
#      (target: at most pollingInterval + 250 ms), over several trials at random phases;
#   2. a fresh operator facing N existing ScaledObjects (default 1000) polling every 30 s:
#      time until every object has a decision in status, then RSS and CPU over a steady window
#      (targets: ≤ 100 MB RSS, ≤ 0.1 core).
#
# Usage: scripts/bench-operator.sh [--objects N] [--trials N] [--steady SECONDS]
# Builds tidal in release mode. Uses namespaces tidal-bench-*, deleted at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$TIDAL_ROOT"

OBJECTS=1000 TRIALS=5 STEADY=90
while (($#)); do
  case "$1" in
    --objects) OBJECTS="$2"; shift 2 ;;
    --trials) TRIALS="$2"; shift 2 ;;
    --steady) STEADY="$2"; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
WORK="$TIDAL_CACHE/bench"
mkdir -p "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in tidal-bench-latency tidal-bench-scale; do
    kubectl get scaledobjects -n "$ns" -o name 2>/dev/null |
      xargs -r kubectl patch -n "$ns" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
    kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

scripts/cluster.sh up >/dev/null
eval "$(scripts/cluster.sh env)"
kubectl apply --server-side --force-conflicts -f deploy/crds/ -f deploy/rbac/ >/dev/null
kubectl wait --for condition=established --timeout=60s crd/scaledobjects.tidal.dev >/dev/null
scripts/cluster.sh kubeconfig-for-sa tidal-system tidal-operator "$WORK/operator.kubeconfig" 2h >/dev/null
log "Building tidal (release)."
cargo build --quiet --release -p tidal-cli
TIDAL="$CARGO_TARGET_DIR/release/tidal"

# A metric source whose value the script sets through a file (flip time recorded by the script).
cat >"$WORK/source.py" <<'PY'
import http.server, sys
path = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ('{"value": %s}' % open(path).read().strip()).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY

start_operator() { # NAMESPACE LOG METRICS_PORT
  "$TIDAL" operator --kubeconfig "$WORK/operator.kubeconfig" --namespace "$1" --lease-name "tidal-operator" \
    --lease-namespace tidal-system --metrics-addr "127.0.0.1:$3" --log-format json >"$2" 2>&1 &
  PIDS+=($!)
  OPERATOR=$!
}

# --- 1. Reaction latency ---------------------------------------------------------------------
POLL=2
echo 0 >"$WORK/latency.value"
python3 "$WORK/source.py" 18201 "$WORK/latency.value" & PIDS+=($!)
kubectl create namespace tidal-bench-latency --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: tidal-bench-latency}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.invalid/web:1}]
      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
---
apiVersion: tidal.dev/v1alpha1
kind: ScaledObject
metadata: {name: web, namespace: tidal-bench-latency}
spec:
  scaleTargetRef: {name: web}
  pollingInterval: $POLL
  minReplicaCount: 1
  maxReplicaCount: 50
  advanced: {horizontalPodAutoscalerConfig: {behavior: {scaleDown: {stabilizationWindowSeconds: 0}}}}
  triggers:
    - {type: metrics-api, metadata: {url: "http://127.0.0.1:18201/", valueLocation: value, targetValue: "10", format: json}}
YAML
start_operator tidal-bench-latency "$WORK/latency.log" 18202
sleep 6
log "Reaction latency, pollingInterval ${POLL}s, $TRIALS trials."
latencies=()
for ((i = 1; i <= TRIALS; i++)); do
  # 5 -> 1 replica, 40 -> 4 replicas: one step either way (within the default scale-up policy
  # of 4 pods per 15 s and a zero scale-down window), so the first write is the whole reaction.
  value=$((i % 2 == 1 ? 40 : 5))
  sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
  flip_ns=$(date +%s%N)
  echo "$value" >"$WORK/latency.value"
  want=$((value == 40 ? 4 : 1))
  until [[ "$(kubectl get deploy web -n tidal-bench-latency -o jsonpath='{.spec.replicas}')" == "$want" ]]; do sleep 0.1; done
  # The operator's own log says when the /scale write returned: the first one after the flip.
  written=$(grep '"Scaled the target."' "$WORK/latency.log" | python3 -c '
import datetime, json, sys
flip = int(sys.argv[1])
for line in sys.stdin:
    t = json.loads(line)["timestamp"].replace("Z", "+00:00")
    ns = int(datetime.datetime.fromisoformat(t).timestamp() * 1e9)
    if ns >= flip:
        print(ns)
        break
' "$flip_ns")
  ms=$(((written - flip_ns) / 1000000))
  latencies+=("$ms")
  printf '  trial %d: metric %2d -> %d replicas: /scale written %d ms after the crossing\n' "$i" "$value" "$want" "$ms"
  sleep 3
done
printf '  max %d ms, target <= %d ms (pollingInterval + 250 ms)\n' "$(printf '%s\n' "${latencies[@]}" | sort -n | tail -1)" $((POLL * 1000 + 250))
kill -TERM "$OPERATOR"; wait "$OPERATOR" || true

# --- 2. N ScaledObjects -----------------------------------------------------------------------
log "Creating $OBJECTS Deployments and ScaledObjects (pollingInterval 30s)."
echo 3 >"$WORK/scale.value"
python3 "$WORK/source.py" 18203 "$WORK/scale.value" & PIDS+=($!)
kubectl create namespace tidal-bench-scale --dry-run=client -o yaml | kubectl apply -f - >/dev/null
python3 scripts/bench/fleet.py tidal-bench-scale "$OBJECTS" --replicas 1 --min 1 --polling 30 \
  --trigger '{type: metrics-api, metadata: {url: "http://127.0.0.1:18203/", valueLocation: value, targetValue: "10", format: json}}' \
  >"$WORK/objects.yaml"
kubectl apply --server-side -f "$WORK/objects.yaml" >/dev/null

log "Starting a fresh operator against $OBJECTS existing ScaledObjects."
started=$(date +%s%N)
start_operator tidal-bench-scale "$WORK/scale.log" 18204
until curl -fsS "127.0.0.1:18204/readyz" >/dev/null 2>&1; do sleep 0.1; done
indexed=$(( ($(date +%s%N) - started) / 1000000 ))
until (( $(kubectl get scaledobjects -n tidal-bench-scale -o jsonpath='{range .items[*]}{.status.lastDecision.time}{"\n"}{end}' | grep -c .) >= OBJECTS )); do sleep 1; done
reconciled=$(( ($(date +%s%N) - started) / 1000000 ))
printf '  indexed all objects (/readyz) after %d ms; every object had a decision in status after %d ms\n' "$indexed" "$reconciled"
printf '  (first polls are spread over one 30 s interval on purpose)\n'

log "Steady state for ${STEADY}s."
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$OPERATOR/stat"; }
c0=$(cpu); t0=$(date +%s%N)
sleep "$STEADY"
c1=$(cpu); t1=$(date +%s%N)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$OPERATOR/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$OPERATOR/status")
python3 - "$c0" "$c1" "$t0" "$t1" "$ticks" "$rss_kb" "$hwm_kb" "$OBJECTS" <<'PY'
import sys
c0, c1, t0, t1, ticks, rss, hwm, n = (float(x) for x in sys.argv[1:])
cores = (c1 - c0) / ticks / ((t1 - t0) / 1e9)
print(f"  {int(n)} ScaledObjects at 30 s: CPU {cores:.3f} core (target <= 0.1), RSS {rss/1024:.1f} MB (peak {hwm/1024:.1f} MB, target <= 100 MB)")
PY
curl -fsS "127.0.0.1:18204/metrics" | grep -E '^tidal_(scaled_objects|scale_writes_total|status_writes_total)' | sed 's/^/  /'
