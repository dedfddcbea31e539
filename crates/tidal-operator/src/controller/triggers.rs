//! A ScaledObject's triggers: scalers built from the spec, sampled into engine readings.
//!
//! Scalers are built when the object's generation changes and kept between passes (they hold
//! pooled clients). Every trigger is sampled concurrently under one timeout, so a slow source
//! delays its object by at most that timeout and never blocks another object's loop.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tidal_api::v1alpha1::ScaledObject;
use tidal_core::engine::Reading;
use tidal_scalers::metric::MetricSource;
use tidal_scalers::scaler::{BuildContext, ObjectKind, ObjectRef, Services, TriggerSpec};
use tidal_scalers::{AuthParams, MetricTargetType, MetricValue, Registry, Scaler};

/// The built scalers of one object, in trigger order.
#[derive(Debug)]
pub(crate) struct Triggers {
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    type_name: String,
    scaler: Box<dyn Scaler>,
}

/// One trigger's sample, with the labels its metrics are exported under.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// The trigger type.
    pub type_name: String,
    /// The metric names the scaler declared.
    pub metric_names: Vec<String>,
    /// The scaling target the scaler parsed, for external metrics: the engine takes it over
    /// the configuration's own reading of the metadata, so the scaler's typed config is the
    /// one source of a trigger's target at run time.
    pub target: Option<f64>,
    /// The values read, or the error.
    pub result: Result<Vec<MetricValue>, String>,
}

impl Triggers {
    /// Builds one scaler per trigger of `object`, with `auths[i]` resolved from trigger `i`'s
    /// `authenticationRef`.
    ///
    /// # Errors
    ///
    /// The first trigger that cannot be built, as a message naming the object, the trigger
    /// index and the parameter at fault.
    pub(crate) async fn build(
        registry: &Registry,
        services: &Arc<Services>,
        object: &ScaledObject,
        env: &BTreeMap<String, String>,
        auths: Vec<AuthParams>,
    ) -> Result<Self, String> {
        let object_ref = ObjectRef {
            kind: ObjectKind::ScaledObject,
            namespace: object.metadata.namespace.clone().unwrap_or_default(),
            name: object.metadata.name.clone().unwrap_or_default(),
        };
        let mut entries = Vec::with_capacity(object.spec.triggers.len());
        let mut auths = auths.into_iter();
        for (index, trigger) in object.spec.triggers.iter().enumerate() {
            let spec = TriggerSpec {
                index,
                type_name: trigger.type_.clone(),
                name: trigger.name.clone(),
                metadata: trigger.metadata.clone(),
                metric_type: trigger
                    .metric_type
                    .as_ref()
                    .and_then(|t| MetricTargetType::parse(t.as_str())),
                use_cached_metrics: trigger.use_cached_metrics.unwrap_or(false),
            };
            let ctx = BuildContext {
                object: object_ref.clone(),
                trigger: spec,
                env: env.clone(),
                auth: auths.next().unwrap_or_default(),
                services: Arc::clone(services),
            };
            match registry.build(ctx).await {
                Ok(scaler) => entries.push(Entry {
                    type_name: trigger.type_.clone(),
                    scaler,
                }),
                Err(error) => {
                    for entry in entries {
                        entry.scaler.close().await;
                    }
                    return Err(error.to_string());
                }
            }
        }
        Ok(Self { entries })
    }

    /// Reads every trigger concurrently, each bounded by `timeout`.
    pub(crate) async fn sample(&self, timeout: Duration) -> Vec<Sample> {
        join_all(self.entries.iter().map(|entry| async move {
            let result = match tokio::time::timeout(timeout, entry.scaler.sample()).await {
                Ok(Ok(values)) => Ok(values),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err(format!("no answer within {}s", timeout.as_secs_f64())),
            };
            Sample {
                type_name: entry.type_name.clone(),
                metric_names: entry
                    .scaler
                    .metric_specs()
                    .iter()
                    .map(|s| s.name.clone())
                    .collect(),
                target: external_target(entry.scaler.metric_specs()),
                result,
            }
        }))
        .await
    }

    /// Closes every scaler (pooled clients are released when no trigger uses them).
    pub(crate) async fn close(self) {
        for entry in self.entries {
            entry.scaler.close().await;
        }
    }

    /// Whether a trigger is `cpu` or `memory`, so the pass reads the pods' usage.
    pub(crate) fn has_resource_triggers(&self) -> bool {
        self.entries.iter().any(|e| {
            e.scaler
                .metric_specs()
                .iter()
                .any(|s| matches!(s.source, MetricSource::Resource { .. }))
        })
    }

    /// Each trigger's metric names, in trigger order.
    pub(crate) fn metric_names(&self) -> Vec<Vec<String>> {
        self.entries
            .iter()
            .map(|e| {
                e.scaler
                    .metric_specs()
                    .iter()
                    .map(|s| s.name.clone())
                    .collect()
            })
            .collect()
    }

    /// (metric name, trigger type) of every metric, for labelling and forgetting series.
    pub(crate) fn metric_labels(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .flat_map(|e| {
                e.scaler
                    .metric_specs()
                    .iter()
                    .map(|s| (s.name.clone(), e.type_name.clone()))
            })
            .collect()
    }
}

/// The target of a trigger's first external metric.
fn external_target(specs: &[tidal_scalers::MetricSpec]) -> Option<f64> {
    specs
        .iter()
        .find(|s| !matches!(s.source, MetricSource::Resource { .. }))
        .map(|s| s.target)
        .filter(|t| t.is_finite() && *t > 0.0)
}

/// The engine's reading for one trigger: the sum of its series (the HPA sums the values of an
/// External metric), active when any series is, or the error.
pub(crate) fn reading(sample: &Sample) -> Reading {
    match &sample.result {
        Ok(values) if values.is_empty() => Reading::error("the scaler returned no value"),
        Ok(values) => Reading::Value {
            value: values.iter().map(|v| v.value).sum(),
            target: sample.target,
            active: Some(values.iter().any(|v| v.active)),
        },
        Err(error) => Reading::error(error.clone()),
    }
}

#[cfg(test)]
mod agreement_tests;
#[cfg(test)]
mod endpoint_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(result: Result<Vec<MetricValue>, String>) -> Sample {
        Sample {
            type_name: "metrics-api".into(),
            metric_names: vec!["s0-metric-api-v".into()],
            target: Some(10.0),
            result,
        }
    }

    #[test]
    fn series_are_summed_and_any_active_series_activates() {
        let values = vec![
            MetricValue {
                name: "a".into(),
                value: 2.0,
                active: false,
            },
            MetricValue {
                name: "b".into(),
                value: 3.5,
                active: true,
            },
        ];
        assert_eq!(
            reading(&sample(Ok(values))),
            Reading::Value {
                value: 5.5,
                target: Some(10.0),
                active: Some(true)
            }
        );
    }

    #[test]
    fn errors_and_empty_answers_are_failed_reads() {
        assert_eq!(
            reading(&sample(Err("HTTP 500".into()))),
            Reading::error("HTTP 500")
        );
        assert!(matches!(
            reading(&sample(Ok(Vec::new()))),
            Reading::Error(_)
        ));
    }
}
