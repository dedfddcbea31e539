//! The [`Scaler`] trait and what a scaler is built from.
//!
//! A scaler is built once per trigger from a [`BuildContext`] (the trigger's metadata, its
//! resolved authentication and environment, and the [`Services`] shared by every scaler in
//! the process), then sampled every polling interval. Sampling is the only IO; parsing and
//! value computation stay in each scaler's sans-IO modules.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::auth::AuthParams;
use crate::error::{Error, Result};
use crate::kubernetes_workload::PodCounter;
use crate::metric::{MetricSpec, MetricTargetType, MetricValue};
use crate::metrics_api::EndpointLister;
use crate::params::Params;
use crate::pools::ClientPools;

/// KEDA's `KEDA_HTTP_DEFAULT_TIMEOUT`: the call timeout when a trigger sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// A source of metric values for one trigger.
#[async_trait]
pub trait Scaler: Send + Sync + fmt::Debug {
    /// The metrics this trigger produces (almost always one), with their targets.
    fn metric_specs(&self) -> &[MetricSpec];

    /// Reads the current values. Every call is bounded by the trigger's timeout.
    ///
    /// # Errors
    /// The scaler's typed error: unreachable server, timeout, bad credentials, malformed or
    /// missing data. Never panics on what a server returns.
    async fn sample(&self) -> Result<Vec<MetricValue>>;

    /// Releases what this scaler holds. Shared pooled clients stay alive for other triggers.
    async fn close(&self) {}
}

/// The sample of a single-metric trigger: `raw` against the spec's activation target.
pub fn single_value(specs: &[MetricSpec], raw: f64) -> Vec<MetricValue> {
    specs
        .first()
        .map(|spec| {
            vec![MetricValue::with_activation(
                &spec.name,
                raw,
                spec.activation_target,
            )]
        })
        .unwrap_or_default()
}

/// The kind of object a trigger belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A ScaledObject.
    ScaledObject,
    /// A ScaledJob.
    ScaledJob,
}

/// The ScaledObject or ScaledJob that owns a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// ScaledObject or ScaledJob.
    pub kind: ObjectKind,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ScaledObject => "ScaledObject",
            Self::ScaledJob => "ScaledJob",
        })
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// One entry of `spec.triggers`, as the scalers need it.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerSpec {
    /// Position in `spec.triggers` (metric names are `s<index>-…`).
    pub index: usize,
    /// `type`, e.g. `metrics-api`.
    pub type_name: String,
    /// `name`, used by formulas.
    pub name: Option<String>,
    /// `metadata`, KEDA's string map.
    pub metadata: BTreeMap<String, String>,
    /// `metricType`; `None` means KEDA's default, AverageValue.
    pub metric_type: Option<MetricTargetType>,
    /// `useCachedMetrics`.
    pub use_cached_metrics: bool,
}

/// Everything in the process that scalers share: client pools, the operator's indexes and
/// defaults.
///
/// Create one per process and hand an `Arc` of it to every [`BuildContext`].
pub struct Services {
    /// Clients shared per (endpoint, credentials) across all triggers.
    pub pools: ClientPools,
    /// Counts pods for `kubernetes-workload` triggers; the operator supplies its pod index.
    pub pods: Option<Arc<dyn PodCounter>>,
    /// Lists a Service's ready endpoints for `metrics-api` triggers with
    /// `aggregateFromKubeServiceEndpoints`; the operator supplies its EndpointSlice index.
    pub endpoints: Option<Arc<dyn EndpointLister>>,
    /// The call timeout for triggers that set none (KEDA_HTTP_DEFAULT_TIMEOUT).
    pub default_timeout: Duration,
}

impl Services {
    /// Services with fresh pools, no indexes and KEDA's default timeout.
    pub fn new() -> Self {
        Self {
            pools: ClientPools::default(),
            pods: None,
            endpoints: None,
            default_timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets the pod index used by `kubernetes-workload` triggers.
    #[must_use]
    pub fn with_pods(mut self, pods: Arc<dyn PodCounter>) -> Self {
        self.pods = Some(pods);
        self
    }

    /// Sets the endpoint index used by `metrics-api` triggers that aggregate over a Service.
    #[must_use]
    pub fn with_endpoints(mut self, endpoints: Arc<dyn EndpointLister>) -> Self {
        self.endpoints = Some(endpoints);
        self
    }

    /// Sets the default call timeout.
    #[must_use]
    pub fn with_default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = timeout;
        self
    }
}

impl Default for Services {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Services")
            .field("pools", &self.pools)
            .field("pods", &self.pods.as_ref().map(|_| "PodCounter"))
            .field(
                "endpoints",
                &self.endpoints.as_ref().map(|_| "EndpointLister"),
            )
            .field("default_timeout", &self.default_timeout)
            .finish()
    }
}

/// What one scaler is built from.
#[derive(Debug, Clone)]
pub struct BuildContext {
    /// The owning ScaledObject or ScaledJob.
    pub object: ObjectRef,
    /// The trigger.
    pub trigger: TriggerSpec,
    /// The env-source container's resolved environment, for `<param>FromEnv`.
    pub env: BTreeMap<String, String>,
    /// Parameters resolved from the trigger's `authenticationRef` ([`crate::auth::resolve`]).
    pub auth: AuthParams,
    /// Shared pools and defaults.
    pub services: Arc<Services>,
}

impl BuildContext {
    /// The trigger's parameter sources.
    pub fn params(&self) -> Params<'_> {
        Params::new(&self.trigger.metadata, &self.auth, &self.env)
    }

    /// The trigger's `metricType`, rejecting Utilization (cpu and memory only).
    ///
    /// # Errors
    /// [`Error::MetricType`] for Utilization.
    pub fn external_target_type(&self) -> Result<MetricTargetType> {
        match self.trigger.metric_type.unwrap_or_default() {
            MetricTargetType::Utilization => Err(Error::MetricType {
                trigger_type: self.trigger.type_name.clone(),
            }),
            other => Ok(other),
        }
    }

    /// KEDA's common case: one External metric named `s<index>-<name>` with `target` and
    /// `activation`, and the trigger's `metricType`.
    ///
    /// # Errors
    /// [`Error::MetricType`] for Utilization.
    pub fn external_spec(
        &self,
        name: &str,
        target: f64,
        activation: f64,
    ) -> Result<Vec<MetricSpec>> {
        Ok(vec![MetricSpec {
            name: self.metric_name(name),
            target,
            target_type: self.external_target_type()?,
            activation_target: activation,
            source: crate::metric::MetricSource::External,
        }])
    }

    /// The metric name KEDA gives this trigger's metric: `s<index>-<normalized name>`.
    pub fn metric_name(&self, name: &str) -> String {
        crate::metric::indexed_name(self.trigger.index, &crate::metric::normalize(name))
    }
}
