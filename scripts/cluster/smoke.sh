#!/usr/bin/env bash
# Self-check of the local control plane, runnable by CI: brings the cluster up, runs a
# 3-replica Deployment on the kwok nodes, checks that the pods are Running and Ready with loopback
# IPs from their node's pod CIDR, that scaling through /scale deletes pods for real, and that a
# ServiceAccount kubeconfig is held to RBAC (forbidden first, allowed after a RoleBinding). Cleans
# up what it created; stops the cluster again if it was not running before. Exits non-zero on the
# first failed check.
#
# Usage: scripts/cluster/smoke.sh
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

NS="tidal-smoke"
SA="smoke-reader"
DEPLOY="smoke"
TMP="$(mktemp -d)"
passed=0
was_running=0
"$(dirname "$0")/status.sh" >/dev/null 2>&1 && was_running=1

finish() {
  local rc=$?
  set +e
  if [[ -s "$ADMIN_KUBECONFIG" ]] && kc get --raw=/readyz >/dev/null 2>&1; then
    kc delete namespace "$NS" --ignore-not-found --wait=true --timeout=60s >/dev/null
  fi
  ((was_running)) || "$(dirname "$0")/down.sh"
  rm -rf "$TMP"
  # The plain summary line CI reads: checks passed, and the one that failed, if any.
  echo "smoke: $passed passed, $((rc == 0 ? 0 : 1)) failed"
  exit "$rc"
}
trap finish EXIT

# pass MESSAGE: records a passed check.
pass() {
  passed=$((passed + 1))
  log "PASS: $*"
}
# fail MESSAGE: fails the run with what was expected.
fail() { die "FAIL: $*"; }

started=$SECONDS
"$(dirname "$0")/up.sh"
pass "cluster up in $((SECONDS - started)) s"

# Leftovers from an interrupted run would make the counts below wrong.
kc delete namespace "$NS" --ignore-not-found --wait=true --timeout=60s >/dev/null
kc create namespace "$NS" >/dev/null

# The image is never pulled: kwok only plays the pod lifecycle.
kc create deployment "$DEPLOY" --namespace "$NS" --image=registry.invalid/tidal/smoke:1 --replicas=3 >/dev/null
kc wait deployment "$DEPLOY" --namespace "$NS" --for=jsonpath='{.status.readyReplicas}'=3 --timeout=60s >/dev/null ||
  fail "Deployment $NS/$DEPLOY did not reach readyReplicas=3: $(kc get pods -n "$NS" -o wide 2>&1)"
pass "Deployment reached readyReplicas=3"

# Each pod: Running, with a pod IP inside its node's spec.podCIDR (127.1.i.0/24) and a loopback
# host IP. The 127.1.i. prefix check is exact for the /24s up.sh assigns.
count=0
while read -r pod phase ip host node; do
  count=$((count + 1))
  [[ "$phase" == Running ]] || fail "pod $pod is $phase, not Running"
  cidr="$(kc get node "$node" -o jsonpath='{.spec.podCIDR}')"
  [[ "$ip" == 127.* && "$host" == 127.* ]] || fail "pod $pod has pod IP '$ip' / host IP '$host', not loopback"
  [[ "$ip" == "${cidr%0/24}"* ]] || fail "pod $pod has IP $ip outside its node $node's podCIDR $cidr"
done < <(kc get pods --namespace "$NS" -l "app=$DEPLOY" \
  -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.status.podIP} {.status.hostIP} {.spec.nodeName}{"\n"}{end}')
((count == 3)) || fail "expected 3 pods, found $count"
pass "3 pods Running with pod IPs in their node's 127.1.i.0/24"

# Scaling goes through the /scale subresource, as the operator does; a scale-down only finishes
# when kwok completes the pods' deletion, which a missing pod-delete stage would leave hanging.
kc scale deployment "$DEPLOY" --namespace "$NS" --replicas=1 >/dev/null
pods_are() { [[ "$(kc get pods --namespace "$NS" -l "app=$DEPLOY" -o name | wc -l)" -eq "$1" ]]; }
wait_for 60 "scale-down to 1 pod" pods_are 1 ||
  fail "pods were not deleted after scaling to 1: $(kc get pods -n "$NS" 2>&1)"
pass "scale-down through /scale deleted the extra pods"

# RBAC for real: a ServiceAccount kubeconfig may not list Secrets until a RoleBinding allows it.
kc create serviceaccount "$SA" --namespace "$NS" >/dev/null
"$(dirname "$0")/kubeconfig-for-sa.sh" "$NS" "$SA" "$TMP/sa.kubeconfig"
sa_kc() { "$K8S_BIN/kubectl" --kubeconfig "$TMP/sa.kubeconfig" "$@"; }
who="$(sa_kc auth whoami -o jsonpath='{.status.userInfo.username}')"
[[ "$who" == "system:serviceaccount:$NS:$SA" ]] || fail "the ServiceAccount kubeconfig authenticates as '$who'"
pass "ServiceAccount kubeconfig authenticates as $who"

if out="$(sa_kc get secrets --namespace "$NS" 2>&1)"; then
  fail "listing Secrets as $SA succeeded without any RoleBinding"
fi
[[ "$out" == *Forbidden* || "$out" == *forbidden* ]] || fail "listing Secrets as $SA failed, but not as forbidden: $out"
[[ "$(sa_kc auth can-i list secrets --namespace "$NS" 2>/dev/null || true)" == no ]] ||
  fail "auth can-i says $SA may list Secrets without a RoleBinding"
pass "ServiceAccount is forbidden to list Secrets without a RoleBinding"

kc create role secret-reader --namespace "$NS" --verb=get,list,watch --resource=secrets >/dev/null
kc create rolebinding "$SA-secret-reader" --namespace "$NS" --role=secret-reader \
  --serviceaccount="$NS:$SA" >/dev/null
# RBAC changes reach the authorizer through an informer: allow it a moment.
wait_for 15 "RoleBinding in effect" sa_kc get secrets --namespace "$NS" ||
  fail "listing Secrets as $SA is still refused after the RoleBinding: $(sa_kc get secrets -n "$NS" 2>&1)"
sa_kc get pods --namespace "$NS" >/dev/null 2>&1 && fail "$SA may list Pods, which no rule grants"
pass "ServiceAccount may list Secrets after the RoleBinding, and still nothing else"
