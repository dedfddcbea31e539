#!/usr/bin/env bash
# The local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok fake nodes, metrics-server; loopback only, no containers): docs/dev-cluster.md.
#
# Usage: scripts/cluster.sh COMMAND [ARGS]
#   build                                  build or reuse the cached binaries
#   up                                     start (or repair) the cluster and wait until it is usable
#   down [--purge]                         stop it; --purge also deletes its state
#   status                                 show what runs; exit 0 only when all is well
#   env                                    print export lines: eval "$(scripts/cluster.sh env)"
#   kubeconfig-for-sa NAMESPACE SA OUTFILE [DURATION]
#                                          a kubeconfig acting as that ServiceAccount
#   smoke                                  self-check: up, a Deployment on fake nodes, RBAC,
#                                          pod usage through metrics.k8s.io, clean up
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/cluster"

cmd="${1:-}"
case "$cmd" in
  build | up | down | status | env | kubeconfig-for-sa | smoke)
    shift
    exec "$dir/$cmd.sh" "$@"
    ;;
  *)
    sed -n '5,14s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac
