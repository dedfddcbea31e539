//! The engine's configuration: a ScaledObject reduced to the numbers and rules the decision
//! needs, with every default applied and every string parsed.
//!
//! The API types (`tidal_api::v1alpha1`) keep KEDA's loose shape so that manifests round-trip:
//! targets are strings inside a `metadata` map, durations are seconds, annotations are text.
//! [`ScalingConfig`] is the other end: parsed once, when the object changes, into typed values,
//! so that [`crate::engine::Engine::decide`] does no parsing and cannot fail on configuration.
//! [`ScalingConfig::from_scaled_object`] does the conversion and reports every problem with the
//! object, the field path, the bad value and what is allowed.

mod behavior;
mod convert;

use jiff::SignedDuration;
use serde::Serialize;
use tidal_formula::Formula;

use crate::behavior::{Behavior, ControllerConfig};
use crate::hpa::{ReadinessConfig, ResourceName, ResourceTarget};
use crate::keda::fallback::FallbackConfig;
use crate::keda::pause::Pause;

pub use convert::Env;

/// Why a ScaledObject cannot be turned into an engine configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A field holds a value that is not allowed.
    #[error("{object}: {path}: {value} is not allowed; {allowed}")]
    Invalid {
        /// The object, e.g. `ScaledObject default/web`.
        object: String,
        /// The field path, e.g. `spec.triggers[0].metadata.threshold`.
        path: String,
        /// The bad value, quoted as written.
        value: String,
        /// What is allowed instead.
        allowed: String,
    },
    /// A required field is absent.
    #[error("{object}: {path} is required; {allowed}")]
    Missing {
        /// The object.
        object: String,
        /// The field path of the missing field.
        path: String,
        /// What to write there.
        allowed: String,
    },
    /// The scaling-modifiers formula does not parse or names an unknown trigger.
    #[error("{object}: {path}: {source}")]
    Formula {
        /// The object.
        object: String,
        /// `spec.advanced.scalingModifiers.formula`.
        path: String,
        /// What is wrong with it.
        source: tidal_formula::Error,
    },
}

/// This module's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything [`crate::engine::Engine`] needs to decide for one ScaledObject.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingConfig {
    /// `minReplicaCount` (default 0).
    pub min_replicas: i32,
    /// `maxReplicaCount` (default 100).
    pub max_replicas: i32,
    /// `idleReplicaCount`: the count while inactive, when set.
    pub idle_replicas: Option<i32>,
    /// `pollingInterval` (default 30 s): how often the operator calls the engine.
    pub polling_interval: SignedDuration,
    /// `cooldownPeriod` (default 300 s): how long after the last active poll the object may go
    /// to zero (or idle).
    pub cooldown: SignedDuration,
    /// `initialCooldownPeriod` (default 0): how long after creation the object may first go to
    /// zero when it has never been active.
    pub initial_cooldown: SignedDuration,
    /// The triggers, in spec order.
    pub triggers: Vec<TriggerConfig>,
    /// `advanced.scalingModifiers`, when a formula is set.
    pub modifiers: Option<Modifiers>,
    /// `fallback`, when set and usable.
    pub fallback: Option<FallbackConfig>,
    /// The HPA behavior in effect; `None` selects Kubernetes' legacy path (see
    /// [`crate::behavior::normalize`]). Pause annotations are already folded in.
    pub behavior: Option<Behavior>,
    /// Controller-wide knobs (tolerance, downscale stabilization, legacy limits).
    pub controller: ControllerConfig,
    /// Which CPU samples to trust.
    pub readiness: ReadinessConfig,
    /// The pause annotations.
    pub pause: Pause,
    /// `autoscaling.keda.sh/force-activation`.
    pub force_activation: bool,
}

/// One trigger, normalized.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerConfig {
    /// The trigger's `name`, or KEDA's metric name `s<index>-<type>` when it has none.
    pub name: String,
    /// The `name` as written, the identifier formulas use.
    pub formula_name: Option<String>,
    /// The trigger `type`, e.g. `prometheus`.
    #[serde(rename = "type")]
    pub type_: String,
    /// How the trigger's value becomes a replica proposal.
    pub metric: TriggerMetric,
}

impl TriggerConfig {
    /// Whether this is a `cpu` or `memory` trigger.
    pub fn is_resource(&self) -> bool {
        matches!(self.metric, TriggerMetric::Resource { .. })
    }
}

/// How one trigger's value is compared with its target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum TriggerMetric {
    /// A value read by a scaler, seen by the replica math as an HPA `External` metric.
    External {
        /// `Value` or `AverageValue` (the default).
        metric_type: MetricType,
        /// The scaling target (e.g. `threshold`), > 0; `None` when the scaler supplies it with
        /// each reading (`external` scalers answer it over gRPC).
        target: Option<f64>,
        /// The activation target (e.g. `activationThreshold`, default 0): active iff the value is
        /// strictly greater.
        activation: f64,
    },
    /// A `cpu` or `memory` trigger, computed from the pods' usage and requests.
    Resource {
        /// `cpu` or `memory`.
        resource: ResourceName,
        /// `Utilization` percent or `AverageValue` milli-units per pod.
        target: ResourceTarget,
        /// `containerName`: only this container's usage and requests count (the HPA's
        /// `ContainerResource` metric); `None` reads the whole pod (`Resource`).
        #[serde(skip_serializing_if = "Option::is_none")]
        container: Option<String>,
    },
}

/// How an external value is compared with its target (HPA `MetricTarget.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MetricType {
    /// The value divided by the replica count is compared with the target.
    AverageValue,
    /// The value itself is compared with the target.
    Value,
}

impl MetricType {
    /// The name as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AverageValue => "AverageValue",
            Self::Value => "Value",
        }
    }
}

/// `advanced.scalingModifiers`: one composite metric computed by a formula over named
/// triggers, replacing them in the replica math and in the activation decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Modifiers {
    /// The parsed formula.
    #[serde(serialize_with = "formula_text")]
    pub formula: Formula,
    /// The composite metric's target (> 0).
    pub target: f64,
    /// The object is active iff the composite value is strictly greater (default 0).
    pub activation_target: f64,
    /// `AverageValue` (the default) or `Value`.
    pub metric_type: MetricType,
}

fn formula_text<S: serde::Serializer>(formula: &Formula, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(formula.source())
}
