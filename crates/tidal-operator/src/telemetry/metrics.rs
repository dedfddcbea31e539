//! The operator's metric families.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels naming one ScaledObject.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ObjectLabels {
    /// Namespace of the ScaledObject.
    pub namespace: String,
    /// Name of the ScaledObject.
    pub scaled_object: String,
}

/// Labels naming one metric of one ScaledObject.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct TriggerLabels {
    /// Namespace of the ScaledObject.
    pub namespace: String,
    /// Name of the ScaledObject.
    pub scaled_object: String,
    /// The metric name (`s0-metric-api-…`).
    pub metric: String,
    /// The trigger type.
    pub scaler: String,
}

/// Labels of an apiserver write by outcome.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ResultLabels {
    /// `ok`, `conflict`, `error` or `skipped_not_leader`.
    pub result: String,
}

impl ResultLabels {
    /// Labels for `result`.
    pub fn of(result: &str) -> Self {
        Self {
            result: result.to_owned(),
        }
    }
}

/// Every metric family of the operator, registered on one registry.
#[derive(Debug)]
pub struct Metrics {
    /// The registry `/metrics` encodes.
    pub registry: Registry,
    /// 1 while this replica holds the Lease.
    pub leader: Gauge,
    /// ScaledObjects with a running scale loop.
    pub scaled_objects: Gauge,
    /// Last value read per metric.
    pub scaler_value: Family<TriggerLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    /// 1 when the metric is above its activation target.
    pub scaler_active: Family<TriggerLabels, Gauge>,
    /// Failed reads per metric.
    pub scaler_errors: Family<TriggerLabels, Counter>,
    /// Time to read all triggers of an object.
    pub scaler_latency: Histogram,
    /// How late a scale loop pass started against its schedule.
    pub loop_latency: Histogram,
    /// Passes that ended in an error per object.
    pub object_errors: Family<ObjectLabels, Counter>,
    /// Replica count Tidal wants per object.
    pub desired_replicas: Family<ObjectLabels, Gauge>,
    /// 1 while the object is paused.
    pub paused: Family<ObjectLabels, Gauge>,
    /// `/scale` writes by outcome.
    pub scale_writes: Family<ResultLabels, Counter>,
    /// Status writes by outcome.
    pub status_writes: Family<ResultLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every family, registered under the `tidal` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tidal");
        let metrics = Self {
            leader: Gauge::default(),
            scaled_objects: Gauge::default(),
            scaler_value: Family::default(),
            scaler_active: Family::default(),
            scaler_errors: Family::default(),
            scaler_latency: Histogram::new(exponential_buckets(0.001, 2.0, 14)),
            loop_latency: Histogram::new(exponential_buckets(0.001, 2.0, 14)),
            object_errors: Family::default(),
            desired_replicas: Family::default(),
            paused: Family::default(),
            scale_writes: Family::default(),
            status_writes: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "leader",
            "1 while this replica holds the leader Lease and may write",
            metrics.leader.clone(),
        );
        registry.register(
            "scaled_objects",
            "ScaledObjects with a running scale loop",
            metrics.scaled_objects.clone(),
        );
        registry.register(
            "scaler_metrics_value",
            "Last value read for each trigger metric",
            metrics.scaler_value.clone(),
        );
        registry.register(
            "scaler_active",
            "1 when the trigger metric is above its activation target",
            metrics.scaler_active.clone(),
        );
        registry.register(
            "scaler_errors",
            "Failed reads of each trigger metric",
            metrics.scaler_errors.clone(),
        );
        registry.register(
            "scaler_metrics_latency_seconds",
            "Time to read every trigger of one ScaledObject",
            metrics.scaler_latency.clone(),
        );
        registry.register(
            "scale_loop_latency_seconds",
            "How late a scale loop pass started against its polling schedule",
            metrics.loop_latency.clone(),
        );
        registry.register(
            "scaled_object_errors",
            "Scale loop passes that ended in an error",
            metrics.object_errors.clone(),
        );
        registry.register(
            "desired_replicas",
            "Replica count Tidal decided for each ScaledObject",
            metrics.desired_replicas.clone(),
        );
        registry.register(
            "scaled_object_paused",
            "1 while a pause annotation holds the ScaledObject",
            metrics.paused.clone(),
        );
        registry.register(
            "scale_writes",
            "Writes to /scale subresources by outcome",
            metrics.scale_writes.clone(),
        );
        registry.register(
            "status_writes",
            "ScaledObject status writes by outcome",
            metrics.status_writes.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Drops the per-object series of a ScaledObject that is gone, so `/metrics` does not grow
    /// with every object ever seen.
    /// `metrics` lists the object's (metric name, trigger type) pairs.
    pub fn forget(&self, namespace: &str, name: &str, metrics: &[(String, String)]) {
        let object = ObjectLabels {
            namespace: namespace.to_owned(),
            scaled_object: name.to_owned(),
        };
        self.object_errors.remove(&object);
        self.desired_replicas.remove(&object);
        self.paused.remove(&object);
        for (metric, scaler) in metrics {
            let labels = TriggerLabels {
                namespace: namespace.to_owned(),
                scaled_object: name.to_owned(),
                metric: metric.clone(),
                scaler: scaler.clone(),
            };
            self.scaler_value.remove(&labels);
            self.scaler_active.remove(&labels);
            self.scaler_errors.remove(&labels);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_names_every_family_with_the_tidal_prefix() {
        let metrics = Metrics::new();
        metrics.leader.set(1);
        let labels = TriggerLabels {
            namespace: "ns".into(),
            scaled_object: "web".into(),
            metric: "s0-metric-api-value".into(),
            scaler: "metrics-api".into(),
        };
        metrics.scaler_value.get_or_create(&labels).set(42.5);
        metrics
            .scale_writes
            .get_or_create(&ResultLabels::of("ok"))
            .inc();
        let text = metrics.encode();
        assert!(text.contains("tidal_leader 1"), "{text}");
        assert!(text.contains(r#"tidal_scaler_metrics_value{namespace="ns",scaled_object="web",metric="s0-metric-api-value",scaler="metrics-api"} 42.5"#), "{text}");
        assert!(
            text.contains(r#"tidal_scale_writes_total{result="ok"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn forgetting_an_object_drops_its_series_only() {
        let metrics = Metrics::new();
        for name in ["gone", "kept"] {
            let labels = TriggerLabels {
                namespace: "ns".into(),
                scaled_object: name.into(),
                metric: "m".into(),
                scaler: "cron".into(),
            };
            metrics.scaler_value.get_or_create(&labels).set(1.0);
            metrics
                .desired_replicas
                .get_or_create(&ObjectLabels {
                    namespace: "ns".into(),
                    scaled_object: name.into(),
                })
                .set(2);
        }
        metrics.forget("ns", "gone", &[("m".to_owned(), "cron".to_owned())]);
        let text = metrics.encode();
        assert!(!text.contains(r#"scaled_object="gone""#), "{text}");
        assert!(text.contains(r#"scaled_object="kept""#), "{text}");
    }
}
