#!/usr/bin/env bash
# Prints shell lines that point kubectl (ours, first on PATH) at the local cluster as admin.
#
# Usage: eval "$(scripts/cluster/env.sh)"
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

printf 'export KUBECONFIG=%q\n' "$ADMIN_KUBECONFIG"
# shellcheck disable=SC2016 # $PATH is expanded by the shell that evals this line
printf 'export PATH=%q:"$PATH"\n' "$K8S_BIN:$ETCD_BIN:$KWOK_BIN"
