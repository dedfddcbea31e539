#!/usr/bin/env bash
# Real metric-source servers for the scaler integration tests, run as our own processes on
# loopback: install them, start and stop them, report on them, and print their addresses.
#
#   scripts/services.sh install [SERVICE...]   Debian packages, Kafka jars; idempotent
#   scripts/services.sh up      [SERVICE...]   install if needed, start, wait until they answer
#   scripts/services.sh down [--purge] [SERVICE...]   stop (and with --purge wipe their data)
#   scripts/services.sh status  [SERVICE...]   exit 0 only when every one named is up and answering
#   scripts/services.sh env     [SERVICE...]   `export TIDAL_...=...` lines to eval in tests
#
# No SERVICE means all of: redis rabbitmq postgresql mariadb nats kafka exporter prometheus.
# docs/test-services.md has ports, credentials and timings.
set -euo pipefail

# shellcheck source=services/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/services/common.sh"
# shellcheck source=services/tls.sh
source "$SERVICES_LIB/tls.sh"
for svc in "${ALL_SERVICES[@]}"; do
  # shellcheck source=/dev/null
  source "$SERVICES_LIB/$svc.sh"
done

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# resolve_services NAME...: the named services in start order, or all of them.
resolve_services() {
  local name known
  for name in "$@"; do
    known=0
    for svc in "${ALL_SERVICES[@]}"; do [[ "$svc" == "$name" ]] && known=1; done
    ((known)) || die "Unknown service '$name'; known: ${ALL_SERVICES[*]}."
  done
  for svc in "${ALL_SERVICES[@]}"; do
    if (($# == 0)); then
      printf '%s\n' "$svc"
      continue
    fi
    for name in "$@"; do [[ "$svc" == "$name" ]] && printf '%s\n' "$svc" && break; done
  done
  return 0
}

# Every pid file a service keeps, in start order; entries are NAME[:STOP_SIGNAL].
procs_of() { "${1}_procs"; }

proc_names() {
  local entry
  for entry in $(procs_of "$1"); do printf '%s\n' "${entry%%:*}"; done
}

# all_running SERVICE: every process of SERVICE is alive.
all_running() {
  local p
  for p in $(proc_names "$1"); do proc_pid "$(svc_dir "$1")/pids/$p.pid" >/dev/null || return 1; done
}

cmd_install() {
  local svc pkgs=()
  # Before anything asks apt-cache, which on a fresh machine knows nothing yet.
  if apt_lists_empty; then apt_update_once; fi
  # Tools the helpers themselves use: curl for HTTP health checks, pgrep, setpriv.
  pkgs+=(curl procps util-linux)
  for svc in "$@"; do
    # shellcheck disable=SC2207
    pkgs+=($("${svc}_packages"))
  done
  apt_install "${pkgs[@]}"
  for svc in "$@"; do
    if declare -F "${svc}_install" >/dev/null; then "${svc}_install"; fi
  done
  log "Installed: $*."
}

cmd_up() {
  local svc failed=()
  local -A jobs=()
  cmd_install "$@"
  # The test CA first, so files added to it since the servers started exist too.
  if command -v openssl >/dev/null; then tls_locked tls_authorities; fi
  # All at once: the slow starters (RabbitMQ, Kafka) boot side by side, so a cold `up` costs
  # about the slowest one rather than the sum.
  for svc in "$@"; do
    up_one "$svc" &
    jobs[$svc]=$!
  done
  for svc in "$@"; do
    wait "${jobs[$svc]}" || failed+=("$svc")
  done
  ((${#failed[@]} == 0)) || die "Could not start: ${failed[*]} (logs under $SERVICES_DIR/<name>/logs)."
}

up_one() {
  local svc="$1" t0=$SECONDS
  mkdir -p "$(svc_dir "$svc")/pids" "$(svc_dir "$svc")/logs"
  if all_running "$svc" && "${svc}_health" >/dev/null 2>&1; then
    log "Already running: $svc."
    return 0
  fi
  "${svc}_up"
  log "Up: $svc in $((SECONDS - t0))s."
}

cmd_down() {
  local purge=0 svc entry name sig i
  local -a args=() procs
  for a in "$@"; do
    if [[ "$a" == --purge ]]; then purge=1; else args+=("$a"); fi
  done
  local -a services
  resolve_services "${args[@]+"${args[@]}"}" >/dev/null
  mapfile -t services < <(resolve_services "${args[@]+"${args[@]}"}")
  # Reverse start order, so Prometheus goes before its exporter and RabbitMQ before its epmd.
  for ((i = ${#services[@]} - 1; i >= 0; i--)); do
    svc="${services[i]}"
    mapfile -t procs < <(procs_of "$svc" | tr ' ' '\n')
    local stopped=0
    for ((j = ${#procs[@]} - 1; j >= 0; j--)); do
      entry="${procs[j]}"
      name="${entry%%:*}"
      sig=TERM
      [[ "$entry" == *:* ]] && sig="${entry#*:}"
      local pidfile
      pidfile="$(svc_dir "$svc")/pids/$name.pid"
      proc_pid "$pidfile" >/dev/null && stopped=1
      # Also for a dead server: proc_stop sweeps helpers it may have left in its group.
      proc_stop "$pidfile" "$sig" 60
    done
    ((stopped)) && log "Stopped: $svc."
    if ((purge)) && [[ -d "$(svc_dir "$svc")" ]]; then
      rm -rf "$(svc_dir "$svc")"
      log "Purged: $(svc_dir "$svc")."
    fi
  done
  return 0
}

cmd_status() {
  local svc p pid rc=0 state pids
  for svc in "$@"; do
    pids=""
    state=stopped
    for p in $(proc_names "$svc"); do
      if pid="$(proc_pid "$(svc_dir "$svc")/pids/$p.pid")"; then
        pids+=" $p=$pid"
        state=partial
      fi
    done
    if all_running "$svc"; then
      if "${svc}_health" >/dev/null 2>&1; then state=up; else state="running, not answering"; fi
    fi
    [[ "$state" == up ]] || rc=3
    printf '%-11s %-24s %s\n' "$svc" "$state" "${pids# }"
  done
  return "$rc"
}

# q NAME VALUE: one shell-quoted export line.
q() { printf 'export %s=%q\n' "$1" "$2"; }

cmd_env() {
  local svc
  q TIDAL_SERVICES_HOST "$HOST"
  tls_env
  for svc in "$@"; do "${svc}_env"; done
}

(($# >= 1)) || usage
command="$1"
shift
case "$command" in
  install | up | status | env)
    resolve_services "$@" >/dev/null # dies on an unknown name, which a process substitution hides
    mapfile -t selected < <(resolve_services "$@")
    "cmd_$command" "${selected[@]}"
    ;;
  down) cmd_down "$@" ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
