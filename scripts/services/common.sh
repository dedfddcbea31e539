# shellcheck shell=bash disable=SC2034 # the settings here are read by the files that source it
# Shared settings and helpers for the metric-source servers that scaler integration tests talk to.
# Source it; do not run it. Every port, credential and version a developer may want to move is an
# environment variable with a default here, and `services.sh env` prints the same names back, so a
# test that evals that output always talks to the instance that `up` started.

# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# A failure inside $(...) stops the script like any other, not just the substitution.
shopt -s inherit_errexit

SERVICES_LIB="$TIDAL_ROOT/scripts/services"
SERVICES_DIR="${TIDAL_SERVICES_DIR:-$TIDAL_CACHE/services}"

# Loopback only, on purpose not configurable: these servers have test passwords and test
# certificates.
HOST="127.0.0.1"

# `up` starts them side by side; `down` stops them in reverse of this order, so Prometheus goes
# before the exporter it scrapes.
ALL_SERVICES=(redis rabbitmq postgresql mariadb nats kafka exporter prometheus)

# Ports. The defaults sit away from every server's well-known port (6379, 5672/15672, 5432, 3306,
# 4222/8222, 9092/9093, 9090, 9100) so a distro instance or a developer's own never clashes.
REDIS_PORT="${TIDAL_REDIS_PORT:-16379}"
REDIS_AUTH_PORT="${TIDAL_REDIS_AUTH_PORT:-16380}"
REDIS_TLS_PORT="${TIDAL_REDIS_TLS_PORT:-16381}"
# A three-node Redis Cluster on this port and the two after it (cluster bus: each + 10000).
REDIS_CLUSTER_PORT="${TIDAL_REDIS_CLUSTER_PORT:-16391}"
REDIS_CLUSTER_TLS_PORT="${TIDAL_REDIS_CLUSTER_TLS_PORT:-16394}"
REDIS_SENTINEL_PORT="${TIDAL_REDIS_SENTINEL_PORT:-16389}"
REDIS_SENTINEL_TLS_PORT="${TIDAL_REDIS_SENTINEL_TLS_PORT:-16390}"
RABBITMQ_PORT="${TIDAL_RABBITMQ_PORT:-16672}"
RABBITMQ_MANAGEMENT_PORT="${TIDAL_RABBITMQ_MANAGEMENT_PORT:-16673}"
RABBITMQ_DIST_PORT="${TIDAL_RABBITMQ_DIST_PORT:-16674}"
RABBITMQ_EPMD_PORT="${TIDAL_RABBITMQ_EPMD_PORT:-16675}"
RABBITMQ_TLS_PORT="${TIDAL_RABBITMQ_TLS_PORT:-16676}"
RABBITMQ_MANAGEMENT_TLS_PORT="${TIDAL_RABBITMQ_MANAGEMENT_TLS_PORT:-16677}"
POSTGRES_PORT="${TIDAL_POSTGRES_PORT:-15432}"
MYSQL_PORT="${TIDAL_MYSQL_PORT:-13306}"
# A second MariaDB without TLS.
MYSQL_PLAIN_PORT="${TIDAL_MYSQL_PLAIN_PORT:-13307}"
NATS_PORT="${TIDAL_NATS_PORT:-14222}"
NATS_MONITORING_PORT="${TIDAL_NATS_MONITORING_PORT:-18222}"
KAFKA_PORT="${TIDAL_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${TIDAL_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_SSL_PORT="${TIDAL_KAFKA_SSL_PORT:-19094}"
KAFKA_SASL_SSL_PORT="${TIDAL_KAFKA_SASL_SSL_PORT:-19095}"
PROMETHEUS_PORT="${TIDAL_PROMETHEUS_PORT:-19090}"
EXPORTER_PORT="${TIDAL_EXPORTER_PORT:-19100}"

# One test user and password everywhere a server has users. They are only ever reachable on
# loopback. Postgres and MariaDB re-apply them on every `up`; RabbitMQ only takes them when its
# data dir is created, so changing them there needs `down --purge rabbitmq`.
SERVICES_USER="${TIDAL_SERVICES_USER:-tidal}"
SERVICES_PASSWORD="${TIDAL_SERVICES_PASSWORD:-tidal-test-pw}"
SERVICES_DB="${TIDAL_SERVICES_DB:-tidal}"

