# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables here are used by the scripts that source this file
# Shared settings for the local control plane scripts in this folder. Source it; do not run it.
# Everything a developer may want to move is an environment variable with a default here, so a
# second cluster (or a CI run beside a developer's) only needs a different state dir and ports.

# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"

# Binaries, one folder per component and version so bumping kwok does not rebuild Kubernetes.
K8S_BIN="$TIDAL_CACHE/k8s/$TIDAL_K8S_VERSION/bin"
ETCD_BIN="$TIDAL_CACHE/k8s/etcd-$TIDAL_ETCD_VERSION/bin"
KWOK_BIN="$TIDAL_CACHE/k8s/kwok-$TIDAL_KWOK_VERSION/bin"
METRICS_SERVER_BIN="$TIDAL_CACHE/k8s/metrics-server-$TIDAL_METRICS_SERVER_VERSION/bin"
# kwok's metrics configuration, collected from its module by build.sh like the stages.
KWOK_METRICS="$TIDAL_CACHE/k8s/kwok-$TIDAL_KWOK_VERSION/metrics-resource.yaml"
# Our own small relay (kubelet-relay/main.go). Its folder does not change with the source, so a
# relay started before a rebuild is still found by its path and stopped; build.sh keeps a hash of
# the source it built from beside the binary and rebuilds when the source changes.
RELAY_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/kubelet-relay" && pwd)"
RELAY_BIN="$TIDAL_CACHE/k8s/kubelet-relay/bin"
# kwok ships its default Stage objects as YAML inside its module; build.sh copies them here.
KWOK_STAGES="$TIDAL_CACHE/k8s/kwok-$TIDAL_KWOK_VERSION/stages.yaml"

STATE="${TIDAL_CLUSTER_DIR:-$TIDAL_CACHE/cluster}"
PKI="$STATE/pki"
LOGS="$STATE/logs"
PIDS="$STATE/pids"

# Loopback only. The defaults avoid the well-known ports (6443, 2379, 10257, 10259) so a real
# cluster or kind on the same machine does not clash with this one.
HOST="127.0.0.1"
APISERVER_PORT="${TIDAL_CLUSTER_APISERVER_PORT:-16443}"
ETCD_CLIENT_PORT="${TIDAL_CLUSTER_ETCD_CLIENT_PORT:-12379}"
ETCD_PEER_PORT="${TIDAL_CLUSTER_ETCD_PEER_PORT:-12380}"
KCM_PORT="${TIDAL_CLUSTER_KCM_PORT:-17257}"
SCHEDULER_PORT="${TIDAL_CLUSTER_SCHEDULER_PORT:-17259}"
# kwok's kubelet-like server (/metrics/resource for metrics-server) listens on 127.0.0.1 and, through
# kubelet-relay, on every node's 127.0.1.i. Those node addresses are shared by all clusters on the
# machine, so a second cluster needs its own kubelet port.
KUBELET_PORT="${TIDAL_CLUSTER_KUBELET_PORT:-17250}"
METRICS_SERVER_PORT="${TIDAL_CLUSTER_METRICS_SERVER_PORT:-17443}"
# How often metrics-server scrapes; 10 s is the least it accepts.
METRIC_RESOLUTION="${TIDAL_CLUSTER_METRIC_RESOLUTION:-10s}"
APISERVER_URL="https://$HOST:$APISERVER_PORT"

