#!/usr/bin/env bash
# Starts a real Kubernetes control plane on this machine, without containers: etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, kwok, which plays the kubelet for
# TIDAL_CLUSTER_NODES fake nodes, and metrics-server, which serves metrics.k8s.io from kwok's
# simulated resource usage. Safe to run again: running components are left alone, dead ones are
# restarted, and the nodes are brought to what the environment asks for.
#
# Network rule: every listener is on loopback (127.0.0.1, and the nodes' 127.0.1.i for the kubelet
# port), every address a component dials is in 127.0.0.0/8 (node InternalIPs 127.0.1.i, pod IPs
# from 127.1.i.0/24, ClusterIPs from 127.240.0.0/16).
#
# Usage: scripts/cluster/up.sh
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
# shellcheck source=pki.sh
source "$(dirname "$0")/pki.sh"
# shellcheck source=nodes.sh
source "$(dirname "$0")/nodes.sh"
# shellcheck source=metrics.sh
source "$(dirname "$0")/metrics.sh"

started=$SECONDS
((NODES >= 1 && NODES <= 254)) || die "TIDAL_CLUSTER_NODES=$NODES: must be 1..254 (node i gets 127.1.i.0/24)."
((GPU_NODES >= 0 && GPU_NODES <= NODES)) || die "TIDAL_CLUSTER_GPU_NODES=$GPU_NODES: must be 0..$NODES (TIDAL_CLUSTER_NODES)."

ensure_tool openssl openssl
ensure_tool curl curl
"$(dirname "$0")/build.sh"
mkdir -p "$STATE" "$LOGS" "$PIDS" "$STATE/etcd" "$STATE/kwok"
chmod 700 "$STATE/etcd"
ensure_pki
write_kubeconfig "$ADMIN_KUBECONFIG" tidal-admin admin
write_kubeconfig "$STATE/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
write_kubeconfig "$STATE/scheduler.kubeconfig" system:kube-scheduler scheduler
write_kubeconfig "$STATE/kwok.kubeconfig" tidal:kwok-controller kwok
write_kubeconfig "$STATE/metrics-server.kubeconfig" tidal:metrics-server metrics-server-client

# start NAME PORT ARGS...: starts a component in its own session (so a terminal's Ctrl-C or the
# caller's exit does not take it down) unless ours is already running; refuses a port that
# something else holds, since the component would die with a less helpful message. PORT "-" is a
# component without a listener.
start() {
  local name="$1" port="$2"
  shift 2
  if pid_alive "$name"; then
    return
  fi
  # One of ours whose pid file got lost: adopt it rather than start a second copy.
  local orphan
  orphan="$(procs_of "$name" | head -n 1)"
  if [[ -n "$orphan" ]]; then
    log "Adopting the running $name (pid $orphan), which had no pid file."
    echo "$orphan" >"$PIDS/$name.pid"
    return
  fi
  if [[ "$port" != - ]] && port_open "$port"; then
    die "Port $HOST:$port is taken by another process; pick another with the TIDAL_CLUSTER_*_PORT variables (docs/dev-cluster.md)."
  fi
  log "Starting $name (log: $LOGS/$name.log)."
  printf '\n=== %s start %s\n' "$(date -u +%FT%TZ)" "$name" >>"$LOGS/$name.log"
  setsid "$(bin_of "$name")" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  local pid=$! deadline=$((SECONDS + 5))
  echo "$pid" >"$PIDS/$name.pid"
  # Until setsid has exec'd the binary, /proc shows bash or setsid under this pid and pid_alive
  # would call the component dead: wait for the exec (or the exit, which the caller reports).
  until pid_alive "$name" || ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); do
    sleep 0.05
  done
}

# wait_component NAME SECONDS DESCRIPTION CHECK...: wait_for, but gives up at once, showing the end
# of the log, when the component has exited (a bad flag, a taken port) instead of waiting it out.
wait_component() {
  local name="$1" timeout="$2" what="$3"
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$name" || die "$name exited; the end of $LOGS/$name.log:
$(tail -n 20 "$LOGS/$name.log")"
    ((SECONDS < deadline)) || die "No $what after $timeout s; see $LOGS/$name.log."
    sleep 0.2
  done
  log "Ready: $what."
}

# healthy URL [CURL_ARGS...]: true when URL answers 200 with body "ok" (or etcd's JSON health).
healthy() {
  local url="$1" body
  shift
  body="$(curl -sf --max-time 2 --cacert "$PKI/ca.crt" "$@" "$url")" || return 1
  [[ "$body" == ok || "$body" == *'"health":"true"'* ]]
}

# The extra-argument variables are split on spaces on purpose: they are flag lists.
read -ra ETCD_EXTRA <<<"${TIDAL_CLUSTER_ETCD_ARGS:-}"
read -ra APISERVER_EXTRA <<<"${TIDAL_CLUSTER_APISERVER_ARGS:-}"
read -ra KCM_EXTRA <<<"${TIDAL_CLUSTER_KCM_ARGS:-}"
read -ra SCHEDULER_EXTRA <<<"${TIDAL_CLUSTER_SCHEDULER_ARGS:-}"
read -ra KWOK_EXTRA <<<"${TIDAL_CLUSTER_KWOK_ARGS:-}"
read -ra METRICS_SERVER_EXTRA <<<"${TIDAL_CLUSTER_METRICS_SERVER_ARGS:-}"

