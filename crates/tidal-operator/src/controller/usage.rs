//! Pod resource usage from `metrics.k8s.io`, for `cpu` and `memory` triggers.
//!
//! The HPA controller lists `PodMetrics` matching the target's selector and sums each pod's
//! container usage; Tidal does the same, once per pass of an object that has such a trigger,
//! and hands the samples to the engine's HPA resource math. A pod whose metrics lack a
//! container's usage of a resource gets no sample for it, as in the HPA's metrics client.

use jiff::{SignedDuration, Timestamp};
use kube::api::ListParams;
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::{Api, Client};
use serde::Deserialize;
use tidal_core::hpa::{ContainerUsage, PodMetric, PodUsage, ResourceName, pod_metrics};

/// Per-pod usage samples in milli-units.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Usage {
    /// CPU in milli-cores, summed over each pod's containers.
    pub cpu: Vec<PodMetric>,
    /// Memory in milli-bytes, summed over each pod's containers.
    pub memory: Vec<PodMetric>,
    /// Each pod's containers apart, for triggers with `containerName`.
    pub containers: Vec<PodUsage>,
}

/// Lists the `PodMetrics` of `namespace` matching `selector`.
///
/// # Errors
///
/// The apiserver's answer (metrics.k8s.io not served, forbidden) as a message.
pub(crate) async fn fetch(
    client: &Client,
    namespace: &str,
    selector: &str,
) -> Result<Usage, String> {
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("metrics.k8s.io", "v1beta1", "PodMetrics"),
        "pods",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
    let list = api
        .list(&ListParams::default().labels(selector))
        .await
        .map_err(|e| format!("metrics.k8s.io: {e}"))?;
    Ok(usage(&list.items))
}

/// The body of one `PodMetrics`, beyond its metadata.
#[derive(Debug, Deserialize)]
struct Body {
    timestamp: Timestamp,
    window: String,
    #[serde(default)]
    containers: Vec<ContainerMetrics>,
}

#[derive(Debug, Deserialize)]
struct ContainerMetrics {
    name: String,
    #[serde(default)]
    usage: std::collections::BTreeMap<String, String>,
}

/// Each pod's usage per container, and summed per pod as the `Resource` metric reads it; pods
/// whose body does not parse are skipped, and a quantity that does not parse counts as not
/// reported.
fn usage(items: &[DynamicObject]) -> Usage {
    let mut pods = Vec::with_capacity(items.len());
    for item in items {
        let Some(pod) = item.metadata.name.clone() else {
            continue;
        };
        let Ok(body) = serde_json::from_value::<Body>(item.data.clone()) else {
            tracing::debug!(%pod, "Skipping PodMetrics that do not parse.");
            continue;
        };
        let Some(window) = go_duration(&body.window) else {
            continue;
        };
        let quantity = |usage: &std::collections::BTreeMap<String, String>, resource: &str| {
            tidal_core::quantity::parse_milli(usage.get(resource)?).ok()
        };
        pods.push(PodUsage {
            pod,
            timestamp: body.timestamp,
            window,
            containers: body
                .containers
                .into_iter()
                .map(|c| ContainerUsage {
                    cpu: quantity(&c.usage, "cpu"),
                    memory: quantity(&c.usage, "memory"),
                    name: c.name,
                })
                .collect(),
        });
    }
    Usage {
        cpu: pod_metrics(&pods, ResourceName::Cpu),
        memory: pod_metrics(&pods, ResourceName::Memory),
        containers: pods,
    }
}

/// A Go `time.Duration` string as metrics-server writes `window` (`"15.012s"`, `"1m0s"`).
fn go_duration(text: &str) -> Option<SignedDuration> {
    let mut rest = text;
    let mut nanos: f64 = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|&i| i > 0)?;
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "h" => 3.6e12,
            "m" => 6e10,
            "s" => 1e9,
            "ms" => 1e6,
            "us" | "µs" => 1e3,
            "ns" => 1.0,
            _ => return None,
        };
        nanos += number * scale;
        rest = &rest[unit_end..];
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(SignedDuration::from_nanos(nanos.round() as i64))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn metrics_of(name: &str, containers: &serde_json::Value) -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "metrics.k8s.io/v1beta1",
            "kind": "PodMetrics",
            "metadata": { "name": name, "namespace": "ns" },
            "timestamp": "2026-11-27T10:00:00Z",
            "window": "15.5s",
            "containers": containers
        }))
        .expect("PodMetrics")
    }

    #[test]
    fn containers_are_summed_per_pod_and_kept_apart_in_milli_units() {
        let items = [
            metrics_of(
                "web-1",
                &json!([
                    { "name": "app", "usage": { "cpu": "250m", "memory": "64Mi" } },
                    { "name": "sidecar", "usage": { "cpu": "50m", "memory": "16Mi" } }
                ]),
            ),
            metrics_of(
                "web-2",
                &json!([{ "name": "app", "usage": { "cpu": "1", "memory": "1Gi" } }]),
            ),
        ];
        let usage = usage(&items);
        let cpu: Vec<_> = usage
            .cpu
            .iter()
            .map(|m| (m.pod.as_str(), m.value))
            .collect();
        assert_eq!(cpu, [("web-1", 300), ("web-2", 1000)]);
        assert_eq!(usage.memory[0].value, 80 * 1024 * 1024 * 1000);
        assert_eq!(usage.cpu[0].window, SignedDuration::from_millis(15_500));
        assert_eq!(
            usage.cpu[0].timestamp,
            "2026-11-27T10:00:00Z".parse::<Timestamp>().unwrap()
        );
        let sidecar = &usage.containers[0].containers[1];
        assert_eq!(
            (sidecar.name.as_str(), sidecar.cpu),
            ("sidecar", Some(50)),
            "containerName triggers read each container apart"
        );
    }

    #[test]
    fn a_pod_missing_a_containers_usage_has_no_sample_for_that_resource() {
        let items = [metrics_of(
            "web-1",
            &json!([
                { "name": "app", "usage": { "cpu": "250m", "memory": "64Mi" } },
                { "name": "sidecar", "usage": { "cpu": "50m" } }
            ]),
        )];
        let usage = usage(&items);
        assert_eq!(usage.cpu.len(), 1);
        assert!(usage.memory.is_empty());
    }

    #[test]
    fn go_durations_parse_as_metrics_server_writes_them() {
        assert_eq!(go_duration("20s"), Some(SignedDuration::from_secs(20)));
        assert_eq!(
            go_duration("1m0.5s"),
            Some(SignedDuration::from_millis(60_500))
        );
        assert_eq!(go_duration("150ms"), Some(SignedDuration::from_millis(150)));
        assert_eq!(go_duration(""), None);
        assert_eq!(go_duration("5 parsecs"), None);
    }
}