# ClusterIPs are only ever allocated, never dialled (there is no kube-proxy). A loopback range
# means even a client that dials one by mistake stays on this machine.
SERVICE_CIDR="${TIDAL_CLUSTER_SERVICE_CIDR:-127.240.0.0/16}"
# Node i gets InternalIP 127.0.1.i and pod CIDR 127.1.i.0/24; kwok allocates pod IPs from it.
NODES="${TIDAL_CLUSTER_NODES:-3}"
NODE_CPU="${TIDAL_CLUSTER_NODE_CPU:-32}"
NODE_MEMORY="${TIDAL_CLUSTER_NODE_MEMORY:-128Gi}"
NODE_PODS="${TIDAL_CLUSTER_NODE_PODS:-110}"
# nvidia.com/gpu per node (0: none), on the first TIDAL_CLUSTER_GPU_NODES nodes (default: all).
GPUS_PER_NODE="${TIDAL_CLUSTER_GPUS:-0}"
GPU_NODES="${TIDAL_CLUSTER_GPU_NODES:-$NODES}"
((GPUS_PER_NODE > 0)) || GPU_NODES=0

ADMIN_KUBECONFIG="$STATE/admin.kubeconfig"

# The processes up.sh starts, in start order (down.sh stops the API's clients first, etcd last).
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubelet-relay metrics-server)

# kubectl from the build, as the cluster admin.
kc() { "$K8S_BIN/kubectl" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }

# Label on the nodes up.sh owns; nodes without it are left alone.
NODE_LABEL="tidal.dev/dev-cluster-node"

# bin_of NAME: the binary of a component.
bin_of() {
  case "$1" in
    etcd) echo "$ETCD_BIN/etcd" ;;
    kwok) echo "$KWOK_BIN/kwok" ;;
    metrics-server) echo "$METRICS_SERVER_BIN/metrics-server" ;;
    kubelet-relay) echo "$RELAY_BIN/kubelet-relay" ;;
    *) echo "$K8S_BIN/$1" ;;
  esac
}

# pid_of NAME: the recorded pid of a component, printed only while that pid still runs our binary
# for NAME. Checking the executable, not just the pid, keeps a stale pid file (after a reboot, say)
# from making us believe in, or kill, some unrelated process that got the same pid.
pid_of() {
  local pidfile="$PIDS/$1.pid" pid exe
  [[ -f "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  # A rebuilt binary shows as "PATH (deleted)" for processes started before the rebuild.
  [[ "${exe% (deleted)}" == "$(bin_of "$1")" ]] || return 1
  echo "$pid"
}

# pid_alive NAME: true while the component we started is running.
pid_alive() { pid_of "$1" >/dev/null; }

# procs_of NAME: pids of every process running our binary for NAME with this cluster's state dir
# on its command line, pid file or not. Another cluster with its own TIDAL_CLUSTER_DIR is not ours.
procs_of() {
  local proc exe bin
  bin="$(bin_of "$1")"
  for proc in /proc/[0-9]*; do
    exe="$(readlink "$proc/exe" 2>/dev/null)" || continue
    [[ "${exe% (deleted)}" == "$bin" ]] || continue
    if tr '\0' ' ' <"$proc/cmdline" 2>/dev/null | grep -qF -- "$STATE/"; then
      echo "${proc#/proc/}"
    fi
  done
}

# stop NAME...: SIGTERM to each component's process group (up.sh starts each in its own session),
# then waits for all of them, and SIGKILLs what is left after 15 s; every component shuts down
# cleanly well within that.
stop() {
  local name pid deadline
  local -a pids=()
  for name in "$@"; do
    if pid="$(pid_of "$name")"; then
      log "Stopping $name (pid $pid)."
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  deadline=$((SECONDS + 15))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop in 15 s; killing it."
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for name in "$@"; do rm -f "$PIDS/$name.pid"; done
}

# port_open PORT: true when something accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# ensure_tool COMMAND PACKAGE: installs a Debian package when COMMAND is missing, running
# `apt-get update` once first since a fresh machine's package lists may be empty.
ensure_tool() {
  command -v "$1" >/dev/null && return
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  log "Installing $2 (for $1) with apt-get."
  if [[ -z "${TIDAL_APT_UPDATED:-}" ]]; then
    "${sudo[@]}" apt-get update -qq
    TIDAL_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$2" >/dev/null
  command -v "$1" >/dev/null || die "Installing $2 did not provide $1."
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
  local timeout="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  log "Ready: $what."
}
