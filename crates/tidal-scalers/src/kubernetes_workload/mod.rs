//! The `kubernetes-workload` scaler: scale on how many pods match a selector.
//!
//! KEDA lists pods through the API server on every poll. Tidal's operator already watches
//! pods into an index, so this scaler asks a [`PodCounter`] the operator supplies (through
//! [`crate::Services::pods`]) and never makes a request of its own. [`count_pods`] is the
//! counting rule for an index to reuse: pods in the Succeeded or Failed phase do not count.

mod selector;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

pub use selector::{LabelSelector, Requirement};

use crate::metric::{MetricSpec, MetricValue};
use crate::params::{self, ParamError};
use crate::scaler::{BuildContext, Scaler, single_value};

/// The KEDA trigger type.
pub const TYPE: &str = "kubernetes-workload";

/// `kubernetes-workload` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The process has no pod index (the caller built [`crate::Services`] without one).
    #[error("no pod index is available to count pods")]
    NoPodIndex,
    /// The pod index could not answer (e.g. not yet synced).
    #[error("counting pods in namespace {namespace:?} failed: {reason}")]
    Count {
        /// The namespace.
        namespace: String,
        /// The index's reason.
        reason: String,
    },
}

/// Counts pods for `kubernetes-workload` triggers; implemented by the operator's pod index.
pub trait PodCounter: Send + Sync {
    /// The number of pods in `namespace` that `selector` matches, as [`count_pods`] counts.
    ///
    /// # Errors
    /// A reason when the index cannot answer yet.
    fn count(&self, namespace: &str, selector: &LabelSelector) -> Result<usize, String>;
}

/// What counting needs to know about one pod.
#[derive(Debug, Clone, Copy)]
pub struct PodInfo<'a> {
    /// `metadata.labels`.
    pub labels: &'a BTreeMap<String, String>,
    /// `status.phase`, if known.
    pub phase: Option<&'a str>,
}

/// KEDA's count: selected pods that are not in a terminal phase (Succeeded, Failed).
pub fn count_pods<'a>(
    pods: impl IntoIterator<Item = PodInfo<'a>>,
    selector: &LabelSelector,
) -> usize {
    pods.into_iter()
        .filter(|pod| !matches!(pod.phase, Some("Succeeded" | "Failed")))
        .filter(|pod| selector.matches(pod.labels))
        .count()
}

/// A parsed `kubernetes-workload` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `podSelector`: which pods to count.
    pub pod_selector: LabelSelector,
    /// `value`: pods per replica, > 0.
    pub value: f64,
    /// `activationValue` (default 0).
    pub activation_value: f64,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(params: &params::Params<'_>) -> Result<Self, ParamError> {
        let text = params.required_string(
            "podSelector",
            params::METADATA,
            "a label selector such as app=worker,tier in (a,b)",
        )?;
        let pod_selector = LabelSelector::parse(&text).map_err(|reason| ParamError::Invalid {
            param: "podSelector".into(),
            value: format!("{text:?}"),
            expected: format!("a label selector ({reason})"),
        })?;
        let value = params.target(
            "value",
            params::METADATA,
            "the number of matching pods per replica",
        )?;
        Ok(Self {
            pod_selector,
            value,
            activation_value: params.f64_or("activationValue", params::METADATA, 0.0)?,
        })
    }
}

/// A built `kubernetes-workload` trigger.
pub struct WorkloadScaler {
    config: Config,
    namespace: String,
    pods: Option<Arc<dyn PodCounter>>,
    specs: Vec<MetricSpec>,
}

impl std::fmt::Debug for WorkloadScaler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkloadScaler")
            .field("config", &self.config)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl WorkloadScaler {
    /// Builds the scaler from its context; pods are counted in the object's namespace.
    ///
    /// # Errors
    /// A parameter error or the metric type error.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config = Config::parse(&ctx.params()).map_err(Error::from)?;
        let namespace = ctx.object.namespace.clone();
        let specs = ctx.external_spec(
            &format!("workload-{namespace}"),
            config.value,
            config.activation_value,
        )?;
        Ok(Self {
            config,
            namespace,
            pods: ctx.services.pods.clone(),
            specs,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

#[async_trait]
impl Scaler for WorkloadScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        let pods = self.pods.as_ref().ok_or(Error::NoPodIndex)?;
        let count = pods
            .count(&self.namespace, &self.config.pod_selector)
            .map_err(|reason| Error::Count {
                namespace: self.namespace.clone(),
                reason,
            })?;
        Ok(single_value(&self.specs, count as f64))
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(WorkloadScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
