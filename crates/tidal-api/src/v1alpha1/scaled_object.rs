//! The ScaledObject kind: autoscaling for anything with a `/scale` subresource.
//!
//! The spec is KEDA 2.20's, field for field, so a `keda.sh/v1alpha1` manifest loads unchanged.
//! Optional fields stay `Option` (an omitted field round-trips as omitted); the documented defaults
//! live in accessor methods such as [`ScaledObjectSpec::polling_interval`], which is what the engine
//! reads.

// `KubeSchema` copies the annotated struct into its generated `json_schema` with `pub` visibility
// and drops any `allow` we could put on the struct, so the lint is silenced for the module.
#![allow(unreachable_pub)]

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::advanced::{AdvancedConfig, Fallback};
use super::status::ScaledObjectStatus;
use super::trigger::ScaleTrigger;

/// Seconds between two polls of the triggers when `pollingInterval` is omitted.
pub const DEFAULT_POLLING_INTERVAL_SECONDS: i32 = 30;
/// Seconds since the last active poll before scaling to zero when `cooldownPeriod` is omitted.
pub const DEFAULT_COOLDOWN_PERIOD_SECONDS: i32 = 300;
/// Seconds after creation before the first scale to zero when `initialCooldownPeriod` is omitted.
pub const DEFAULT_INITIAL_COOLDOWN_PERIOD_SECONDS: i32 = 0;
/// Replica floor when `minReplicaCount` is omitted.
pub const DEFAULT_MIN_REPLICA_COUNT: i32 = 0;
/// Replica ceiling when `maxReplicaCount` is omitted.
pub const DEFAULT_MAX_REPLICA_COUNT: i32 = 100;
/// The scale target's API version when `scaleTargetRef.apiVersion` is omitted.
pub const DEFAULT_SCALE_TARGET_API_VERSION: &str = "apps/v1";
/// The scale target's kind when `scaleTargetRef.kind` is omitted.
pub const DEFAULT_SCALE_TARGET_KIND: &str = "Deployment";

/// The desired autoscaling of one workload: what to scale, between which bounds, on which signals.
// Each `printcolumn(...)` repeats `type_`, which clippy takes for a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "tidal.dev",
    version = "v1alpha1",
    kind = "ScaledObject",
    namespaced,
    status = "ScaledObjectStatus",
    shortname = "so",
    shortname = "sos",
    derive = "PartialEq",
    doc = "Autoscales a Deployment, StatefulSet or any resource with a /scale subresource from \
           event sources and metrics; the KEDA ScaledObject API.",
    printcolumn(
        name = "ScaleTargetKind",
        type_ = "string",
        json_path = ".status.scaleTargetKind"
    ),
    printcolumn(
        name = "ScaleTargetName",
        type_ = "string",
        json_path = ".spec.scaleTargetRef.name"
    ),
    printcolumn(name = "Min", type_ = "integer", json_path = ".spec.minReplicaCount"),
    printcolumn(name = "Max", type_ = "integer", json_path = ".spec.maxReplicaCount"),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Ready")].status"#
    ),
    printcolumn(
        name = "Active",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Active")].status"#
    ),
    printcolumn(
        name = "Fallback",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Fallback")].status"#
    ),
    printcolumn(
        name = "Paused",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Paused")].status"#
    ),
    printcolumn(
        name = "Triggers",
        type_ = "string",
        json_path = ".status.triggersTypes"
    ),
    printcolumn(
        name = "Authentications",
        type_ = "string",
        json_path = ".status.authenticationsTypes"
    ),
    printcolumn(
        name = "Desired",
        type_ = "integer",
        json_path = ".status.lastDecision.desiredReplicas"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    printcolumn(
        name = "Reason",
        type_ = "string",
        json_path = ".status.lastDecision.reason"
    )
)]
#[x_kube(validation = kube::core::Rule::new(
    "(has(self.minReplicaCount) ? self.minReplicaCount : 0) <= \
     (has(self.maxReplicaCount) ? self.maxReplicaCount : 100)"
).message("minReplicaCount must be less than or equal to maxReplicaCount (default 100)"))]
#[x_kube(validation = kube::core::Rule::new(
    "!has(self.idleReplicaCount) || (has(self.minReplicaCount) && \
     self.idleReplicaCount < (self.minReplicaCount > 0 ? self.minReplicaCount : 1))"
).message("idleReplicaCount must be less than minReplicaCount"))]
#[serde(rename_all = "camelCase")]
pub struct ScaledObjectSpec {
    /// The workload to scale; it must be in the ScaledObject's namespace and expose `/scale`.
    pub scale_target_ref: ScaleTarget,

