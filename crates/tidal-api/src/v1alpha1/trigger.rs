//! The `triggers[]` entry shared by ScaledObject and ScaledJob.
//!
//! A trigger keeps KEDA's loose shape on purpose: a `type` plus a string map of `metadata`. Each
//! scaler parses the map into its own typed configuration later; here we only carry it faithfully so
//! that any KEDA manifest round-trips, and describe it well enough for `kubectl explain`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The trigger types whose metric the HPA computes from pod resource usage.
///
/// KEDA gives these a special status: they are always considered active, cannot be cached, cannot
/// use fallback and cannot appear in scaling-modifier formulas.
pub const RESOURCE_TRIGGER_TYPES: [&str; 2] = ["cpu", "memory"];

/// One source of scaling signal.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTrigger {
    /// The scaler to use, for example `prometheus`, `kafka` or `cpu`.
    #[serde(rename = "type")]
    #[schemars(length(min = 1))]
    pub type_: String,

    /// A name for this trigger, unique within the object. Required for triggers referenced by
    /// `advanced.scalingModifiers.formula`; also used in status and decision records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,

    /// The scaler's parameters, all as strings (quote numbers: `threshold: "10"`). A parameter may
    /// instead name an environment variable of the target's container with the `<param>FromEnv` key.
    pub metadata: BTreeMap<String, String>,

    /// Serve the HPA the value read by the last poll instead of querying the scaler again. Not
    /// allowed for `cpu`, `memory` and `cron`. Default: false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_cached_metrics: Option<bool>,

    /// The TriggerAuthentication or ClusterTriggerAuthentication that supplies secret parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_ref: Option<AuthenticationRef>,

    /// How the metric is compared with its target: `AverageValue` (per replica, the default),
    /// `Value` (the whole object) or `Utilization` (percent of requests, `cpu`/`memory` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<MetricType>,
}

impl ScaleTrigger {
    /// Whether this trigger is a `cpu` or `memory` trigger, computed from pod resource usage.
    pub fn is_resource_trigger(&self) -> bool {
        RESOURCE_TRIGGER_TYPES.contains(&self.type_.as_str())
    }

    /// The metric type in effect: the one written, or `AverageValue`.
    pub fn metric_type(&self) -> MetricType {
        self.metric_type.unwrap_or_default()
    }

    /// Whether cached metrics are requested (`useCachedMetrics`, default false).
    pub fn use_cached_metrics(&self) -> bool {
        self.use_cached_metrics.unwrap_or(false)
    }
}

/// A reference to the authentication object a trigger uses.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationRef {
    /// The name of the TriggerAuthentication (same namespace) or ClusterTriggerAuthentication.
    #[schemars(length(min = 1))]
    pub name: String,

    /// `TriggerAuthentication` (the default) or `ClusterTriggerAuthentication`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AuthenticationKind>,
}

impl AuthenticationRef {
    /// The kind in effect: the one written, or `TriggerAuthentication`.
    pub fn kind(&self) -> AuthenticationKind {
        self.kind.unwrap_or_default()
    }
}

/// The two kinds of authentication object a trigger may reference.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
pub enum AuthenticationKind {
    /// A namespaced TriggerAuthentication in the trigger's namespace.
    #[default]
    TriggerAuthentication,
    /// A cluster-scoped ClusterTriggerAuthentication.
    ClusterTriggerAuthentication,
}

/// How a metric value is compared with its target, as in `autoscaling/v2` MetricTarget.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
pub enum MetricType {
    /// The value divided by the number of replicas is compared with the target.
    #[default]
    AverageValue,
    /// The value itself is compared with the target.
    Value,
    /// Percent of the pods' resource requests; only for `cpu` and `memory` triggers.
    Utilization,
}

impl MetricType {
    /// The name as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AverageValue => "AverageValue",
            Self::Value => "Value",
            Self::Utilization => "Utilization",
        }
    }
}
