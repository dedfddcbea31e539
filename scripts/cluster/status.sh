#!/usr/bin/env bash
# Shows whether each component of the local control plane runs and whether the API answers.
# Exits 0 only when everything is running and the apiserver is ready, so scripts can ask it.
#
# Usage: scripts/cluster/status.sh
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
# shellcheck source=metrics.sh
source "$(dirname "$0")/metrics.sh"

ok=1
printf '%-25s %s\n' "state" "$STATE"
for name in "${COMPONENTS[@]}"; do
  if pid="$(pid_of "$name")"; then
    printf '%-25s running (pid %s)\n' "$name" "$pid"
  else
    printf '%-25s stopped\n' "$name"
    ok=0
  fi
done

if [[ -s "$ADMIN_KUBECONFIG" ]] && kc get --raw=/readyz >/dev/null 2>&1; then
  printf '%-25s ready at %s\n' "api" "$APISERVER_URL"
  printf '%-25s %s\n' "kubeconfig" "$ADMIN_KUBECONFIG"
  if metrics_api_available; then
    printf '%-25s available (metrics-server at https://%s:%s, scraping every %s)\n' \
      "metrics.k8s.io" "$HOST" "$METRICS_SERVER_PORT" "$METRIC_RESOLUTION"
  else
    printf '%-25s not available (kubectl get apiservice %s)\n' "metrics.k8s.io" "$METRICS_APISERVICE"
    ok=0
  fi
  echo
  kc get nodes -o wide
else
  printf '%-25s not answering at %s\n' "api" "$APISERVER_URL"
  ok=0
fi
((ok))
