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
        let mut entries = Vec::with_capacity(object.spec.triggers.len());
        for (index, auth) in (0..object.spec.triggers.len()).zip(padded(auths)) {
            match build_entry(registry, services, object, index, env, auth).await {
                Ok(entry) => entries.push(entry),
                Err(error) => {
                    for entry in entries {
                        entry.scaler.close().await;
                    }
                    return Err(error);
                }
            }
        }
        Ok(Self { entries })
    }

    /// Rebuilds the triggers at `indexes` (those that failed), keeping the others with their
    /// clients and streams. All or nothing: on an error the previous scalers stay.
    ///
    /// # Errors
    ///
    /// As [`Triggers::build`].
    pub(crate) async fn rebuild(
        &mut self,
        registry: &Registry,
        services: &Arc<Services>,
        object: &ScaledObject,
        env: &BTreeMap<String, String>,
        auths: Vec<AuthParams>,
        indexes: &[usize],
    ) -> Result<(), String> {
        let auths: Vec<AuthParams> = padded(auths).take(object.spec.triggers.len()).collect();
        let mut fresh = Vec::with_capacity(indexes.len());
        for &index in indexes.iter().filter(|&&i| i < self.entries.len()) {
            let auth = auths.get(index).cloned().unwrap_or_default();
            match build_entry(registry, services, object, index, env, auth).await {
                Ok(entry) => fresh.push((index, entry)),
                Err(error) => {
                    for (_, entry) in fresh {
                        entry.scaler.close().await;
                    }
                    return Err(error);
                }
            }
        }
        for (index, entry) in fresh {
            let old = std::mem::replace(&mut self.entries[index], entry);
            old.scaler.close().await;
        }
        Ok(())
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

/// `auths` followed by empty parameters for triggers without an `authenticationRef`.
fn padded(auths: Vec<AuthParams>) -> impl Iterator<Item = AuthParams> {
    auths
        .into_iter()
        .chain(std::iter::repeat_with(AuthParams::default))
}

/// Builds the scaler of trigger `index` of `object`.
async fn build_entry(
    registry: &Registry,
    services: &Arc<Services>,
    object: &ScaledObject,
    index: usize,
    env: &BTreeMap<String, String>,
    auth: AuthParams,
) -> Result<Entry, String> {
    let trigger = &object.spec.triggers[index];
    let ctx = BuildContext {
        object: ObjectRef {
            kind: ObjectKind::ScaledObject,
            namespace: object.metadata.namespace.clone().unwrap_or_default(),
            name: object.metadata.name.clone().unwrap_or_default(),
        },
        trigger: TriggerSpec {
            index,
            type_name: trigger.type_.clone(),
            name: trigger.name.clone(),
            metadata: trigger.metadata.clone(),
            metric_type: trigger
                .metric_type
                .as_ref()
                .and_then(|t| MetricTargetType::parse(t.as_str())),
            use_cached_metrics: trigger.use_cached_metrics.unwrap_or(false),
        },
        env: env.clone(),
        auth,
        services: Arc::clone(services),
    };
    let scaler = registry.build(ctx).await.map_err(|e| e.to_string())?;
    Ok(Entry {
        type_name: trigger.type_.clone(),
        scaler,
    })
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
    use serde_json::json;

    use super::*;

    fn object() -> ScaledObject {
        serde_json::from_value(json!({
            "apiVersion": "tidal.dev/v1alpha1",
            "kind": "ScaledObject",
            "metadata": { "name": "web", "namespace": "shop" },
            "spec": {
                "scaleTargetRef": { "name": "web" },
                "triggers": [
                    { "type": "cron", "metadata": { "timezone": "UTC", "start": "0 6 * * *", "end": "0 20 * * *", "desiredReplicas": "2" } },
                    { "type": "redis", "metadata": { "address": "127.0.0.1:1", "listName": "jobs" } }
                ]
            }
        }))
        .expect("ScaledObject")
    }

    /// The address of each built scaler, to tell a kept one from a rebuilt one.
    fn identities(triggers: &Triggers) -> Vec<*const ()> {
        triggers
            .entries
            .iter()
            .map(|e| std::ptr::from_ref(&*e.scaler).cast::<()>())
            .collect()
    }

    #[tokio::test]
    async fn a_rebuild_replaces_only_the_failed_triggers() {
        let (registry, services) = (Registry::builtin(), Arc::new(Services::new()));
        let object = object();
        let env = BTreeMap::new();
        let mut triggers = Triggers::build(&registry, &services, &object, &env, Vec::new())
            .await
            .expect("builds");
        let before = identities(&triggers);
        triggers
            .rebuild(&registry, &services, &object, &env, Vec::new(), &[1])
            .await
            .expect("rebuilds");
        let after = identities(&triggers);
        assert_eq!(before[0], after[0], "the healthy cron trigger is kept");
        assert_ne!(before[1], after[1], "the failed redis trigger is rebuilt");
        assert_eq!(triggers.entries[1].type_name, "redis");
    }

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
