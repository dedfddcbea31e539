// Built by scripts/cluster/build.sh; standard library only.
module tidal.local/kubelet-relay

go 1.22