    /// Seconds between two polls of the triggers. Default: 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub polling_interval: Option<i32>,

    /// Seconds after the object is created before it may first scale to zero. Default: 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub initial_cooldown_period: Option<i32>,

    /// Seconds after the last active poll before scaling to zero (or to idleReplicaCount).
    /// Applies only to that last step, not to scaling between 1 and N. Default: 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub cooldown_period: Option<i32>,

    /// Replicas to keep while no trigger is active. Must be less than minReplicaCount; in practice
    /// only 0 is useful. Default: unset (inactive objects go to minReplicaCount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub idle_replica_count: Option<i32>,

    /// The fewest replicas while active; 0 allows scaling to zero. Default: 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub min_replica_count: Option<i32>,

    /// The most replicas. Default: 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_replica_count: Option<i32>,

    /// HPA behavior, replica restore on deletion and trigger-combining formulas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced: Option<AdvancedConfig>,

    /// The signals to scale on; at least one. The highest proposal wins unless a formula is set.
    #[schemars(length(min = 1))]
    pub triggers: Vec<ScaleTrigger>,

    /// Replicas to run when triggers keep failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
}

/// A reference to the workload being scaled.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTarget {
    /// The workload's name, in the ScaledObject's namespace.
    #[schemars(length(min = 1))]
    pub name: String,

    /// The workload's API version. Default: `apps/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,

    /// The workload's kind. Default: `Deployment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,

    /// The container whose environment resolves `…FromEnv` trigger parameters. Default: the first
    /// container of the pod template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_source_container_name: Option<String>,
}

impl ScaleTarget {
    /// The API version in effect (`apps/v1` when omitted).
    pub fn api_version(&self) -> &str {
        self.api_version
            .as_deref()
            .unwrap_or(DEFAULT_SCALE_TARGET_API_VERSION)
    }

    /// The kind in effect (`Deployment` when omitted).
    pub fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or(DEFAULT_SCALE_TARGET_KIND)
    }
}

impl ScaledObjectSpec {
    /// Seconds between polls (`pollingInterval`, default 30).
    pub fn polling_interval(&self) -> i32 {
        self.polling_interval
            .unwrap_or(DEFAULT_POLLING_INTERVAL_SECONDS)
    }

    /// Seconds from the last active poll to scale-in to zero (`cooldownPeriod`, default 300).
    pub fn cooldown_period(&self) -> i32 {
        self.cooldown_period
            .unwrap_or(DEFAULT_COOLDOWN_PERIOD_SECONDS)
    }

    /// Seconds from creation to the first scale-in to zero (`initialCooldownPeriod`, default 0).
    pub fn initial_cooldown_period(&self) -> i32 {
        self.initial_cooldown_period
            .unwrap_or(DEFAULT_INITIAL_COOLDOWN_PERIOD_SECONDS)
    }

    /// The replica floor (`minReplicaCount`, default 0).
    pub fn min_replica_count(&self) -> i32 {
        self.min_replica_count.unwrap_or(DEFAULT_MIN_REPLICA_COUNT)
    }

    /// The replica ceiling (`maxReplicaCount`, default 100).
    pub fn max_replica_count(&self) -> i32 {
        self.max_replica_count.unwrap_or(DEFAULT_MAX_REPLICA_COUNT)
    }

    /// Whether `advanced.restoreToOriginalReplicaCount` is set (default false).
    pub fn restore_to_original_replica_count(&self) -> bool {
        self.advanced
            .as_ref()
            .and_then(|advanced| advanced.restore_to_original_replica_count)
            .unwrap_or(false)
    }

    /// The scaling modifiers, when any of their fields is set (KEDA ignores an empty section).
    pub fn scaling_modifiers(&self) -> Option<&super::advanced::ScalingModifiers> {
        self.advanced
            .as_ref()
            .and_then(|advanced| advanced.scaling_modifiers.as_ref())
            .filter(|modifiers| !modifiers.is_empty())
    }

    /// The HPA behavior written in `advanced.horizontalPodAutoscalerConfig.behavior`, if any.
    pub fn behavior(&self) -> Option<&super::behavior::HorizontalPodAutoscalerBehavior> {
        self.advanced
            .as_ref()
            .and_then(|advanced| advanced.horizontal_pod_autoscaler_config.as_ref())
            .and_then(|config| config.behavior.as_ref())
    }

    /// Whether every trigger is a `cpu` or `memory` trigger (such objects never scale to zero).
    pub fn has_only_resource_triggers(&self) -> bool {
        self.triggers.iter().all(ScaleTrigger::is_resource_trigger)
    }
}
