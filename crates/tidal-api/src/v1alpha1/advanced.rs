//! The optional sections of a ScaledObject spec: `advanced` and `fallback`.
//!
//! Kept apart from the spec itself so each file stays readable; every type here is KEDA's, with
//! KEDA's field names, so manifests round-trip unchanged.

// `KubeSchema` copies the annotated struct into its generated `json_schema` with `pub` visibility
// and drops any `allow` we could put on the struct, so the lint is silenced for the module.
#![allow(unreachable_pub)]

use kube::KubeSchema;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::behavior::HorizontalPodAutoscalerBehavior;

/// Advanced scaling options.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedConfig {
    /// Settings KEDA passes to the HorizontalPodAutoscaler it creates; Tidal applies the behavior
    /// itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal_pod_autoscaler_config: Option<HorizontalPodAutoscalerConfig>,

    /// On deletion of the ScaledObject, set the workload back to the replica count it had before
    /// autoscaling started. Default: false (the workload keeps its current replicas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_to_original_replica_count: Option<bool>,

    /// Combine named triggers with a formula into one composite metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling_modifiers: Option<ScalingModifiers>,
}

/// HorizontalPodAutoscaler settings.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerConfig {
    /// Name of the HPA KEDA would create. Default: `keda-hpa-<ScaledObject name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,

    /// Stabilization windows, rate-limit policies and tolerances for scaling up and down, as in
    /// `autoscaling/v2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
}

/// A formula over named triggers that replaces them with one composite metric.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[x_kube(validation = kube::core::Rule::new(
    "!has(self.formula) || self.formula == '' || (has(self.target) && self.target != '')"
).message("scalingModifiers.target is required when a formula is set"))]
#[serde(rename_all = "camelCase")]
pub struct ScalingModifiers {
    /// An expression over trigger names (cpu and memory excluded), e.g. `(queue + backlog) / 2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,

    /// The composite metric's target, a positive decimal number as a string, e.g. `"10"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,

    /// The composite value must exceed this for the object to be active. Default: `"0"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_target: Option<String>,

    /// `AverageValue` (the default) or `Value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<ModifierMetricType>,
}

impl ScalingModifiers {
    /// Whether no field is set; KEDA treats such a section as absent.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// The metric type in effect (`AverageValue` when omitted).
    pub fn metric_type(&self) -> ModifierMetricType {
        self.metric_type.unwrap_or_default()
    }
}

/// The metric types a composite metric may use.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
pub enum ModifierMetricType {
    /// The composite value divided by the replicas is compared with the target.
    #[default]
    AverageValue,
    /// The composite value itself is compared with the target.
    Value,
}

/// What to do when triggers keep failing.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Fallback {
    /// Consecutive failures of a trigger after which the fallback applies; 0 or more.
    #[schemars(range(min = 0))]
    pub failure_threshold: i32,

    /// The replica count to run while falling back (for the `static` behavior); 0 or more.
    #[schemars(range(min = 0))]
    pub replicas: i32,

    /// How the fallback replica count is chosen. Default: `static`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "static"))]
    pub behavior: Option<FallbackBehavior>,
}

impl Fallback {
    /// The behavior in effect (`static` when omitted).
    pub fn behavior(&self) -> FallbackBehavior {
        self.behavior.unwrap_or_default()
    }
}

/// How the fallback replica count is chosen.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
#[serde(rename_all = "camelCase")]
pub enum FallbackBehavior {
    /// Always `fallback.replicas`.
    #[default]
    Static,
    /// Keep the current replica count.
    CurrentReplicas,
    /// The current count if it is higher than `fallback.replicas`, else `fallback.replicas`.
    CurrentReplicasIfHigher,
    /// The current count if it is lower than `fallback.replicas`, else `fallback.replicas`.
    CurrentReplicasIfLower,
    /// Failed triggers read as missing inside the scaling-modifiers formula.
    ScalingModifiers,
}
