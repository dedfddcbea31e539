//! `autoscaling/v2` HorizontalPodAutoscalerBehavior, mirrored field for field.
//!
//! KEDA embeds the HPA's behavior type in `advanced.horizontalPodAutoscalerConfig.behavior` and
//! Tidal's engine applies it itself, so we keep our own copy: typed enums for the policy names, the
//! API server's bounds in the schema, and `tolerance` (KEP-4951) as a Kubernetes quantity.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Longest stabilization window the API server accepts, in seconds.
pub const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;
/// Longest policy period the API server accepts, in seconds.
pub const MAX_PERIOD_SECONDS: i32 = 1800;

/// Scaling behavior in both directions. A direction left out keeps the Kubernetes defaults.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerBehavior {
    /// Rules for scaling up. Default: no stabilization; per 15 s, add 4 pods or double, whichever
    /// is more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<HpaScalingRules>,

    /// Rules for scaling down. Default: 300 s stabilization; per 15 s, remove up to 100 %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<HpaScalingRules>,
}

/// Rules for one scaling direction.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HpaScalingRules {
    /// Seconds of past recommendations to consider: scale-up uses the lowest, scale-down the
    /// highest. 0 to 3600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 3600))]
    pub stabilization_window_seconds: Option<i32>,

    /// Which policy wins when several apply: `Max` (the default), `Min`, or `Disabled` to forbid
    /// scaling in this direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<ScalingPolicySelect>,

    /// Limits on how fast replicas may change; at least one when given (omit the field for the
    /// defaults, or use `selectPolicy: Disabled` to forbid this direction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "atomic"))]
    pub policies: Option<Vec<HpaScalingPolicy>>,

    /// Ratio band around 1 within which no scaling happens, e.g. `"0.05"` or `"50m"` for 5 %.
    /// Default: the cluster-wide tolerance, 0.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Quantity>,
}

/// How the policies of one direction combine.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
pub enum ScalingPolicySelect {
    /// The policy allowing the largest change wins.
    #[default]
    Max,
    /// The policy allowing the smallest change wins.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// One rate limit: at most `value` pods or percent per `periodSeconds`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HpaScalingPolicy {
    /// `Pods` (an absolute number) or `Percent` (of the current replicas).
    #[serde(rename = "type")]
    pub type_: HpaScalingPolicyType,

    /// The amount of change allowed; must be greater than zero.
    #[schemars(range(min = 1))]
    pub value: i32,

    /// The window, in seconds, over which the change is counted: 1 to 1800.
    #[schemars(range(min = 1, max = 1800))]
    pub period_seconds: i32,
}

/// The unit of a scaling policy.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
pub enum HpaScalingPolicyType {
    /// An absolute number of pods.
    Pods,
    /// A percentage of the current number of pods.
    Percent,
}