# etcd: TLS with client certificates from its own CA for clients; the peer port only exists
# because etcd always opens one. No fsync: this data is disposable and fsync on a shared disk is
# the slowest part of every write.
start etcd "$ETCD_CLIENT_PORT" \
  --name=tidal \
  --data-dir="$STATE/etcd" \
  --listen-client-urls="https://$HOST:$ETCD_CLIENT_PORT" \
  --advertise-client-urls="https://$HOST:$ETCD_CLIENT_PORT" \
  --listen-peer-urls="http://$HOST:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://$HOST:$ETCD_PEER_PORT" \
  --initial-cluster="tidal=http://$HOST:$ETCD_PEER_PORT" \
  --cert-file="$PKI/etcd-server.crt" --key-file="$PKI/etcd-server.key" \
  --client-cert-auth=true --trusted-ca-file="$PKI/etcd-ca.crt" \
  --unsafe-no-fsync=true \
  --log-level=warn \
  "${ETCD_EXTRA[@]}"
wait_component etcd 30 "healthy etcd" healthy "https://$HOST:$ETCD_CLIENT_PORT/health" \
  --cacert "$PKI/etcd-ca.crt" --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key"

# kube-apiserver. --endpoint-reconciler-type=none: the `kubernetes` Service would get 127.0.0.1
# as its endpoint, which Endpoints validation rejects (and nothing here may dial it anyway).
# --kubelet-preferred-address-types=InternalIP: `kubectl logs/exec` dial the node's 127.0.1.i,
# never a host name that might resolve elsewhere.
start kube-apiserver "$APISERVER_PORT" \
  --advertise-address="$HOST" \
  --bind-address="$HOST" \
  --secure-port="$APISERVER_PORT" \
  --etcd-servers="https://$HOST:$ETCD_CLIENT_PORT" \
  --etcd-cafile="$PKI/etcd-ca.crt" \
  --etcd-certfile="$PKI/apiserver-etcd-client.crt" \
  --etcd-keyfile="$PKI/apiserver-etcd-client.key" \
  --tls-cert-file="$PKI/apiserver.crt" \
  --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --authorization-mode=Node,RBAC \
  --enable-admission-plugins=NodeRestriction \
  --allow-privileged=true \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --endpoint-reconciler-type=none \
  --kubelet-preferred-address-types=InternalIP \
  --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
  --proxy-client-key-file="$PKI/front-proxy-client.key" \
  "${APISERVER_EXTRA[@]}"
wait_component kube-apiserver 90 "ready kube-apiserver" healthy "$APISERVER_URL/readyz" \
  --cert "$PKI/admin.crt" --key "$PKI/admin.key"

# kwok gets its own identity and only the rights it uses, so it runs under RBAC like the operator.
kc apply --server-side --field-manager=tidal-cluster -f "$(dirname "$0")/kwok-rbac.yaml" >/dev/null

# kube-controller-manager. Controllers that need a cloud provider are off; every controller runs
# under its own ServiceAccount (--use-service-account-credentials) as in a real cluster. The CA
# signs CSRs and its certificate is what kube-root-ca.crt publishes. No leader election: there is
# one instance, and a restart should not wait out a stale lease.
start kube-controller-manager "$KCM_PORT" \
  --kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --bind-address="$HOST" \
  --secure-port="$KCM_PORT" \
  --cert-dir="$STATE/controller-manager" \
  --leader-elect=false \
  --controllers='*,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller' \
  --cluster-name=tidal \
  --allocate-node-cidrs=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" \
  --cluster-signing-key-file="$PKI/ca.key" \
  "${KCM_EXTRA[@]}"

start kube-scheduler "$SCHEDULER_PORT" \
  --kubeconfig="$STATE/scheduler.kubeconfig" \
  --authentication-kubeconfig="$STATE/scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
  --bind-address="$HOST" \
  --secure-port="$SCHEDULER_PORT" \
  --cert-dir="$STATE/scheduler" \
  --leader-elect=false \
  "${SCHEDULER_EXTRA[@]}"

# A kwok started by an up.sh from before metrics-server has no kubelet-like server, and nothing
# else would ever restart it: restart it now (the pods keep running; only their simulation pauses).
if pid="$(pid_of kwok)" && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- '--server-address='; then
  log "Restarting kwok, which runs without the kubelet server that metrics-server scrapes."
  stop kwok
fi

