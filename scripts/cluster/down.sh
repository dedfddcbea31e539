#!/usr/bin/env bash
# Stops every process up.sh started, newest first, and checks that none is left. State (etcd data,
# certificates, kubeconfigs) is kept for the next `up` unless --purge is given.
#
# Usage: scripts/cluster/down.sh [--purge]
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

PURGE=0
case "${1:-}" in
  "") ;;
  --purge) PURGE=1 ;;
  *) die "Unknown argument '$1'; usage: down.sh [--purge]." ;;
esac

# The API's clients first, together, then the apiserver, then its storage: nothing loses its
# server while it still has work to hand over.
stop metrics-server kubelet-relay kwok kube-scheduler kube-controller-manager
stop kube-apiserver
stop etcd

# Verify: no process of ours may survive, whatever the pid files say (one may have been lost, or a
# start interrupted). A process counts as ours when it runs one of our binaries with this state
# dir on its command line, so another cluster with its own TIDAL_CLUSTER_DIR is left alone.
leftovers() {
  local name
  for name in "${COMPONENTS[@]}"; do procs_of "$name"; done
}
mapfile -t left < <(leftovers)
if ((${#left[@]} > 0)); then
  log "Stopping processes of this cluster that had no pid file: ${left[*]}."
  kill -TERM "${left[@]}" 2>/dev/null || true
  sleep 2
  mapfile -t left < <(leftovers)
  ((${#left[@]} == 0)) || kill -KILL "${left[@]}" 2>/dev/null || true
  sleep 0.5
  mapfile -t left < <(leftovers)
  ((${#left[@]} == 0)) || die "Still running after down: ${left[*]}."
fi

for port in "$APISERVER_PORT" "$ETCD_CLIENT_PORT" "$ETCD_PEER_PORT" "$KCM_PORT" "$SCHEDULER_PORT" \
  "$KUBELET_PORT" "$METRICS_SERVER_PORT"; do
  port_open "$port" && log "Note: $HOST:$port is still open, held by a process this cluster did not start."
done

if ((PURGE)); then
  # Guard against a TIDAL_CLUSTER_DIR set to something that must never be removed wholesale.
  case "$STATE" in
    "" | / | "$HOME" | "$HOME/" | "$TIDAL_ROOT" | "$TIDAL_CACHE") die "Refusing to purge '$STATE'." ;;
  esac
  rm -rf "$STATE"
  log "Cluster stopped and $STATE removed."
else
  log "Cluster stopped; state kept in $STATE (down --purge removes it)."
fi
