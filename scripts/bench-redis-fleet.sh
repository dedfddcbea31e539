#!/usr/bin/env bash
# Benchmarks one operator polling many `redis` triggers over shared connections, and prints:
# CPU (cores), RSS, the operator's open sockets and its connections to Redis, and the LLEN
# rate Redis itself counted (which proves every trigger was really polled).
#
# The fleet is OBJECTS ScaledObjects with TRIGGERS redis triggers each (default 500 x 10 =
# 5,000 triggers), pollingInterval 5 s, all on the local Redis (targets: <= 10 sockets to
# Redis, <= 0.25 core). The baseline, measured first in the same run, is the same fleet with
# `cron` triggers, which do no IO: the difference is the cost of polling Redis. Targets start
# at zero replicas with empty lists, so no pods are created and the operator only polls.
#
# Usage: scripts/bench-redis-fleet.sh [--objects N] [--triggers N] [--steady SECONDS]
# Builds tidal in release mode. Uses namespace tidal-bench-fleet, deleted at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$TIDAL_ROOT"

OBJECTS=500 TRIGGERS=10 STEADY=60 POLL=5
while (($#)); do
  case "$1" in
    --objects) OBJECTS="$2"; shift 2 ;;
    --triggers) TRIGGERS="$2"; shift 2 ;;
    --steady) STEADY="$2"; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
NS=tidal-bench-fleet
WORK="$TIDAL_CACHE/bench"
mkdir -p "$WORK"
OPERATOR=""
cleanup() {
  [[ -n "$OPERATOR" ]] && { kill -TERM "$OPERATOR" 2>/dev/null || true; wait "$OPERATOR" 2>/dev/null || true; }
  kubectl get scaledobjects -n "$NS" -o name 2>/dev/null |
    xargs -r kubectl patch -n "$NS" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
  kubectl delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT

scripts/cluster.sh up >/dev/null
eval "$(scripts/cluster.sh env)"
scripts/services.sh up redis >/dev/null
eval "$(scripts/services.sh env)"
kubectl apply --server-side --force-conflicts -f deploy/crds/ -f deploy/rbac/ >/dev/null
kubectl wait --for condition=established --timeout=60s crd/scaledobjects.tidal.dev >/dev/null
scripts/cluster.sh kubeconfig-for-sa tidal-system tidal-operator "$WORK/operator.kubeconfig" 2h >/dev/null
log "Building tidal (release)."
cargo build --quiet --release -p tidal-cli
TIDAL="$CARGO_TARGET_DIR/release/tidal"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null

fleet() { # KIND (cron|redis): the Deployments and ScaledObjects
  local trigger
  if [[ "$1" == redis ]]; then
    trigger="{type: redis, metadata: {address: \"$TIDAL_REDIS_ADDRESS\", listName: \"fleet-{i}-{k}\", listLength: \"5\"}}"
  else
    trigger='{type: cron, metadata: {timezone: UTC, start: "0 3 * * *", end: "0 4 * * *", desiredReplicas: "2"}}'
  fi
  python3 scripts/bench/fleet.py "$NS" "$OBJECTS" --replicas 0 --min 0 --max 10 --polling "$POLL" \
    --triggers "$TRIGGERS" --trigger "$trigger"
}

llen_calls() {
  redis-cli -h "$TIDAL_REDIS_HOST" -p "$TIDAL_REDIS_PORT" INFO commandstats |
    sed -n 's/^cmdstat_llen:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0
}

measure() { # KIND PORT
  local kind="$1" port="$2"
  fleet "$kind" | kubectl apply --server-side --force-conflicts -f - >/dev/null
  "$TIDAL" operator --kubeconfig "$WORK/operator.kubeconfig" --namespace "$NS" --lease-name tidal-operator \
    --lease-namespace tidal-system --metrics-addr "127.0.0.1:$port" --log-format json \
    >"$WORK/fleet-$kind.log" 2>&1 &
  OPERATOR=$!
  until curl -fsS "127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.2; done
  # Every object built and polled at least once (first polls are spread over one interval).
  sleep $((POLL * 3))
  local ticks c0 c1 t0 t1 l0 l1
  ticks=$(getconf CLK_TCK)
  c0=$(awk '{print $14 + $15}' "/proc/$OPERATOR/stat"); t0=$(date +%s%N); l0=$(llen_calls)
  sleep "$STEADY"
  c1=$(awk '{print $14 + $15}' "/proc/$OPERATOR/stat"); t1=$(date +%s%N); l1=$(llen_calls)
  local rss hwm sockets redis_conns
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$OPERATOR/status")
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$OPERATOR/status")
  sockets=$(find "/proc/$OPERATOR/fd" -lname 'socket:*' 2>/dev/null | wc -l)
  redis_conns=$(ss -Htnp state established "( dport = :$TIDAL_REDIS_PORT )" | grep -c "pid=$OPERATOR," || true)
  python3 - "$kind" "$c0" "$c1" "$t0" "$t1" "$ticks" "$rss" "$hwm" "$sockets" "$redis_conns" "$l0" "$l1" \
    "$((OBJECTS * TRIGGERS))" "$POLL" <<'PY'
import sys
kind = sys.argv[1]
c0, c1, t0, t1, ticks, rss, hwm, sockets, conns, l0, l1, n, poll = (float(x) for x in sys.argv[2:])
seconds = (t1 - t0) / 1e9
cores = (c1 - c0) / ticks / seconds
rate = (l1 - l0) / seconds
line = (f"  {kind:5}: {int(n)} triggers every {int(poll)} s: CPU {cores:.3f} core, RSS {rss/1024:.1f} MB "
        f"(peak {hwm/1024:.1f} MB), open sockets {int(sockets)}, connections to Redis {int(conns)}")
if kind == "redis":
    line += f", LLEN {rate:.0f}/s (expected {n/poll:.0f}/s)"
print(line)
PY
  kill -TERM "$OPERATOR"; wait "$OPERATOR" || true
  OPERATOR=""
}

log "Fleet of $OBJECTS ScaledObjects x $TRIGGERS triggers, pollingInterval ${POLL}s, ${STEADY}s steady window."
measure cron 18301
measure redis 18302