# kwok claims a node through its Lease, under a holder id that is new in every run; a Lease left by
# an earlier kwok would make this one wait for it to expire (up to 40 s) before touching any pod.
if ! pid_alive kwok && [[ -z "$(procs_of kwok)" ]]; then
  mapfile -t stale < <(kc get leases --namespace kube-node-lease -o name | grep '/kwok-node-' || true)
  ((${#stale[@]} == 0)) || kc delete --namespace kube-node-lease --wait=false "${stale[@]}" >/dev/null
fi
# kwok manages only nodes annotated kwok.x-k8s.io/node=fake, with kwokctl's default stages (the
# binary has none built in). Pod IPs come from each node's spec.podCIDRs; --cidr and --node-ip
# are the fallbacks for a node without them, kept on loopback too.
# Its kubelet-like server (--server-address, TLS with a certificate for every node address) serves
# /metrics/nodes/<node>/metrics/resource from kwok's Metric (metrics-resource.yaml) and our usage
# rules (kwok-usage.yaml); --node-port puts the port in each node's status, as a kubelet does.
# It has no exec, logs or port-forward rules, so those requests fail with kwok's answer.
# KWOK_WORKDIR keeps it from reading a developer's ~/.kwok/kwok.yaml. --v=ERROR: at INFO it logs
# every lease renewal and pod patch, and at WARN a "pods not found" for every scrape of a node
# without pods, megabytes an hour (add --v=INFO to TIDAL_CLUSTER_KWOK_ARGS to see them). A usage
# expression that fails is an error, so it still shows.
KWOK_WORKDIR="$STATE/kwok" start kwok "$KUBELET_PORT" \
  --kubeconfig="$STATE/kwok.kubeconfig" \
  --config="$KWOK_STAGES" \
  --config="$KWOK_METRICS" \
  --config="$(dirname "$0")/kwok-usage.yaml" \
  --server-address="$HOST:$KUBELET_PORT" \
  --tls-cert-file="$PKI/kwok-serving.crt" \
  --tls-private-key-file="$PKI/kwok-serving.key" \
  --node-port="$KUBELET_PORT" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --cidr=127.1.0.0/24 \
  --node-ip=127.0.0.1 \
  --node-lease-duration-seconds=40 \
  --v=ERROR \
  "${KWOK_EXTRA[@]}"

# Node i's kubelet is dialled at 127.0.1.i, where kwok cannot listen itself (see kubelet-relay).
# The relay takes all 254 node addresses, so adding nodes later needs no restart.
start kubelet-relay - \
  -first=127.0.1.1 -count=254 -port="$KUBELET_PORT" -target="$HOST:$KUBELET_PORT" \
  -cluster-dir="$STATE/"

ensure_nodes
# The default ServiceAccount is the controller-manager's work: pods cannot be created before it.
wait_component kube-controller-manager 60 "default ServiceAccount" \
  kc get serviceaccount default --namespace default
wait_component kube-scheduler 30 "healthy kube-scheduler" \
  healthy "https://$HOST:$SCHEDULER_PORT/healthz" --insecure
# A node's Lease exists only once this kwok holds it (stale ones were deleted above), and Ready
# alone may be left over from an earlier run.
node_leases=()
for ((i = 1; i <= NODES; i++)); do node_leases+=("kwok-node-$i"); done
wait_component kwok 60 "node Leases held by kwok" \
  kc get leases --namespace kube-node-lease "${node_leases[@]}"
kc wait --for=condition=Ready nodes -l "$NODE_LABEL=true" --timeout=60s >/dev/null ||
  die "Nodes did not become Ready; see $LOGS/kwok.log."

# metrics-server, as the user tidal:metrics-server. It scrapes each node at its InternalIP and the
# kubelet port, checking kwok's certificate against our CA, every METRIC_RESOLUTION. A scrape must
# end within 90% of the resolution, hence the request timeout. It serves only on 127.0.0.1; the
# APIService reaches it as localhost.
# kwok's server, as metrics-server will reach it: at node 1's address, through the relay, over TLS
# that our CA vouches for.
wait_component kubelet-relay 30 "kwok's kubelet server at 127.0.1.1:$KUBELET_PORT" \
  healthy "https://127.0.1.1:$KUBELET_PORT/healthz"
ensure_metrics_api
start metrics-server "$METRICS_SERVER_PORT" \
  --kubeconfig="$STATE/metrics-server.kubeconfig" \
  --authentication-kubeconfig="$STATE/metrics-server.kubeconfig" \
  --authorization-kubeconfig="$STATE/metrics-server.kubeconfig" \
  --bind-address="$HOST" \
  --secure-port="$METRICS_SERVER_PORT" \
  --tls-cert-file="$PKI/metrics-server.crt" \
  --tls-private-key-file="$PKI/metrics-server.key" \
  --kubelet-preferred-address-types=InternalIP \
  --kubelet-port="$KUBELET_PORT" \
  --kubelet-certificate-authority="$PKI/ca.crt" \
  --kubelet-request-timeout=5s \
  --metric-resolution="$METRIC_RESOLUTION" \
  "${METRICS_SERVER_EXTRA[@]}"
wait_component metrics-server 60 "metrics.k8s.io available" metrics_api_available
for name in "${COMPONENTS[@]}"; do
  pid_alive "$name" || die "$name exited during start-up; see $LOGS/$name.log."
done
log "Cluster up in $((SECONDS - started)) s: $NODES nodes, API at $APISERVER_URL."
log "Use it with: eval \"\$(scripts/cluster.sh env)\""