# Kafka comes from Maven Central, so its version is ours to pin. 4.x is KRaft-only and runs on
# the Java 17 that Debian 12 ships.
KAFKA_VERSION="${TIDAL_KAFKA_VERSION:-4.4.0}"
KAFKA_SCALA="2.13"
# Small on purpose: the machine is 2 cores shared with the rest of the test suite.
KAFKA_HEAP="${TIDAL_KAFKA_HEAP:-512m}"
# nats-server from the Go module proxy, used only where Debian has no nats-server package or
# TIDAL_NATS_FROM=go asks for it.
NATS_GO_VERSION="${TIDAL_NATS_GO_VERSION:-v2.15.2}"

svc_dir() { printf '%s/%s\n' "$SERVICES_DIR" "$1"; }

# --- Debian packages -------------------------------------------------------------------------

APT_UPDATED=0
apt_update_once() {
  ((APT_UPDATED)) && return 0
  log "Refreshing the apt package lists."
  apt-get update -qq
  APT_UPDATED=1
}

# apt_lists_empty: true on a machine that has never run `apt-get update` (fresh images ship with
# no lists), where apt-cache knows no package at all.
apt_lists_empty() {
  ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

pkg_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

# pkg_available NAME: true when apt can install NAME. A fresh machine has empty lists, so the
# first miss refreshes them before answering.
pkg_available() {
  local candidate
  candidate="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [[ -z "$candidate" || "$candidate" == "(none)" ]] && ((!APT_UPDATED)); then
    apt_update_once
    candidate="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  fi
  [[ -n "$candidate" && "$candidate" != "(none)" ]]
}

# Daemons whose Debian packages enable a system service. We run our own instances, so the distro
# ones must neither start during install nor come back at boot.
DISTRO_UNITS=(redis-server rabbitmq-server postgresql mariadb nats-server prometheus epmd.socket epmd)

# apt_install PACKAGE...: installs what is missing, with no daemon started by maintainer scripts.
apt_install() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  for p in "${missing[@]}"; do
    pkg_available "$p" || die "Debian package $p is not available from this machine's apt sources."
  done
  log "Installing Debian packages: ${missing[*]}."
  # policy-rc.d exit 101 is Debian's documented way to keep invoke-rc.d and deb-systemd-invoke
  # from starting services. Leave an existing one (container images ship it) untouched.
  local own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# Temporary: installed by Tidal scripts/services while apt runs.\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >"$TIDAL_CACHE/apt-install.log" 2>&1 || rc=$?
  if ((rc)) && ((!APT_UPDATED)); then
    # Stale lists point at package versions the mirror no longer has; refresh once and retry.
    apt_update_once
    rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      >"$TIDAL_CACHE/apt-install.log" 2>&1 || rc=$?
  fi
  ((own_policy)) && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die "apt-get install failed; see $TIDAL_CACHE/apt-install.log."
  disable_distro_units
}

disable_distro_units() {
  # Only a booted systemd has units to disable; in containers nothing starts them anyway.
  [[ -d /run/systemd/system ]] || return 0
  local unit
  for unit in "${DISTRO_UNITS[@]}"; do
    if systemctl list-unit-files "$unit*" 2>/dev/null | grep -q "^$unit"; then
      systemctl disable --now "$unit" >/dev/null 2>&1 || true
    fi
  done
}

# --- processes --------------------------------------------------------------------------------
# Each server runs in its own session (setsid), so a Ctrl-C in the caller's terminal leaves it up
# and `down` can sweep the whole process group, helpers included. A pid file holds "PID START"
# where START is the kernel's start time of that process: a recycled pid never matches it.

# stat_field PID N: field N of /proc/PID/stat as man 5 proc numbers them. The command name
# (field 2) may contain spaces, so fields are counted from the ')' that closes it.
stat_field() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  local -a f
  read -ra f <<<"$stat"
  printf '%s\n' "${f[$2 - 3]}"
}

proc_starttime() { stat_field "$1" 22; }

# alive PID: running, not merely a zombie waiting for its new parent (PID 1) to reap it; kill -0
# succeeds on zombies, so it cannot tell.
alive() {
  local state
  state="$(stat_field "$1" 3)" && [[ -n "$state" && "$state" != Z ]]
}

# group_alive PGID: some process of the group is still running.
group_alive() {
  local p
  for p in $(pgrep -g "$1" 2>/dev/null); do alive "$p" && return 0; done
  return 1
}

