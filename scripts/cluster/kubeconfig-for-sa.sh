#!/usr/bin/env bash
# Writes a kubeconfig that authenticates as a ServiceAccount with a token from the TokenRequest
# API, so a process (the operator, a test) runs under that account's RBAC instead of as admin.
# The namespace of the context is the ServiceAccount's.
#
# Usage: scripts/cluster/kubeconfig-for-sa.sh NAMESPACE SERVICEACCOUNT OUTFILE [DURATION]
#        DURATION defaults to 24h (any Go duration the apiserver accepts).
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

(($# == 3 || $# == 4)) || die "Usage: kubeconfig-for-sa.sh NAMESPACE SERVICEACCOUNT OUTFILE [DURATION]."
ns="$1" sa="$2" out="$3" duration="${4:-24h}"

kc get --raw=/readyz >/dev/null 2>&1 || die "The cluster is not running; start it with scripts/cluster.sh up."
# Not created on the fly: a typo would otherwise give a fresh account with no rights, and the
# failure would surface later as a puzzling "forbidden".
kc get serviceaccount "$sa" --namespace "$ns" >/dev/null 2>&1 ||
  die "ServiceAccount $ns/$sa does not exist; create it (kubectl create serviceaccount $sa -n $ns) or apply its manifest first."

token="$(kc create token "$sa" --namespace "$ns" --duration "$duration")"
mkdir -p "$(dirname "$out")"
# Holds a bearer token: readable by its owner only, from the first byte on.
: >"$out.tmp"
chmod 600 "$out.tmp"
cat >>"$out.tmp" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: tidal
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: system:serviceaccount:$ns:$sa
  user:
    token: $token
contexts:
- name: tidal
  context:
    cluster: tidal
    namespace: $ns
    user: system:serviceaccount:$ns:$sa
current-context: tidal
YAML
mv -f "$out.tmp" "$out"
log "Wrote $out for system:serviceaccount:$ns:$sa (token valid for $duration)."
