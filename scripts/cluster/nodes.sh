# shellcheck shell=bash
# The fake nodes kwok plays: kwok-node-1..N, each with loopback addresses and a pod CIDR of its own.
# Source it after common.sh; up.sh calls ensure_nodes once the apiserver is ready.

# ensure_nodes: nodes kwok-node-1..N as the environment asks, each with loopback addresses.
# kwok serves every node's kubelet metrics from one server, under a path per node; the
# metrics.k8s.io/resource-metrics-path annotation is where metrics-server reads that path.
# Nodes accept status on create, so a new node starts with its capacity; an existing one gets its
# capacity and addresses patched, and nodes beyond N are deleted.
ensure_nodes() {
  local i name gpus manifest="" status gpu_label
  for ((i = 1; i <= NODES; i++)); do
    name="kwok-node-$i"
    gpus=0
    ((i <= GPU_NODES)) && gpus="$GPUS_PER_NODE"
    status="$(node_status "$i" "$gpus")"
    gpu_label=""
    ((gpus > 0)) && gpu_label=$'\n    nvidia.com/gpu.present: "true"'
    manifest+="---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: \"0\"
    metrics.k8s.io/resource-metrics-path: /metrics/nodes/$name/metrics/resource
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: \"\"
    type: kwok
    $NODE_LABEL: \"true\"$gpu_label
spec:
  podCIDR: 127.1.$i.0/24
  podCIDRs: [127.1.$i.0/24]
status: $status
"
  done
  local existing
  existing="$(kc get nodes -l "$NODE_LABEL=true" -o name)"
  kc apply --server-side --field-manager=tidal-cluster -f - >/dev/null <<<"$manifest"
  for ((i = 1; i <= NODES; i++)); do
    if grep -qx "node/kwok-node-$i" <<<"$existing"; then
      gpus=0
      ((i <= GPU_NODES)) && gpus="$GPUS_PER_NODE"
      kc patch node "kwok-node-$i" --subresource=status --type=merge \
        -p "{\"status\": $(node_status "$i" "$gpus" patch)}" >/dev/null
    fi
  done
  local node
  for node in $existing; do
    i="${node#node/kwok-node-}"
    if ! [[ "$i" =~ ^[0-9]+$ ]] || ((i > NODES)); then
      log "Deleting $node (TIDAL_CLUSTER_NODES=$NODES)."
      kc delete "$node" --wait=false >/dev/null
    fi
  done
}

# node_status INDEX GPUS [patch]: the status fields we own, as one line of JSON (also valid YAML).
# For a patch, a node without GPUs says so with an explicit null: a merge patch would otherwise
# keep the nvidia.com/gpu an earlier `up` gave it.
node_status() {
  local i="$1" gpus="$2" for_patch="${3:-}" resources
  resources="\"cpu\": \"$NODE_CPU\", \"memory\": \"$NODE_MEMORY\", \"pods\": \"$NODE_PODS\""
  if ((gpus > 0)); then
    resources+=", \"nvidia.com/gpu\": \"$gpus\""
  elif [[ -n "$for_patch" ]]; then
    resources+=', "nvidia.com/gpu": null'
  fi
  printf '{"addresses": [{"type": "InternalIP", "address": "127.0.1.%s"}, {"type": "Hostname", "address": "kwok-node-%s"}], "capacity": {%s}, "allocatable": {%s}, "nodeInfo": {"kubeletVersion": "%s", "architecture": "amd64", "operatingSystem": "linux"}}' \
    "$i" "$i" "$resources" "$resources" "$TIDAL_K8S_VERSION"
}
