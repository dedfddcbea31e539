# shellcheck shell=bash
# metrics.k8s.io on the local cluster: the Service and APIService through which the apiserver
# reaches metrics-server. Source it after common.sh; up.sh calls ensure_metrics_api once the
# apiserver is ready.
#
# The path of a number: a pod's annotations -> kwok's ClusterResourceUsage (kwok-usage.yaml) ->
# kwok's kubelet-like /metrics/nodes/<node>/metrics/resource at 127.0.0.1:KUBELET_PORT, reached
# at the node's 127.0.1.i through kubelet-relay -> metrics-server, scraping every
# METRIC_RESOLUTION -> the apiserver's aggregator -> GET /apis/metrics.k8s.io/v1beta1/...

METRICS_APISERVICE="v1beta1.metrics.k8s.io"

# ensure_metrics_api: metrics-server's rights, and the APIService that sends metrics.k8s.io to it.
# The Service is an ExternalName to localhost, so the aggregator dials https://localhost:PORT and
# never a ClusterIP (there is no kube-proxy); it checks metrics-server's certificate against our CA
# rather than skipping verification.
ensure_metrics_api() {
  kc apply --server-side --field-manager=tidal-cluster -f "$(dirname "${BASH_SOURCE[0]}")/metrics-server-rbac.yaml" >/dev/null
  kc apply --server-side --field-manager=tidal-cluster -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: kube-system
spec:
  type: ExternalName
  externalName: localhost
  ports:
  - name: https
    port: $METRICS_SERVER_PORT
    protocol: TCP
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: $METRICS_APISERVICE
spec:
  group: metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  service:
    name: metrics-server
    namespace: kube-system
    port: $METRICS_SERVER_PORT
  caBundle: $(base64 -w0 <"$PKI/ca.crt")
YAML
}

# metrics_api_available: true when the aggregator has found metrics-server answering.
metrics_api_available() {
  [[ "$(kc get apiservice "$METRICS_APISERVICE" \
    -o jsonpath='{.status.conditions[?(@.type=="Available")].status}' 2>/dev/null)" == True ]]
}
