//! Status of the scaled kinds, as KEDA writes it, plus Tidal's `lastDecision`.
//!
//! Keeping KEDA's status shape means existing dashboards and `kubectl get so` columns keep working;
//! `lastDecision` (see [`super::decision`]) adds the explanation KEDA never recorded.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::decision::LastDecision;

/// Observed state of a ScaledObject.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScaledObjectStatus {
    /// The scale target's kind, resolved from `scaleTargetRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_target_kind: Option<String>,

    /// The scale target's group, version, kind and resource.
    #[serde(
        rename = "scaleTargetGVKR",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scale_target_gvkr: Option<GroupVersionKindResource>,

    /// The target's replica count before autoscaling started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_replica_count: Option<i32>,

    /// The last time any trigger was active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_time: Option<Time>,

    /// External metric names, one per non-resource trigger (`s<index>-<scaler>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_metric_names: Option<Vec<String>>,

    /// Resource metric names (`cpu`, `memory`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_metric_names: Option<Vec<String>>,

    /// The composite metric's name when scaling modifiers are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composite_scaler_name: Option<String>,

    /// Ready, Active, Fallback and Paused conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["type"]
    ))]
    pub conditions: Option<Vec<Condition>>,

    /// Health of each metric, keyed by metric name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<BTreeMap<String, HealthStatus>>,

    /// Activity of each trigger, keyed by trigger name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggers_activity: Option<BTreeMap<String, TriggerActivity>>,

    /// The replica count held while paused with `autoscaling.keda.sh/paused-replicas`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_replica_count: Option<i32>,

    /// The name of the HorizontalPodAutoscaler, when one is managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpa_name: Option<String>,

    /// The trigger types, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggers_types: Option<String>,

    /// The referenced authentication objects, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentications_types: Option<String>,

    /// The most recent scaling decision and why it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_decision: Option<LastDecision>,
}

/// Observed state of a ScaledJob.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScaledJobStatus {
    /// The last time any trigger was active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_time: Option<Time>,

    /// Ready, Active and Paused conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["type"]
    ))]
    pub conditions: Option<Vec<Condition>>,

    /// Whether the ScaledJob is paused (`"true"`), as KEDA writes it (capitalised key).
    #[serde(rename = "Paused", default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<String>,

    /// The trigger types, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggers_types: Option<String>,

    /// The referenced authentication objects, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentications_types: Option<String>,

    /// The most recent scaling decision and why it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_decision: Option<LastDecision>,
}

/// The condition types KEDA reports.
pub mod condition_types {
    /// The object is configured correctly and its triggers answer.
    pub const READY: &str = "Ready";
    /// At least one trigger is active.
    pub const ACTIVE: &str = "Active";
    /// The fallback replica count is in use.
    pub const FALLBACK: &str = "Fallback";
    /// Autoscaling is paused by annotation.
    pub const PAUSED: &str = "Paused";
}

/// One aspect of the object's state, in the shape of `metav1.Condition` (KEDA leaves the time and
/// generation out, so they are optional here).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// `Ready`, `Active`, `Fallback` or `Paused`.
    #[serde(rename = "type")]
    pub type_: String,

    /// `True`, `False` or `Unknown`.
    pub status: ConditionStatus,

    /// A CamelCase machine-readable reason for the last transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,

    /// A human-readable explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,

    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,

    /// The `metadata.generation` the condition was computed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// The three values of a condition's status.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// Not known yet.
    Unknown,
}

/// The scale target, resolved.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupVersionKindResource {
    /// API group, empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Plural resource name.
    pub resource: String,
}

/// Health of one metric.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthStatus {
    /// Consecutive failed reads of the metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_failures: Option<i32>,

    /// `Happy` or `Failing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<HealthStatusType>,
}

/// Whether a metric is being read successfully.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
pub enum HealthStatusType {
    /// The last read succeeded.
    Happy,
    /// The last read failed.
    Failing,
}

/// Activity of one trigger.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerActivity {
    /// Whether the trigger's value is above its activation threshold.
    pub is_active: bool,
}