# proc_pid PIDFILE: prints the recorded pid when that very process is still running.
proc_pid() {
  local pid start
  [[ -f "$1" ]] || return 1
  read -r pid start <"$1" || return 1
  [[ -n "$pid" && "$(proc_starttime "$pid")" == "$start" ]] && alive "$pid" || return 1
  printf '%s\n' "$pid"
}

# proc_start PIDFILE LOGFILE COMMAND...: starts COMMAND detached and records it.
proc_start() {
  local pidfile="$1" logfile="$2"
  shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  # A background child of a non-interactive shell is no group leader, so setsid execs in place
  # and $! is the server's own pid.
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  local pid=$! start
  # The start time is set at fork and kept across exec, so it can be read at once.
  start="$(proc_starttime "$pid")" || die "$*: exited at once; see $logfile."
  printf '%s %s\n' "$pid" "$start" >"$pidfile"
}

# proc_stop PIDFILE [SIGNAL] [TIMEOUT]: stops the process and everything left in its group.
proc_stop() {
  local pidfile="$1" sig="${2:-TERM}" timeout="${3:-30}" pid start
  [[ -f "$pidfile" ]] || return 0
  read -r pid start <"$pidfile" || true
  if [[ -n "$pid" ]] && proc_pid "$pidfile" >/dev/null; then
    kill "-$sig" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + timeout))
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    if alive "$pid"; then
      log "$(basename "$pidfile" .pid) ignored SIG$sig for ${timeout}s; killing it."
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Helpers (postgres backends, erl_child_setup, ...) share the group setsid gave the server,
  # whose id is the server's pid. Sweep it even when the server itself died earlier: Linux does
  # not hand out a pid while a group of that id exists, so such a group can only be ours. A live
  # process with that pid but another start time means the pid was reused and our group is gone.
  if [[ -n "$pid" ]] && { [[ ! -e "/proc/$pid" ]] || [[ "$(proc_starttime "$pid")" == "$start" ]]; }; then
    if group_alive "$pid"; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      local n=0
      while group_alive "$pid" && ((n < 50)); do
        sleep 0.1
        n=$((n + 1))
      done
      kill -KILL -- "-$pid" 2>/dev/null || true
      sleep 0.2
    fi
    if alive "$pid" || group_alive "$pid"; then
      die "Could not stop process group $pid from $pidfile."
    fi
  fi
  rm -f "$pidfile"
}

# port_busy PORT: true when something already listens on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# require_free_ports NAME PORT...: refuses to start over someone else's listener.
require_free_ports() {
  local name="$1" port
  shift
  for port in "$@"; do
    port_busy "$port" && die "$name: port $port on $HOST is already taken by another process;" \
      "set the matching TIDAL_*_PORT to move it."
  done
  return 0
}

# wait_for SECONDS DESCRIPTION PIDFILE COMMAND...: polls COMMAND until it succeeds; gives up early
# when the server behind PIDFILE has died, since waiting longer cannot help.
wait_for() {
  local timeout="$1" what="$2" pidfile="$3"
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    proc_pid "$pidfile" >/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  log "Ready: $what."
}

# show_log_tail FILE: the last lines of a server log, for a failed start.
show_log_tail() {
  [[ -f "$1" ]] || return 0
  printf '  --- last lines of %s ---\n' "$1" >&2
  tail -n 25 "$1" | sed 's/^/  /' >&2
}

# run_as USER COMMAND...: execs COMMAND as USER without the extra process su or runuser keeps.
run_as() {
  local user="$1"
  shift
  setpriv --reuid="$user" --regid="$user" --init-groups --inh-caps=-all -- "$@"
}

# grant_traverse USER DIR: lets USER reach DIR through ancestors such as /root (mode 0700).
# An ACL entry with execute only: USER can pass through but list and read nothing.
grant_traverse() {
  local user="$1" d="" part
  local -a parts
  IFS=/ read -ra parts <<<"${2#/}"
  # Top down: a child cannot be checked until its parent can be passed.
  for part in "${parts[@]}"; do
    d="$d/$part"
    if ! run_as "$user" test -x "$d" 2>/dev/null; then
      command -v setfacl >/dev/null || apt_install acl
      log "Granting $user traverse-only access to $d (ACL u:$user:x)."
      setfacl -m "u:$user:x" "$d"
    fi
  done
}

# http_ok URL [CURL ARGS...]: true on a 2xx answer.
http_ok() {
  local url="$1"
  shift
  curl -fsS --max-time 5 "$@" "$url" >/dev/null
}
