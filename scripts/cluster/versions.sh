# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables here are used by the scripts that source this file
# The one place where the local control plane's versions are pinned. Source it; do not run it.
# build.sh keys its cache on these, so bumping one rebuilds only that component.

# Kubernetes: kube-apiserver, kube-controller-manager, kube-scheduler and kubectl. Every staging
# module (k8s.io/api, k8s.io/client-go, ...) is pinned to the matching v0.X.Y at build time.
TIDAL_K8S_VERSION="v1.36.3"
# etcd: the 3.6 line that Kubernetes 1.36 is tested against (kubeadm's DefaultEtcdVersion for 1.36
# is 3.6.8, and k8s.io/kubernetes v1.36.3 requires the etcd client modules at the same version).
TIDAL_ETCD_VERSION="v3.6.8"
# kwok: the controller only. v0.8.0 is built against the v0.36 client libraries, so it knows every
# field of the Kubernetes 1.36 Pod and Node it patches.
TIDAL_KWOK_VERSION="v0.8.0"
# metrics-server: serves metrics.k8s.io (what the HPA and Tidal's cpu and memory triggers read),
# scraping kwok's simulated kubelet /metrics/resource. v0.8.0 is the newest release the Go module
# proxy serves here.
TIDAL_METRICS_SERVER_VERSION="v0.8.0"
