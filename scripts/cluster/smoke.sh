#!/usr/bin/env bash
# Self-check of the local control plane, runnable by CI: brings the cluster up, runs a
# 3-replica Deployment on the kwok nodes, checks that the pods are Running and Ready with loopback
# IPs from their node's pod CIDR, that scaling through /scale deletes pods for real, that a
# ServiceAccount kubeconfig is held to RBAC (forbidden first, allowed after a RoleBinding), and that
# a pod's usage set by annotation, then changed, is what metrics.k8s.io reports. Cleans up what it
# created; stops the cluster again if it was not running before. Exits non-zero on the first
# failed check.
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

# A pod whose usage the test sets, created first: metrics-server needs two scrapes after kwok's
# first sample before it can report a cpu rate, and the checks below use that time. It is checked
# at the end.
USAGE_POD="usage"
kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $USAGE_POD
  namespace: $NS
  annotations:
    kwok.x-k8s.io/usage-cpu: 400m
    kwok.x-k8s.io/usage-memory: 300Mi
spec:
  containers:
  - name: app
    image: registry.invalid/tidal/smoke:1
YAML
usage_created=$SECONDS

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

# metrics.k8s.io for real: the usage set on the pod comes back through kwok, metrics-server and
# the aggregator, and a change to it shows within one scrape (the resolution) plus a little.
# usage_of: "MILLICORES BYTES" of the usage pod, or nothing while metrics.k8s.io has no sample.
usage_of() {
  local out cpu mem
  out="$(kc get podmetrics.metrics.k8s.io "$USAGE_POD" --namespace "$NS" \
    -o jsonpath='{.containers[0].usage.cpu} {.containers[0].usage.memory}' 2>/dev/null)" || return 1
  read -r cpu mem <<<"$out"
  [[ -n "$cpu" && -n "$mem" ]] || return 1
  echo "$(quantity_milli "$cpu") $(quantity_bytes "$mem")"
}
# quantity_milli Q: a cpu quantity as metrics-server writes it (n, u, m or whole cores) in millicores.
quantity_milli() {
  case "$1" in
    *n) echo $((${1%n} / 1000000)) ;;
    *u) echo $((${1%u} / 1000)) ;;
    *m) echo "${1%m}" ;;
    *) echo $(($1 * 1000)) ;;
  esac
}
# quantity_bytes Q: a memory quantity (Ki, Mi, Gi or bytes) in bytes.
quantity_bytes() {
  case "$1" in
    *Ki) echo $((${1%Ki} << 10)) ;;
    *Mi) echo $((${1%Mi} << 20)) ;;
    *Gi) echo $((${1%Gi} << 30)) ;;
    *) echo "$1" ;;
  esac
}
# usage_is MILLICORES BYTES: true when the pod reads so, cpu within 2% (it is a rate over a
# window whose ends kwok and metrics-server each time a little apart), memory exactly.
usage_is() {
  local got cpu mem
  got="$(usage_of)" || return 1
  read -r cpu mem <<<"$got"
  ((cpu * 100 >= $1 * 98 && cpu * 100 <= $1 * 102 && mem == $2))
}

wait_for 60 "pod usage in metrics.k8s.io" usage_is 400 $((300 << 20)) ||
  fail "metrics.k8s.io does not show the usage set on $NS/$USAGE_POD (cpu 400m, memory 300Mi) $((SECONDS - usage_created)) s after its creation; it reads '$(usage_of)' (millicores, bytes). See $LOGS/metrics-server.log."
pass "metrics.k8s.io shows the pod's annotated usage (cpu 400m, memory 300Mi) $((SECONDS - usage_created)) s after its creation"

kc annotate pod "$USAGE_POD" --namespace "$NS" --overwrite \
  kwok.x-k8s.io/usage-cpu=1200m kwok.x-k8s.io/usage-memory=1Gi >/dev/null
changed=$SECONDS
wait_for 30 "changed pod usage in metrics.k8s.io" usage_is 1200 $((1 << 30)) ||
  fail "metrics.k8s.io still reads '$(usage_of)' (millicores, bytes) for $NS/$USAGE_POD 30 s after its usage was set to cpu 1200m, memory 1Gi"
pass "a change of the pod's usage annotations showed in metrics.k8s.io after $((SECONDS - changed)) s"
