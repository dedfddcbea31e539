//! A scaling decision as a value: the replica count, the rule that fixed it, one plain-words
//! reason, and what every trigger said.
//!
//! [`crate::engine::Engine::decide`] returns a [`Decision`]; the operator writes it to
//! `status.lastDecision` (via [`LastDecision`]), `tidal decide` prints it, and the simulator
//! reports it. It serializes with camelCase keys, the shape of `status.lastDecision`.

use jiff::Timestamp;
use serde::Serialize;
use tidal_api::v1alpha1::{LastDecision, TriggerDecision};

use crate::hpa::Rule;

/// A number as people read it in reasons and tables: at most three decimals, no trailing zeros
/// (`80`, `2.5`, `0.333`).
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let rounded = (value * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        format!("{rounded:.0}")
    } else {
        let text = format!("{rounded:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// One decision of the engine.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// When the decision was made.
    pub time: Timestamp,
    /// The replica count to apply.
    pub desired_replicas: i32,
    /// The target's `spec.replicas` when deciding.
    pub current_replicas: i32,
    /// Whether the object is active: a trigger (or the formula) is above its activation
    /// target, or activation is forced.
    pub active: bool,
    /// The rule that fixed `desired_replicas`.
    pub bound_by: BoundBy,
    /// One line in plain words.
    pub reason: String,
    /// The highest proposal of the replica math, before stabilization, policies and bounds;
    /// `None` when the replica math did not run (at zero replicas, paused, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<i32>,
    /// What each trigger reported, in spec order.
    pub triggers: Vec<TriggerOutcome>,
    /// The scaling-modifiers composite metric, when a formula is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composite: Option<CompositeOutcome>,
    /// Whether a fallback replaced a failing trigger (or the composite metric).
    pub fallback: bool,
    /// `status.lastActiveTime` after this decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_active_time: Option<Timestamp>,
}

/// One trigger's part in a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerOutcome {
    /// The trigger's name, or `s<index>-<type>`.
    pub name: String,
    /// The trigger type.
    #[serde(rename = "type")]
    pub type_: String,
    /// The value read: the scaler's reading, or for `cpu`/`memory` the average utilization
    /// (percent) or the average usage per pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The target the value is compared with (percent for `Utilization`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// How the value is compared: `AverageValue`, `Value` or `Utilization`.
    pub metric_type: &'static str,
    /// The activation target, for triggers that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation: Option<f64>,
    /// Whether the trigger counts as active.
    pub active: bool,
    /// The replica count this trigger alone asks for, when the replica math ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<i32>,
    /// The replica-math rule behind `proposal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// Why the reading (or the computation) failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Consecutive failed reads, this one included.
    pub failures: u32,
    /// Whether the fallback replaced this trigger's value.
    pub fallback: bool,
}

/// The scaling-modifiers composite metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeOutcome {
    /// The formula as written.
    pub formula: String,
    /// Its value, when it could be computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// `scalingModifiers.target`.
    pub target: f64,
    /// `scalingModifiers.activationTarget`.
    pub activation: f64,
    /// `AverageValue` or `Value`.
    pub metric_type: &'static str,
    /// Whether the composite value is above the activation target.
    pub active: bool,
    /// The replica count it asks for, when the replica math ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<i32>,
    /// Why it could not be computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The rule that fixed a decision's replica count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum BoundBy {
    /// A trigger's proposal, applied as computed.
    Metric,
    /// The usage ratio was within tolerance: the count was kept.
    Tolerance,
    /// A stabilization window held the count (up or down).
    Stabilization,
    /// The scale-up rate policies limited the change.
    ScaleUpPolicy,
    /// The scale-down rate policies limited the change.
    ScaleDownPolicy,
    /// Without a behavior, a scale-up is limited to `max(2 × current, 4)` per decision.
    ScaleUpLimit,
    /// `scaleUp.selectPolicy: Disabled`.
    ScaleUpDisabled,
    /// `scaleDown.selectPolicy: Disabled`.
    ScaleDownDisabled,
    /// `minReplicaCount`.
    MinReplicas,
    /// `maxReplicaCount`.
    MaxReplicas,
    /// The object is inactive but its cooldown has not ended, so it is not yet at zero.
    Cooldown,
    /// The object was never active and its initial cooldown has not ended.
    InitialCooldown,
    /// The object went to zero (or `idleReplicaCount`) after its cooldown.
    Idle,
    /// The activation rule: scaled up from zero, or staying at zero while inactive.
    Activation,
    /// A fallback replaced failing triggers.
    Fallback,
    /// `paused` or `paused-replicas`.
    Paused,
    /// `paused-scale-in` held the count.
    PausedScaleIn,
    /// `paused-scale-out` held the count.
    PausedScaleOut,
    /// The scaling-modifiers formula's composite metric.
    Formula,
    /// Failing triggers blocked the change (a broken metric may block a scale-down, never a
    /// scale-up).
    TriggerError,
}

impl BoundBy {
    /// The camelCase name used in `status.lastDecision.boundBy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Metric => "metric",
            Self::Tolerance => "tolerance",
            Self::Stabilization => "stabilization",
            Self::ScaleUpPolicy => "scaleUpPolicy",
            Self::ScaleDownPolicy => "scaleDownPolicy",
            Self::ScaleUpLimit => "scaleUpLimit",
            Self::ScaleUpDisabled => "scaleUpDisabled",
            Self::ScaleDownDisabled => "scaleDownDisabled",
            Self::MinReplicas => "minReplicaCount",
            Self::MaxReplicas => "maxReplicaCount",
            Self::Cooldown => "cooldown",
            Self::InitialCooldown => "initialCooldown",
            Self::Idle => "idle",
            Self::Activation => "activation",
            Self::Fallback => "fallback",
            Self::Paused => "paused",
            Self::PausedScaleIn => "pausedScaleIn",
            Self::PausedScaleOut => "pausedScaleOut",
            Self::Formula => "formula",
            Self::TriggerError => "triggerError",
        }
    }
}

impl std::fmt::Display for BoundBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&Decision> for LastDecision {
    fn from(decision: &Decision) -> Self {
        Self {
            time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(decision.time),
            desired_replicas: decision.desired_replicas,
            current_replicas: decision.current_replicas,
            active: decision.active,
            bound_by: decision.bound_by.as_str().to_owned(),
            reason: decision.reason.clone(),
            triggers: decision
                .triggers
                .iter()
                .map(TriggerDecision::from)
                .collect(),
        }
    }
}

impl From<&TriggerOutcome> for TriggerDecision {
    fn from(outcome: &TriggerOutcome) -> Self {
        Self {
            name: outcome.name.clone(),
            type_: outcome.type_.clone(),
            // Kubernetes' JSON has no NaN or infinity.
            value: outcome.value.filter(|v| v.is_finite()),
            target: outcome.target,
            active: outcome.active,
            proposal: outcome.proposal,
            error: outcome.error.clone(),
        }
    }
}
